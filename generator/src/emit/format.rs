//! Running `rustfmt`: a text in pieces cut between items (one process per piece,
//! as many at a time as there are cores; the pieces' layouts joined are the whole
//! text's), on threads of its own; processes loaded ahead of their text
//! ([`Ready`]), so that a batch does not wait for their start-up. What is given to
//! it and what becomes of a failure is [`super::layout`]'s.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The rustfmt to run: `RUSTFMT` where it is set; else the toolchain's own
/// binary behind rustup's proxy (`rustup which rustfmt`, asked once per process:
/// the proxy costs about 7 ms on every run, and a generation runs rustfmt once
/// per file or piece of a file); else `rustfmt` from `PATH`.
pub(crate) fn program() -> std::ffi::OsString {
    resolved().0.clone()
}

/// Whether [`program`] is the toolchain's own binary, found through rustup (not a
/// name on `PATH` or whatever `RUSTFMT` names, which may be a wrapper).
pub(crate) fn is_toolchain_binary() -> bool {
    resolved().1
}

fn resolved() -> &'static (std::ffi::OsString, bool) {
    static PROGRAM: std::sync::OnceLock<(std::ffi::OsString, bool)> = std::sync::OnceLock::new();
    PROGRAM.get_or_init(|| {
        if let Some(p) = std::env::var_os("RUSTFMT") {
            return (p, false);
        }
        let behind_rustup = || {
            let out = Command::new("rustup")
                .args(["which", "rustfmt"])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .ok()?;
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (out.status.success() && Path::new(&path).is_file()).then(|| path.into())
        };
        match behind_rustup() {
            Some(path) => (path, true),
            None => ("rustfmt".into(), false),
        }
    })
}

/// Below this many bytes a piece is not worth a rustfmt process of its own (one
/// costs about 10 ms of CPU before it formats anything, then formats about 3 KB
/// of shapes per ms: a batch of 32 KiB is already laid out sooner on two cores).
const MIN_PIECE: usize = 16 * 1024;

/// Why rustfmt gave nothing back.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// It cannot be run at all (the reason).
    Missing(String),
    /// It refused the text (its first line of complaint).
    Rejected(String),
}

/// rustfmt at work on one text, on threads of its own.
pub(crate) type Running = std::thread::JoinHandle<Result<String, Failure>>;

/// How many rustfmt processes run at a time: one per core.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// How many rustfmt processes [`Ready`] keeps loaded at most.
const READY_AT_MOST: usize = 4;

/// rustfmt processes started before there is text for them. Each loads itself
/// (about 8 ms of a core: a text handed to one already loaded is laid out that
/// much sooner) while the generator is still emitting, then waits on its stdin.
/// [`start`] hands them texts; those never handed one are killed when this is
/// dropped.
#[derive(Default)]
pub(crate) struct Ready {
    /// being started, on a thread of their own (finding rustfmt may ask rustup)
    starting: Vec<std::thread::JoinHandle<Option<Child>>>,
    started: Vec<Child>,
}

impl Ready {
    /// Start processes, on other threads, until one per core (four at most: a
    /// batch is rarely cut into more pieces, and each unused one is 8 ms of CPU
    /// for nothing) is ready or being started.
    pub(crate) fn fill(&mut self) {
        for _ in self.starting.len() + self.started.len()..workers().min(READY_AT_MOST) {
            self.starting
                .push(std::thread::spawn(|| spawn(&program()).ok()));
        }
    }

    /// Wait for those being started (one that could not be started is dropped).
    fn join_starting(&mut self) {
        for handle in self.starting.drain(..) {
            if let Ok(Some(child)) = handle.join() {
                self.started.push(child);
            }
        }
    }

    /// Up to `n` of them, each still waiting for its text.
    pub(crate) fn take(&mut self, n: usize) -> Vec<Child> {
        self.join_starting();
        let mut taken = Vec::new();
        while taken.len() < n {
            let Some(mut child) = self.started.pop() else {
                break;
            };
            // one that is gone (killed from outside) is not handed a text
            match child.try_wait() {
                Ok(None) => taken.push(child),
                _ => {
                    let _ = child.wait();
                }
            }
        }
        taken
    }
}

