//! Generation time per bundled spec (run with `cargo bench -p specforge`).
//! Prints the median of several runs of each stage; no pass/fail.

use specforge::{ir, loader, Generator};
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 9;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(mut f: impl FnMut() -> T) -> Duration {
    let samples = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    median(samples)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("specforge generation, median of {RUNS} runs (release build)");
    println!(
        "{:<12} {:>6} {:>6} {:>10} {:>10} {:>12} {:>14} {:>10}",
        "spec", "ops", "types", "load", "lower", "emit+fmt", "emit (no fmt)", "lines"
    );
    for name in ["woodpecker", "circleci", "quay"] {
        let path = root.join("specs").join(format!("{name}.json"));
        let load = time(|| loader::load(&path).expect("loads"));
        let spec = loader::load(&path).expect("loads");
        let lower = time(|| ir::build(&spec).expect("lowers"));
        let api = ir::build(&spec).expect("lowers");
        let generator = Generator::from_api(api.clone());
        let emit = time(|| generator.generate_crate().expect("generates"));
        std::env::set_var("RUSTFMT", "/nonexistent/rustfmt");
        let emit_raw = time(|| generator.generate_crate().expect("generates"));
        std::env::remove_var("RUSTFMT");
        let lines: usize = generator
            .generate_crate()
            .expect("generates")
            .files
            .iter()
            .map(|f| f.contents.lines().count())
            .sum();
        println!(
            "{:<12} {:>6} {:>6} {:>8.1}ms {:>8.1}ms {:>10.1}ms {:>12.1}ms {:>10}",
            name,
            api.operations.len(),
            api.types.len(),
            load.as_secs_f64() * 1e3,
            lower.as_secs_f64() * 1e3,
            emit.as_secs_f64() * 1e3,
            emit_raw.as_secs_f64() * 1e3,
            lines
        );
    }
}
