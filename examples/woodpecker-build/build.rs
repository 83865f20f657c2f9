//! Generates the Woodpecker client into OUT_DIR at build time.

fn main() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let generator = match specforge::Generator::from_path(&spec) {
        Ok(g) => g,
        Err(e) => {
            // cargo shows build-script output on failure; make it the spec's diagnostics
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = generator.write_module_to_out_dir("woodpecker.rs") {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
