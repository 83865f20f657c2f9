//! `rustfmt` over the generated Rust: every file in parallel (one process each,
//! as many at a time as there are cores), and never silently: a file rustfmt
//! cannot format, or a missing rustfmt, is a warning naming the file and why,
//! and the file keeps `prettyplease`'s layout (valid Rust, not `cargo fmt`'s).

use super::GeneratedFile;
use crate::diagnostics::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The rustfmt to run: `RUSTFMT` where it is set; else the toolchain's own
/// binary behind rustup's proxy (`rustup which rustfmt`, asked once per process:
/// the proxy costs about 7 ms on every run, and a generation runs rustfmt once
/// per file); else `rustfmt` from `PATH`.
pub(crate) fn program() -> std::ffi::OsString {
    if let Some(p) = std::env::var_os("RUSTFMT") {
        return p;
    }
    static BEHIND_RUSTUP: std::sync::OnceLock<Option<std::ffi::OsString>> =
        std::sync::OnceLock::new();
    BEHIND_RUSTUP
        .get_or_init(|| {
            let out = Command::new("rustup")
                .args(["which", "rustfmt"])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .ok()?;
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (out.status.success() && Path::new(&path).is_file()).then(|| path.into())
        })
        .clone()
        .unwrap_or_else(|| "rustfmt".into())
}

/// Format `files` on a thread of its own (and rustfmt's processes), while the
/// caller goes on; [`finish`] collects them.
pub(crate) fn rustfmt_in_background(mut files: Vec<GeneratedFile>) -> Background {
    std::thread::spawn(move || {
        let mut warnings = Vec::new();
        rustfmt_all(&mut files, |_| true, &mut warnings);
        (files, warnings)
    })
}

/// Files being formatted by [`rustfmt_in_background`].
pub(crate) type Background = std::thread::JoinHandle<(Vec<GeneratedFile>, Vec<Diagnostic>)>;

/// The formatted files of `background`, and the warnings formatting gave.
pub(crate) fn finish(background: Background) -> (Vec<GeneratedFile>, Vec<Diagnostic>) {
    background.join().unwrap_or_else(|_| {
        (
            Vec::new(),
            vec![Diagnostic::file_warning(
                None,
                "the thread running rustfmt stopped; some generated files are missing",
            )],
        )
    })
}

/// Format the `.rs` files `select` picks, in place; problems become warnings.
pub(crate) fn rustfmt_all(
    files: &mut [GeneratedFile],
    select: impl Fn(&Path) -> bool,
    warnings: &mut Vec<Diagnostic>,
) {
    let mut todo: Vec<&mut GeneratedFile> = files
        .iter_mut()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs") && select(&f.path))
        .collect();
    if todo.is_empty() {
        return;
    }
    let program = program();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(todo.len());
    let next = std::sync::Mutex::new(todo.iter_mut());
    let results: std::sync::Mutex<Vec<(PathBuf, Result<(), String>)>> = Default::default();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let Some(file) = next.lock().ok().and_then(|mut it| it.next()) else {
                    return;
                };
                let outcome = run(&program, &file.contents).map(|text| file.contents = text);
                if let Ok(mut r) = results.lock() {
                    r.push((file.path.clone(), outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let missing = results
        .iter()
        .any(|(_, r)| r.as_ref().is_err_and(|e| e.starts_with(NOT_FOUND)));
    if missing {
        warnings.push(Diagnostic::file_warning(
            None,
            format!(
                "rustfmt could not be run ({}); the generated Rust is laid out by prettyplease, not as `cargo fmt` would (install it with `rustup component add rustfmt`)",
                program.to_string_lossy()
            ),
        ));
        return;
    }
    for (path, result) in results {
        if let Err(why) = result {
            warnings.push(Diagnostic::file_warning(
                Some(path),
                format!("rustfmt failed, the file is kept as prettyplease laid it out: {why}"),
            ));
        }
    }
}

const NOT_FOUND: &str = "not found: ";

/// One rustfmt run over `source` (stdin to stdout).
fn run(program: &std::ffi::OsStr, source: &str) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{NOT_FOUND}{e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("{} ({})", first.trim(), output.status));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> GeneratedFile {
        GeneratedFile {
            path: "src/x.rs".into(),
            contents: text.into(),
        }
    }

    #[test]
    fn a_missing_rustfmt_is_one_warning_and_the_text_is_kept() {
        // run() takes the program explicitly; rustfmt_all reads RUSTFMT, which
        // tests must not change for each other, so check run() and the message shape
        let e = run(std::ffi::OsStr::new("/nonexistent/rustfmt"), "fn a(){}").unwrap_err();
        assert!(e.starts_with(NOT_FOUND), "{e}");
    }

    #[test]
    fn a_file_rustfmt_rejects_is_a_warning_naming_it() {
        let mut files = vec![file("fn a() { let = ; }"), file("fn b(){}")];
        files[1].path = "src/y.rs".into();
        let mut warnings = Vec::new();
        rustfmt_all(&mut files, |_| true, &mut warnings);
        if warnings
            .iter()
            .any(|w| w.message.contains("could not be run"))
        {
            return; // no rustfmt on this machine: covered by the test above
        }
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].file.as_deref(), Some(Path::new("src/x.rs")));
        assert!(warnings[0].message.contains("rustfmt failed"));
        assert_eq!(files[0].contents, "fn a() { let = ; }");
        assert_eq!(files[1].contents, "fn b() {}\n");
    }
}
