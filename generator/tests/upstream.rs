//! Checks on the full upstream documents. They live outside the repository, so
//! these tests are `#[ignore]`d and CI runs them with
//! `SPECFORGE_UPSTREAM_SPECS=../shared/specs cargo test -- --ignored`.

use specforge::ir;
use specforge::loader;
use specforge::normalize::{render, strip_docs};
use std::path::{Path, PathBuf};

fn upstream(name: &str) -> PathBuf {
    let dir = std::env::var("SPECFORGE_UPSTREAM_SPECS")
        .expect("set SPECFORGE_UPSTREAM_SPECS to the folder of the upstream specs");
    // relative paths are taken from the workspace root, where CI runs
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir)
        .join(name)
}

const SPECS: &[(&str, &str, usize)] = &[
    ("woodpecker.swagger.json", "woodpecker.json", 118),
    ("circleci.openapi.json", "circleci.json", 80),
    ("quay.swagger.json", "quay.json", 236),
];

#[test]
#[ignore = "needs SPECFORGE_UPSTREAM_SPECS"]
fn upstream_specs_load_with_expected_operation_counts_and_unique_names() {
    for (file, _, ops) in SPECS {
        let api = ir::load_api(&upstream(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(api.operations.len(), *ops, "{file}");
        let mut names: Vec<&str> = api.operations.iter().map(|o| o.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), *ops, "{file}: names unique");
        println!(
            "{file}: {ops} operations, {} types, {} warnings",
            api.types.len(),
            api.warnings.len()
        );
    }
}

#[test]
#[ignore = "needs SPECFORGE_UPSTREAM_SPECS"]
fn bundled_specs_are_what_normalize_strip_docs_writes() {
    for (file, bundled, _) in SPECS {
        let spec = loader::load_keeping_bundled(&upstream(file)).unwrap();
        let mut doc = spec.bundled.clone().expect("kept when asked");
        strip_docs(spec.version, &mut doc);
        let expected = render(&doc, false).unwrap();
        let committed = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../specs")
                .join(bundled),
        )
        .unwrap();
        assert!(expected == committed, "specs/{bundled} is stale: regenerate it with `specforge normalize --strip-docs` (see README)");
    }
}
