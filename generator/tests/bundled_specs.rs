//! The specs the project ships with load with the expected shape.

use specforge::ir;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

fn check(path: &Path, expected_ops: usize) -> ir::Api {
    let api = ir::load_api(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(api.operations.len(), expected_ops, "{}", path.display());
    let names: HashSet<&str> = api.operations.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names.len(),
        api.operations.len(),
        "operation names are unique in {}",
        path.display()
    );
    for n in &names {
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{n} is snake_case"
        );
    }
    let lowered: HashSet<String> = api.types.keys().map(|k| k.to_lowercase()).collect();
    assert_eq!(
        lowered.len(),
        api.types.len(),
        "type names are unique ignoring case"
    );
    api
}

#[test]
fn woodpecker_has_118_operations_with_rest_style_names() {
    let api = check(&spec("woodpecker.json"), 118);
    for name in [
        "list_repo_pipelines",
        "approve_repo_pipeline",
        "get_repo_pipeline",
        "create_repo_cron",
        "delete_agent",
    ] {
        assert!(api.operation(name).is_some(), "{name}");
    }
    assert_eq!(api.base_path, "/api");
}

#[test]
fn circleci_has_80_operations_named_from_operation_ids() {
    let api = check(&spec("circleci.json"), 80);
    assert!(api.operation("get_pipeline_by_id").is_some());
    assert_eq!(api.base_path, "/api/v2");
    assert_eq!(api.security_schemes.len(), 3);
}

#[test]
fn quay_has_236_operations_and_reports_its_defects() {
    let api = check(&spec("quay.json"), 236);
    let warned = |needle: &str| {
        api.warnings
            .iter()
            .filter(|w| w.message.contains(needle))
            .count()
    };
    assert_eq!(warned("no 'produces' or 'consumes'"), 1);
    assert_eq!(warned("does not occur in the path template"), 2);
    assert_eq!(warned("'id' is not a schema keyword"), 7);
    assert!(warned("a list of types is JSON Schema") >= 20);
}