impl Drop for Ready {
    fn drop(&mut self) {
        for mut child in self.take(usize::MAX) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Lay out `text` with rustfmt while the caller goes on: in pieces cut at some of
/// `cuts` (byte offsets where rustfmt may start afresh: between items, never
/// inside a run of `use` items), one process per piece (those of `ready` first),
/// as many at a time as there are cores; [`wait`] gives the pieces' layouts
/// joined.
pub(crate) fn start(text: String, cuts: Vec<usize>, ready: &mut Ready) -> Running {
    let children = ready.take(pieces(text.len(), &cuts, workers(), MIN_PIECE).len());
    std::thread::spawn(move || in_place(&text, &cuts, children))
}

/// [`start`] on this thread: the pieces' layouts joined. Processes of `ready`
/// left over are killed.
pub(crate) fn in_place(
    text: &str,
    cuts: &[usize],
    mut ready: Vec<Child>,
) -> Result<String, Failure> {
    let workers = workers();
    let ranges = pieces(text.len(), cuts, workers, MIN_PIECE);
    for mut child in ready.split_off(ranges.len().min(ready.len())) {
        let _ = child.kill();
        let _ = child.wait();
    }
    in_pieces(text, ranges, workers, ready)
}

/// How many processes [`start`] runs over a text of about `len` bytes, at most.
pub(crate) fn processes_for(len: usize) -> usize {
    piece_count(len, workers(), MIN_PIECE)
}

/// Into how many pieces [`pieces`] cuts a text of `len` bytes where cuts allow.
fn piece_count(len: usize, most: usize, min: usize) -> usize {
    (len / min.max(1)).clamp(1, most.max(1))
}

/// What [`start`] gave.
pub(crate) fn wait(running: Running) -> Result<String, Failure> {
    running.join().unwrap_or_else(|_| {
        Err(Failure::Rejected(
            "the thread running rustfmt stopped".into(),
        ))
    })
}

/// rustfmt over `text` cut into `ranges`, `workers` at a time, the first pieces
/// handed to the `ready` processes.
fn in_pieces(
    text: &str,
    ranges: Vec<std::ops::Range<usize>>,
    workers: usize,
    ready: Vec<Child>,
) -> Result<String, Failure> {
    let program = program();
    let next = std::sync::Mutex::new(
        (0..ranges.len()).zip(
            ready
                .into_iter()
                .map(Some)
                .chain(std::iter::repeat_with(|| None)),
        ),
    );
    let results: std::sync::Mutex<Vec<Option<Result<String, String>>>> =
        std::sync::Mutex::new(vec![None; ranges.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(ranges.len()) {
            scope.spawn(|| loop {
                let Some((j, child)) = next.lock().ok().and_then(|mut it| it.next()) else {
                    return;
                };
                let piece = &text[ranges[j].clone()];
                let outcome = match child {
                    Some(child) => feed(child, piece),
                    None => spawn(&program).and_then(|child| feed(child, piece)),
                };
                if let Ok(mut r) = results.lock() {
                    r[j] = Some(outcome);
                }
            });
        }
    });
    let mut out = String::with_capacity(text.len());
    for result in results.into_inner().unwrap_or_default() {
        match result.unwrap_or_else(|| Err("not run".into())) {
            Ok(piece) => out.push_str(&piece),
            Err(e) => {
                return Err(match e.strip_prefix(NOT_FOUND) {
                    Some(why) => Failure::Missing(format!("{}: {why}", program.to_string_lossy())),
                    None => Failure::Rejected(e),
                })
            }
        }
    }
    Ok(out)
}

/// Where to cut a text of `len` bytes: at most `most` pieces of about equal size,
/// none under `min` bytes, each starting at one of `items` (ascending offsets).
fn pieces(len: usize, items: &[usize], most: usize, min: usize) -> Vec<std::ops::Range<usize>> {
    let n = piece_count(len, most, min);
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

/// A rustfmt process waiting for its text on stdin (stdout its layout).
fn spawn(program: &std::ffi::OsStr) -> Result<Child, String> {
    Command::new(program)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{NOT_FOUND}{e}"))
}

/// `source` laid out by a [`spawn`]ed rustfmt.
fn feed(mut child: Child, source: &str) -> Result<String, String> {
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

/// One rustfmt run over `source` (stdin to stdout).
#[cfg(test)]
fn run(program: &std::ffi::OsStr, source: &str) -> Result<String, String> {
    feed(spawn(program)?, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustfmt over `text` in pieces of `min_piece` bytes at least, `workers` at a
    /// time, each process started for its piece.
    fn laid(
        text: &str,
        cuts: &[usize],
        workers: usize,
        min_piece: usize,
    ) -> Result<String, Failure> {
        in_pieces(
            text,
            pieces(text.len(), cuts, workers, min_piece),
            workers,
            Vec::new(),
        )
    }

    #[test]
    fn a_missing_rustfmt_is_told_apart_from_a_rejection() {
        // run() takes the program explicitly; program() reads RUSTFMT, which
        // tests must not change for each other, so check run() and the message shape
        let e = run(std::ffi::OsStr::new("/nonexistent/rustfmt"), "fn a(){}").unwrap_err();
        assert!(e.starts_with(NOT_FOUND), "{e}");
        match laid("fn a() { let = ; }", &[], 1, 1) {
            Err(Failure::Rejected(why)) => assert!(!why.is_empty()),
            Err(Failure::Missing(_)) => {} // no rustfmt on this machine
            Ok(t) => panic!("rustfmt took broken Rust: {t}"),
        }
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
        // the generated client of a bundled spec, printed item by item by
        // prettyplease, and cut at every item other than `use`
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
        let whole = match laid(&text, &items, 1, usize::MAX) {
            Err(Failure::Missing(_)) => return, // no rustfmt on this machine
            other => other.expect("rustfmt lays out the client"),
        };
        let cut = laid(&text, &items, 64, 1).expect("and in pieces");
        assert_ne!(whole, text, "rustfmt changed nothing");
        assert_eq!(whole, cut);
    }

    #[test]
    fn loaded_processes_lay_out_what_fresh_ones_do_and_none_is_left_behind() {
        let text = "fn a(){let x=1;}\nstruct B{c:u8}\n";
        let fresh = match laid(text, &[0, 17], 1, 1) {
            Err(Failure::Missing(_)) => return, // no rustfmt on this machine
            other => other.expect("rustfmt lays out two items"),
        };
        let mut ready = Ready::default();
        ready.fill();
        let loaded = wait(start(text.to_string(), vec![0, 17], &mut ready));
        assert_eq!(loaded.expect("a loaded rustfmt lays it out"), fresh);
        // the text was one piece (below MIN_PIECE): any other loaded process is
        // still waiting for a text; dropping `ready` kills and reaps them all
        ready.fill();
        ready.join_starting();
        let ids: Vec<u32> = ready.started.iter().map(Child::id).collect();
        assert!(!ids.is_empty(), "fill() loads processes");
        for id in &ids {
            assert!(Path::new(&format!("/proc/{id}")).exists(), "{id} waits");
        }
        drop(ready);
        for id in ids {
            assert!(
                !Path::new(&format!("/proc/{id}")).exists(),
                "{id} left behind"
            );
        }
    }
}
