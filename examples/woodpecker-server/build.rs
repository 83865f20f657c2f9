//! Generates the Woodpecker types and server stubs into OUT_DIR at build time.

fn main() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let generator = match specforge::Generator::from_path(&spec) {
        Ok(g) => g.client(false).server(true),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = generator.write_module_to_out_dir("woodpecker.rs") {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
