//! The `specforge` binary as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_specforge"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn inspect_prints_a_summary() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let out = run(&["inspect", spec.to_str().unwrap()]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(s.contains("(Swagger 2.0)"), "{s}");
    assert!(s.contains("operations: 118"), "{s}");
    assert!(s.contains("Agents"), "{s}");
    assert!(s.contains("warnings:   1"), "{s}");
}

#[test]
fn inspect_json_dumps_the_ir() {
    let out = run(&[
        "inspect",
        "--json",
        fixture("recursive.yaml").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["operations"][0]["name"], "get_tree");
    assert_eq!(v["types"]["Node"]["recursive"], true);
}

#[test]
fn validate_exit_codes_are_0_1_2() {
    assert_eq!(
        run(&["validate", fixture("recursive.yaml").to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/quay.json");
    let warn = run(&["validate", spec.to_str().unwrap()]);
    assert_eq!(warn.status.code(), Some(1));
    assert!(text(&warn.stdout).contains("#/definitions/CreateMessage/id"));
    let bad = run(&[
        "validate",
        fixture("broken/dangling.yaml").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let s = text(&bad.stdout);
    assert!(s.contains("dangling.yaml:11:"), "names file and line: {s}");
}

#[test]
fn errors_exit_2_without_a_panic() {
    for f in [
        "broken/bad.yaml",
        "broken/bad.json",
        "broken/wrong_types.json",
        "broken/version.yaml",
        "does-not-exist.yaml",
    ] {
        let out = run(&["inspect", fixture(f).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{f}");
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{f}: {err}");
        assert!(!err.contains("panicked"), "{f}: {err}");
    }
}

#[test]
fn reads_stdin() {
    let mut child = bin()
        .args(["inspect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"openapi: 3.0.3\ninfo: {title: piped, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: ok}}}}}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("operations: 1"));
}

#[test]
fn normalize_strip_docs_keeps_version_and_property_names() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("out.json");
    let out = run(&[
        "normalize",
        "--strip-docs",
        fixture("swagger2.yaml").to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(v["swagger"], "2.0");
    // the property named `description` survives, prose does not
    assert!(v["definitions"]["Pet"]["properties"]["description"].is_object());
    assert_eq!(v["responses"]["NotFound"]["description"], "");
    assert!(
        v["paths"]["/pets"]["get"]["responses"]["200"]["headers"]["X-Total"]
            .get("description")
            .is_none()
    );
    assert_eq!(v["securityDefinitions"]["oauth"]["scopes"]["read:pets"], "");
}

#[test]
fn normalize_bundles_multi_file_specs_to_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("bundle.yaml");
    let out = run(&[
        "normalize",
        fixture("multi/api.yaml").to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let s = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        s.contains("'#/components/schemas/Pet'") || s.contains("\"#/components/schemas/Pet\""),
        "{s}"
    );
    // and the bundle loads on its own, anywhere
    let out = run(&["inspect", out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn report_lists_degraded_operations_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_specforge"))
        .args([
            "generate",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures/hostile.yaml")
                .to_str()
                .unwrap(),
            "--out",
        ])
        .arg(dir.path().join("crate"))
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let types: Vec<&str> = v["degraded_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"Never"), "{types:?}");
    assert!(types.contains(&"Ints"), "{types:?}");
    let ops = v["degraded_operations"].as_array().unwrap();
    assert_eq!(ops[0]["pointer"], "#/paths/~1things~1{type}~1{self}/post");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("#/components/schemas/Never"),
        "warnings name the pointer: {stderr}"
    );
    assert!(dir.path().join("crate/src/client.rs").exists());
}

#[test]
fn generate_out_writes_only_where_it_should() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let spec = spec.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("crate");
    let gen = |dir: &Path, extra: &[&str]| {
        let mut args = vec!["generate", spec, "--out", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        run(&args)
    };
    // a fresh folder, then the same folder again (its manifest says it is ours)
    assert!(gen(&out, &[]).status.success());
    assert!(out.join(".specforge-manifest").exists());
    assert!(gen(&out, &[]).status.success());
    // a stale file from an earlier generation is removed, a user's file is kept
    let manifest = std::fs::read_to_string(out.join(".specforge-manifest")).unwrap();
    std::fs::write(
        out.join(".specforge-manifest"),
        format!("{manifest}src/old.rs\n"),
    )
    .unwrap();
    std::fs::write(out.join("src/old.rs"), "// stale").unwrap();
    std::fs::write(out.join("NOTES.md"), "mine").unwrap();
    assert!(gen(&out, &["--server"]).status.success());
    assert!(!out.join("src/old.rs").exists());
    assert!(out.join("src/server.rs").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.md")).unwrap(),
        "mine"
    );
    // a user's crate is not overwritten without --force
    let users = tmp.path().join("users");
    std::fs::create_dir_all(&users).unwrap();
    std::fs::write(users.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    let o = gen(&users, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    assert!(std::fs::read_to_string(users.join("Cargo.toml"))
        .unwrap()
        .contains("mine"));
    assert!(gen(&users, &["--force"]).status.success());
    // never through a symlink inside the folder
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::remove_file(out.join("README.md")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("README.md"), out.join("README.md")).unwrap();
    let o = gen(&out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("symlink"), "{}", text(&o.stderr));
    assert!(!elsewhere.join("README.md").exists());
    // never the root
    let o = run(&["generate", spec, "--out", "/"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn generate_check_fails_on_a_stale_crate_and_passes_on_a_fresh_one() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let spec = spec.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let out_s = out.to_str().unwrap();
    // nothing there yet: out of date
    let missing = run(&["generate", spec, "--out", out_s, "--check"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("missing: Cargo.toml"),
        "{}",
        text(&missing.stderr)
    );
    assert!(!out.exists(), "--check writes nothing");
    assert!(run(&["generate", spec, "--out", out_s]).status.success());
    let fresh = run(&["generate", spec, "--out", out_s, "--check"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    // a hand edit and a spec change (another crate name) are both caught
    std::fs::write(out.join("src/lib.rs"), "// edited\n").unwrap();
    let stale = run(&["generate", spec, "--out", out_s, "--check"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stderr).contains("differs: src/lib.rs"),
        "{}",
        text(&stale.stderr)
    );
    let renamed = run(&[
        "generate",
        spec,
        "--out",
        out_s,
        "--check",
        "--crate-name",
        "other",
    ]);
    assert!(
        text(&renamed.stderr).contains("differs: Cargo.toml"),
        "{}",
        text(&renamed.stderr)
    );
}

#[test]
fn version_names_the_revision_and_completions_are_printed() {
    let v = run(&["--version"]);
    let shown = text(&v.stdout);
    assert!(shown.starts_with("specforge 0."), "{shown}");
    assert!(
        shown.contains('(') && shown.trim_end().ends_with(')'),
        "{shown}"
    );
    for shell in ["bash", "zsh", "fish"] {
        let c = run(&["completions", shell]);
        assert!(c.status.success());
        assert!(text(&c.stdout).contains("generate"), "{shell}");
    }
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn specforge_mock_runs_the_mock() {
    use std::io::{BufRead, BufReader};
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let mut child = bin()
        .args(["mock", spec.to_str().unwrap(), "--port", "0", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("listening on"))
        .expect("the mock says where it listens");
    let url = line.split_whitespace().last().unwrap().to_string();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/api"),
        "{line}"
    );
}

#[test]
fn generate_reads_options_from_a_config_file_and_refuses_a_bad_one() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/circleci.json");
    let spec = spec.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("specforge.toml");
    std::fs::write(
        &config,
        "crate-name = \"circle-ops\"\ncrate-version = \"3.0.0\"\n[operations]\nids = [\"listContexts\"]\n",
    )
    .unwrap();
    let out = dir.path().join("crate");
    let o = run(&[
        "generate",
        spec,
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("generated circle-ops (1 operation, "),
        "{}",
        text(&o.stdout)
    );
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("version = \"3.0.0\""));
    // the flag wins over the file
    let o = run(&[
        "generate",
        spec,
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--crate-name",
        "from-flag",
        "--check",
    ]);
    assert!(
        text(&o.stderr).contains("differs: Cargo.toml"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&config, "[operations]\ntagz = [\"x\"]\n").unwrap();
    let bad = run(&[
        "generate",
        spec,
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let e = text(&bad.stderr);
    assert!(
        e.contains("specforge.toml") && e.contains("line 2") && e.contains("tagz"),
        "{e}"
    );
}

#[test]
fn diff_exits_by_fail_on_and_the_ci_recipe_and_its_workflow_agree() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    std::fs::write(&old, "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n  /b:\n    get:\n      responses: {'200': {description: ok}}\n").unwrap();
    std::fs::write(&new, "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      deprecated: true\n      responses: {'200': {description: ok}}\n").unwrap();
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let plain = run(&["diff", o, n]);
    assert_eq!(plain.status.code(), Some(0), "no --fail-on: exit 0");
    assert!(
        text(&plain.stdout).contains("operation-removed"),
        "{}",
        text(&plain.stdout)
    );
    assert_eq!(
        run(&["diff", o, n, "--fail-on", "breaking"]).status.code(),
        Some(1)
    );
    assert_eq!(
        run(&["diff", o, o, "--fail-on", "warning"]).status.code(),
        Some(0)
    );
    let missing = run(&["diff", o, "/nonexistent.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    // the documented workflow runs what .ci/recipe runs
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let recipe = std::fs::read_to_string(root.join(".ci/recipe")).unwrap();
    let workflow = std::fs::read_to_string(root.join("docs/ci/github-actions.yml")).unwrap();
    for shared in [
        "diff /tmp/base.json specs/woodpecker.json --format github --fail-on breaking",
        "mock specs/woodpecker.json --stateful",
        "cargo test -p woodpecker-build-example --test stateful_mock",
        "--header \"Authorization: Bearer demo-token\"",
        "--skip-status 501 --cases 3 --chains --concurrency 4",
    ] {
        let squash = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace("\\ ", "")
        };
        let (r, w) = (squash(&recipe), squash(&workflow));
        let wanted = squash(shared);
        let in_recipe = r.contains(&wanted)
            || r.contains(
                &wanted
                    .replace("/tmp/base.json", "\"$WORK/base.json\"")
                    .replace("specs/woodpecker.json", "\"$SPEC\""),
            )
            || r.contains(&wanted.replace("specs/woodpecker.json", "\"$SPEC\""))
            || r.contains(&wanted.replace("cargo test -p", "cargo test --quiet -p"));
        assert!(in_recipe, "{shared:?} is not in .ci/recipe");
        assert!(w.contains(&wanted), "{shared:?} is not in the workflow");
    }
}

#[test]
fn a_missing_rustfmt_is_said_once_and_the_crate_is_still_laid_out() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("crate");
    let out = bin()
        .args(["generate", "--server", "--out"])
        .arg(&out_dir)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json"))
        .env("RUSTFMT", dir.path().join("no-such-rustfmt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("rustfmt could not be run").count(),
        1,
        "{stderr}"
    );
    // prettyplease's layout: items on lines of their own, indented
    let server = std::fs::read_to_string(out_dir.join("src/server.rs")).unwrap();
    assert!(server.contains("\npub trait Api: Send + Sync + 'static {\n"));
    assert!(
        server.lines().count() > 1000,
        "{} lines",
        server.lines().count()
    );
}

#[test]
fn regenerating_an_unchanged_spec_runs_rustfmt_on_nothing_and_an_edited_file_is_laid_out_again() {
    let real = Command::new("rustfmt").arg("--version").output();
    if !real.is_ok_and(|o| o.status.success()) {
        return; // no rustfmt here: nothing is laid out, nothing to reuse
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    let given = dir.path().join("given");
    let wrapper = dir.path().join("rustfmt-wrapper");
    // each call's first argument, and every byte it is given
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\ntee -a '{}' | rustfmt \"$@\"\n",
            log.display(),
            given.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/woodpecker.json");
    let out_dir = dir.path().join("crate");
    let generate = |extra: &[&str]| {
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&given);
        let out = bin()
            .args(["generate", "--server", "--out"])
            .arg(&out_dir)
            .args(extra)
            .arg(&spec)
            .env("RUSTFMT", &wrapper)
            .output()
            .unwrap();
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        let formatted = calls.lines().filter(|l| *l == "--edition").count();
        let bytes = std::fs::metadata(&given).map_or(0, |m| m.len());
        (out, (formatted, bytes))
    };
    let (out, first) = generate(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        first.0 >= 1 && first.1 > 0,
        "types, client, server, lib: {first:?} rustfmt runs and bytes"
    );
    let server = std::fs::read_to_string(out_dir.join("src/server.rs")).unwrap();
    let (out, second) = generate(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(second, (0, 0), "nothing changed, nothing to lay out");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("src/server.rs")).unwrap(),
        server
    );
    let (out, checked) = generate(&["--check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(checked, (0, 0));
    // a file edited by hand is laid out again, and only that one
    std::fs::write(
        out_dir.join("src/server.rs"),
        format!("{server}// edited\n"),
    )
    .unwrap();
    let (out, _) = generate(&["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let (out, third) = generate(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // that file's shapes alone: one run, or one per piece where they are cut for
    // the cores, and as many again for the shapes of brackets whose ends were not
    // alike; less text than the crate's
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        (1..=2 * cores).contains(&third.0) && third.1 < first.1,
        "{third:?} runs and bytes for one file (of {first:?} for the crate)"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("src/server.rs")).unwrap(),
        server
    );
}
