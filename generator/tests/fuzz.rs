//! Property tests with hostile input: the bundled specs and the hostile fixture,
//! mutated at random places (nodes removed, replaced by other types, hostile
//! names, `$ref`s to anywhere including themselves, compositions), go through
//! the loader, the IR and the generator. Nothing may panic; a spec that does not
//! load must say where (a pointer, or a file with a line); a spec that loads must
//! generate; a sample of the generated crates must compile.
//!
//! Budget: `PROPTEST_CASES` (default 48 per spec) and a fixed seed, so CI runs are
//! bounded and repeatable; raise it locally to search longer.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Value};
use specforge::{ir, loader, Generator};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const HOSTILE: &[&str] = &[
    "",
    "type",
    "fn",
    "self",
    "Self",
    "1abc",
    "ünïcödé",
    "a b",
    "{id}",
    "/x/{",
    "%xé",
    "#/components/schemas/Nope",
    "__proto__",
    "Client",
    "Error",
    "new",
    "default",
    "a-b_c.d",
    "\u{0}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Remove,
    Null,
    Number(i64),
    Huge,
    Text(usize),
    EmptyObject,
    EmptyArray,
    RefTo(usize),
    RefMissing,
    RenameKey(usize),
    AllOf,
    OneOfWithString,
    Nullable,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Remove),
        Just(Mutation::Null),
        any::<i64>().prop_map(Mutation::Number),
        Just(Mutation::Huge),
        (0..HOSTILE.len()).prop_map(Mutation::Text),
        Just(Mutation::EmptyObject),
        Just(Mutation::EmptyArray),
        any::<usize>().prop_map(Mutation::RefTo),
        Just(Mutation::RefMissing),
        (0..HOSTILE.len()).prop_map(Mutation::RenameKey),
        Just(Mutation::AllOf),
        Just(Mutation::OneOfWithString),
        Just(Mutation::Nullable),
    ]
}

fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    out.push(at.to_string());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(c, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn parent_and_key(pointer: &str) -> Option<(&str, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    Some((parent, key.replace("~1", "/").replace("~0", "~")))
}

fn apply(doc: &mut Value, targets: &[String], pick: usize, m: &Mutation) {
    let pointer = &targets[pick % targets.len()];
    let replacement = match m {
        Mutation::Remove | Mutation::RenameKey(_) => {
            let Some((parent, key)) = parent_and_key(pointer) else {
                return;
            };
            let Some(parent) = doc.pointer_mut(parent) else {
                return;
            };
            match (parent, m) {
                (Value::Object(o), Mutation::Remove) => {
                    o.shift_remove(&key);
                }
                (Value::Object(o), Mutation::RenameKey(i)) => {
                    if let Some(v) = o.shift_remove(&key) {
                        o.insert(HOSTILE[*i].to_string(), v);
                    }
                }
                (Value::Array(a), _) => {
                    if let Ok(i) = key.parse::<usize>() {
                        if i < a.len() {
                            a.remove(i);
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        Mutation::Null => Value::Null,
        Mutation::Number(n) => json!(n),
        Mutation::Huge => json!(1.0e300),
        Mutation::Text(i) => json!(HOSTILE[*i]),
        Mutation::EmptyObject => json!({}),
        Mutation::EmptyArray => json!([]),
        Mutation::RefTo(i) => json!({ "$ref": format!("#{}", targets[i % targets.len()]) }),
        Mutation::RefMissing => json!({ "$ref": "#/components/schemas/Missing" }),
        Mutation::AllOf => {
            let old = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
            json!({ "allOf": [old] })
        }
        Mutation::OneOfWithString => {
            let old = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
            json!({ "oneOf": [old, { "type": "string" }] })
        }
        Mutation::Nullable => {
            let mut old = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
            if let Value::Object(o) = &mut old {
                o.insert("nullable".into(), json!(true));
                o.insert("x-nullable".into(), json!(true));
            }
            old
        }
    };
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = replacement;
    }
}

fn base(name: &str) -> Value {
    let path = root().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    if name.ends_with(".json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_yaml::from_str(&text).unwrap()
    }
}

/// Crates that loaded and generated, kept for the compile sample.
static SAMPLES: Mutex<Vec<(String, specforge::Generated)>> = Mutex::new(Vec::new());

fn check(name: &str, doc: &Value, as_yaml: bool) -> Result<(), TestCaseError> {
    let text = if as_yaml {
        serde_yaml::to_string(doc).unwrap()
    } else {
        serde_json::to_string(doc).unwrap()
    };
    let api = match loader::load_str(&text, None).and_then(|spec| ir::build(&spec)) {
        Ok(api) => api,
        Err(e) => {
            for d in e.errors() {
                prop_assert!(
                    d.pointer.is_some() || d.line.is_some(),
                    "an error that does not say where: {d}"
                );
            }
            return Ok(());
        }
    };
    let generated = Generator::from_api(api)
        .crate_name("fuzzed-api")
        .server(true)
        .rustfmt(false)
        .generate_crate();
    let generated = match generated {
        Ok(g) => g,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "loads but does not generate: {e}"
            )))
        }
    };
    if let Ok(mut s) = SAMPLES.lock() {
        if s.len() < 3 {
            s.push((name.to_string(), generated));
        }
    }
    Ok(())
}

fn run(name: &str, seed: u8) {
    let doc = base(name);
    let mut targets = Vec::new();
    pointers(&doc, "", &mut targets);
    targets.retain(|p| !p.is_empty());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (
        prop::collection::vec((any::<usize>(), mutation()), 1..6),
        any::<bool>(),
    );
    let result = runner.run(&strategy, |(mutations, as_yaml)| {
        let mut doc = doc.clone();
        for (pick, m) in &mutations {
            apply(&mut doc, &targets, *pick, m);
        }
        check(name, &doc, as_yaml)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

#[test]
fn mutated_woodpecker_never_panics_and_errors_say_where() {
    run("specs/woodpecker.json", 1);
}

#[test]
fn mutated_circleci_never_panics_and_errors_say_where() {
    run("specs/circleci.json", 2);
}

#[test]
fn mutated_quay_never_panics_and_errors_say_where() {
    run("specs/quay.json", 3);
}

#[test]
fn mutated_hostile_fixture_never_panics_and_errors_say_where() {
    run("generator/tests/fixtures/hostile.yaml", 4);
}

/// A sample of the crates generated from mutated specs compiles (run after the
/// properties; in one workspace and the shared target dir).
#[test]
fn zz_sampled_mutant_crates_compile() {
    run("specs/woodpecker.json", 5);
    let samples = std::mem::take(&mut *SAMPLES.lock().unwrap());
    assert!(
        !samples.is_empty(),
        "no mutated spec loaded: the sample is empty"
    );
    let dir = root().join("target/fuzz-crates");
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    for (i, (_, generated)) in samples.iter().enumerate() {
        let member = format!("mutant{i}");
        for f in &generated.files {
            let path = dir.join(&member).join(&f.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let mut contents = f.contents.clone();
            if f.path == Path::new("Cargo.toml") {
                contents = contents.replace("\n[workspace]", "").replace(
                    "name = \"fuzzed-api\"",
                    &format!("name = \"fuzzed-api-{i}\""),
                );
            }
            std::fs::write(&path, contents).unwrap();
        }
        members.push(format!("\"{member}\""));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    let target = std::env::var_os("SPECFORGE_GENERATED_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/generated"));
    let out = Command::new(env!("CARGO"))
        .args(["check", "--workspace", "--all-features", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "a crate generated from a mutated spec does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
