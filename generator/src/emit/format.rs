//! `rustfmt` over the generated Rust: files in parallel, and a large file in
//! pieces cut between items (one process per piece, as many at a time as there
//! are cores; the pieces' layouts joined are the whole file's), and never
//! silently: a file rustfmt cannot format, or a missing rustfmt, is a warning
//! naming the file and why, and the file keeps `prettyplease`'s layout (valid
//! Rust, not `cargo fmt`'s).

use super::GeneratedFile;
use crate::diagnostics::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The rustfmt to run: `RUSTFMT` where it is set; else the toolchain's own
/// binary behind rustup's proxy (`rustup which rustfmt`, asked once per process:
/// the proxy costs about 7 ms on every run, and a generation runs rustfmt once
/// per file or piece of a file); else `rustfmt` from `PATH`.
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

/// A printed Rust file and the byte offsets where its top-level items other than
/// `use` items start. rustfmt lays out items independently (imports aside, which
/// it sorts within a run of `use` items), so the text may be cut at any of these
/// places, the pieces formatted apart, and the results joined.
pub(crate) struct Printed {
    pub(crate) file: GeneratedFile,
    pub(crate) items: Vec<usize>,
}

/// Below this many bytes a piece is not worth a rustfmt process of its own (one
/// costs about 8 ms before it formats anything; it formats about 4 KB per ms).
const MIN_PIECE: usize = 64 * 1024;

