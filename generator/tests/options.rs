//! Generator options (`specforge.toml` / `Generator::options`): each one changes
//! the output as documented, bad files are refused with where and why, and a crate
//! generated with derives and replacements compiles.

use specforge::{Generator, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn circleci() -> Generator {
    Generator::from_path(root().join("specs/circleci.json")).unwrap()
}

fn options(text: &str) -> Options {
    Options::from_toml(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn crate_name_version_and_server_come_from_the_options() {
    let g = circleci()
        .options(options(
            "crate-name = \"acme-circle\"\ncrate-version = \"2.3.4\"\nserver = true\n",
        ))
        .unwrap()
        .generate_crate()
        .unwrap();
    let manifest = g.file("Cargo.toml").unwrap();
    assert!(manifest.contains("name = \"acme-circle\""), "{manifest}");
    assert!(manifest.contains("version = \"2.3.4\""), "{manifest}");
    assert!(g.file("src/server.rs").is_some());
    let plain = circleci().generate_crate().unwrap();
    assert!(plain.file("src/server.rs").is_none());
    assert!(plain
        .file("Cargo.toml")
        .unwrap()
        .contains("version = \"0.1.0\""));
}

#[test]
fn extra_derives_are_added_once_to_every_model() {
    let g = circleci()
        .options(options(
            "derives = [\"Eq\", \"Debug\", \"::std::hash::Hash\"]\n",
        ))
        .unwrap()
        .generate_crate()
        .unwrap();
    let types = g.file("src/types.rs").unwrap();
    // every `#[derive(..)]`, over as many lines as rustfmt wraps it
    let derives: Vec<String> = types
        .split("#[derive(")
        .skip(1)
        .map(|rest| {
            rest.split(")]")
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(!derives.is_empty());
    for d in &derives {
        assert!(d.contains("Hash"), "{d}");
        assert_eq!(d.matches("Debug").count(), 1, "Debug is not repeated: {d}");
        assert_eq!(
            d.split([',', ' ']).filter(|w| *w == "Eq").count(),
            1,
            "Eq once: {d}"
        );
    }
}

#[test]
fn replaced_formats_and_schemas_use_the_users_types() {
    let g = circleci()
        .options(options(
            "[replace.formats]\ndate-time = \"my_time::Instant\"\n\n[replace.schemas]\nPipeline = \"crate::mine::Pipeline\"\n",
        ))
        .unwrap()
        .generate_crate()
        .unwrap();
    let types = g.file("src/types.rs").unwrap();
    let client = g.file("src/client.rs").unwrap();
    assert!(!types.contains("chrono::DateTime"), "date-time replaced");
    assert!(types.contains("my_time::Instant"));
    assert!(
        !types.contains("pub struct Pipeline "),
        "the replaced model is not generated"
    );
    assert!(client.contains("crate::mine::Pipeline"));
    // a replacement that names nothing is a warning, not silence
    let g = circleci()
        .options(options("[replace.schemas]\nNoSuchSchema = \"u8\"\n"))
        .unwrap()
        .generate_crate()
        .unwrap();
    assert!(g
        .warnings
        .iter()
        .any(|w| w.to_string().contains("no schema named \"NoSuchSchema\"")));
}

#[test]
fn the_operation_filter_keeps_tags_and_ids_and_warns_about_typos() {
    let all = circleci().api().operations.len();
    let g = circleci()
        .options(options(
            "[operations]\ntags = [\"Context\"]\nexclude-ids = [\"deleteContext\"]\n",
        ))
        .unwrap();
    let ops = &g.api().operations;
    assert!(!ops.is_empty() && ops.len() < all);
    assert!(ops.iter().all(|o| o.tags.iter().any(|t| t == "Context")));
    assert!(ops
        .iter()
        .all(|o| o.operation_id.as_deref() != Some("deleteContext")));
    let client = g.generate_crate().unwrap();
    let client = client.file("src/client.rs").unwrap();
    assert!(client.contains("pub async fn list_contexts("));
    assert!(!client.contains("pub async fn delete_context("));
    assert!(!client.contains("pub async fn list_pipelines("));
    let g = circleci()
        .options(options(
            "[operations]\nids = [\"listContexts\", \"listContextz\"]\n",
        ))
        .unwrap();
    assert_eq!(g.api().operations.len(), 1);
    assert!(g.api().warnings.iter().any(|w| w
        .to_string()
        .contains("no operation is named \"listContextz\"")));
}

#[test]
fn bad_option_files_are_refused_with_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("specforge.toml");
    let cases = [
        ("derive = [\"Eq\"]\n", "unknown field `derive`"),
        ("derives = [\"not a path!\"]\n", "is not a Rust path"),
        (
            "[replace.formats]\nemail = \"String\"\n",
            "format \"email\" cannot be replaced",
        ),
        ("[replace.schemas]\nX = \"1 + 1\"\n", "is not a Rust type"),
        ("crate-version = \"two\"\n", "not a semantic version"),
        ("server = \"yes\"\n", "line 1"),
    ];
    for (text, expected) in cases {
        std::fs::write(&file, text).unwrap();
        let e = Options::from_file(&file).unwrap_err().to_string();
        assert!(e.contains(expected), "{text:?}: {e}");
    }
    std::fs::write(&file, "server = \"yes\"\n").unwrap();
    let e = Options::from_file(&file).unwrap_err().to_string();
    assert!(e.contains("specforge.toml"), "names the file: {e}");
}

const SMALL: &str = r##"
openapi: 3.0.3
info: {title: Small, version: "1"}
paths:
  /events/{id}:
    get:
      operationId: getEvent
      tags: [events]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Event"}
  /admin:
    delete:
      operationId: wipe
      tags: [admin]
      responses:
        "204": {description: gone}
components:
  schemas:
    Event:
      type: object
      required: [id, at, money]
      properties:
        id: {type: string}
        at: {type: string, format: date-time}
        money: {$ref: "#/components/schemas/Money"}
        kind: {type: string, enum: [a, b]}
    Money:
      type: object
      properties:
        cents: {type: integer}
"##;

#[test]
fn a_crate_with_derives_replacements_and_a_filter_compiles_without_warnings() {
    let dir = root().join("target/options-crate");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("small.yaml");
    std::fs::write(&spec, SMALL).unwrap();
    let g = Generator::from_path(&spec)
        .unwrap()
        .options(options(
            r#"
crate-name = "small-options"
server = true
derives = ["Eq", "Hash"]
[replace.formats]
date-time = "::std::string::String"
[replace.schemas]
Money = "crate::money::Money"
[operations]
exclude-tags = ["admin"]
"#,
        ))
        .unwrap();
    let generated = g.generate_crate().unwrap();
    let out = dir.join("crate");
    generated.write_to(&out).unwrap();
    // the user's own type, where the replacement points
    let lib = out.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        format!("{text}\n/// The user's money type.\npub mod money {{\n    /// Cents.\n    #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]\n    pub struct Money {{\n        /// Cents.\n        pub cents: Option<i64>,\n    }}\n}}\n"),
    )
    .unwrap();
    let client = generated.file("src/client.rs").unwrap();
    assert!(!client.contains("fn wipe("), "filtered out");
    let target = std::env::var_os("SPECFORGE_GENERATED_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/generated"));
    let check = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--all-features",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