/// Format `files` on a thread of its own (and rustfmt's processes), while the
/// caller goes on; [`finish`] collects them.
pub(crate) fn rustfmt_in_background(files: Vec<Printed>) -> Background {
    std::thread::spawn(move || {
        let mut warnings = Vec::new();
        let files = rustfmt_all(files, &mut warnings);
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

/// Format the `.rs` files; problems become warnings and leave the file as printed.
/// A large file is cut into as many pieces as there are cores, at item starts,
/// and the pieces are formatted side by side: one rustfmt process is single-threaded.
pub(crate) fn rustfmt_all(
    files: Vec<Printed>,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<GeneratedFile> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    rustfmt_in_pieces(files, warnings, workers, MIN_PIECE)
}

/// [`rustfmt_all`] with `workers` processes at a time and pieces of `min_piece` bytes at least.
fn rustfmt_in_pieces(
    files: Vec<Printed>,
    warnings: &mut Vec<Diagnostic>,
    workers: usize,
    min_piece: usize,
) -> Vec<GeneratedFile> {
    let mut jobs: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (i, p) in files.iter().enumerate() {
        if p.file.path.extension().is_some_and(|e| e == "rs") {
            for range in pieces(p.file.contents.len(), &p.items, workers, min_piece) {
                jobs.push((i, range));
            }
        }
    }
    let mut files: Vec<GeneratedFile> = files.into_iter().map(|p| p.file).collect();
    if jobs.is_empty() {
        return files;
    }
    // the largest first, so that the last to finish is a small one
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| std::cmp::Reverse(jobs[j].1.len()));
    let program = program();
    let next = std::sync::Mutex::new(order.into_iter());
    let results: std::sync::Mutex<Vec<Option<Result<String, String>>>> =
        std::sync::Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| loop {
                let Some(j) = next.lock().ok().and_then(|mut it| it.next()) else {
                    return;
                };
                let (file, range) = &jobs[j];
                let outcome = run(&program, &files[*file].contents[range.clone()]);
                if let Ok(mut r) = results.lock() {
                    r[j] = Some(outcome);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let missing = results
        .iter()
        .flatten()
        .any(|r| r.as_ref().is_err_and(|e| e.starts_with(NOT_FOUND)));
    if missing {
        warnings.push(Diagnostic::file_warning(
            None,
            format!(
                "rustfmt could not be run ({}); the generated Rust is laid out by prettyplease, not as `cargo fmt` would (install it with `rustup component add rustfmt`)",
                program.to_string_lossy()
            ),
        ));
        return files;
    }
    // each file's pieces, in order, joined; a file with a piece rustfmt refused stays as printed
    let mut per_file: Vec<Vec<Result<String, String>>> = vec![Vec::new(); files.len()];
    for ((file, _), result) in jobs.iter().zip(results) {
        per_file[*file].push(result.unwrap_or_else(|| Err("not run".into())));
    }
    let mut failed: Vec<(PathBuf, String)> = Vec::new();
    for (file, pieces) in files.iter_mut().zip(per_file) {
        if pieces.is_empty() {
            continue;
        }
        match pieces.into_iter().collect::<Result<Vec<String>, String>>() {
            Ok(texts) => file.contents = texts.concat(),
            Err(why) => failed.push((file.path.clone(), why)),
        }
    }
    failed.sort();
    for (path, why) in failed {
        warnings.push(Diagnostic::file_warning(
            Some(path),
            format!("rustfmt failed, the file is kept as prettyplease laid it out: {why}"),
        ));
    }
    files
}

/// Where to cut a text of `len` bytes: at most `most` pieces of about equal size,
/// none under `min` bytes, each starting at one of `items` (ascending offsets).
fn pieces(len: usize, items: &[usize], most: usize, min: usize) -> Vec<std::ops::Range<usize>> {
    let n = (len / min.max(1)).clamp(1, most.max(1));
    let mut cuts = vec![0];
    for k in 1..n {
        let target = len * k / n;
        let at = items.partition_point(|&c| c < target);
        if let Some(&c) = items.get(at) {
            if c > *cuts.last().unwrap_or(&0) && c < len {
                cuts.push(c);
            }
        }
    }
    cuts.push(len);
    cuts.windows(2).map(|w| w[0]..w[1]).collect()
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

    fn file(text: &str) -> Printed {
        Printed {
            file: GeneratedFile {
                path: "src/x.rs".into(),
                contents: text.into(),
            },
            items: Vec::new(),
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
    fn cuts_fall_on_item_starts_and_cover_the_text() {
        let items = [10, 40, 55, 90];
        assert_eq!(pieces(100, &items, 2, 10), vec![0..55, 55..100]);
        assert_eq!(
            pieces(100, &items, 8, 10),
            vec![0..40, 40..55, 55..90, 90..100]
        );
        // too small to cut, or nowhere to cut
        assert_eq!(pieces(100, &items, 2, 64), vec![0..100]);
        assert_eq!(pieces(100, &[], 4, 10), vec![0..100]);
    }

    #[test]
    fn a_file_formatted_in_pieces_is_the_file_formatted_whole() {
        // the generated client of a bundled spec, printed item by item as
        // `rust_file_in_parts` prints it, and cut at every item it allows
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/woodpecker.json");
        let files = crate::Generator::from_path(&spec)
            .expect("the bundled spec loads")
            .rustfmt(false)
            .generate_crate()
            .expect("generates")
            .files;
        let client = files
            .iter()
            .find(|f| f.path == Path::new("src/client.rs"))
            .expect("a client");
        let parsed = syn::parse_file(&client.contents).expect("the client parses");
        let print = |attrs, items| {
            prettyplease::unparse(&syn::File {
                shebang: None,
                attrs,
                items,
            })
        };
        let mut text = print(parsed.attrs, Vec::new());
        let mut items = Vec::new();
        for item in parsed.items {
            if !matches!(item, syn::Item::Use(_)) {
                items.push(text.len());
            }
            text.push_str(&print(Vec::new(), vec![item]));
        }
        assert!(items.len() > 40, "{} items", items.len());
        let printed = || Printed {
            file: GeneratedFile {
                path: "src/client.rs".into(),
                contents: text.clone(),
            },
            items: items.clone(),
        };
        let mut warnings = Vec::new();
        let whole = rustfmt_in_pieces(vec![printed()], &mut warnings, 1, usize::MAX);
        if warnings
            .iter()
            .any(|w| w.message.contains("could not be run"))
        {
            return; // no rustfmt on this machine
        }
        let cut = rustfmt_in_pieces(vec![printed()], &mut warnings, 64, 1);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_ne!(whole[0].contents, text, "rustfmt changed nothing");
        assert_eq!(whole[0].contents, cut[0].contents);
    }

    #[test]
    fn a_file_rustfmt_rejects_is_a_warning_naming_it() {
        let mut files = vec![file("fn a() { let = ; }"), file("fn b(){}")];
        files[1].file.path = "src/y.rs".into();
        let mut warnings = Vec::new();
        let files = rustfmt_all(files, &mut warnings);
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
