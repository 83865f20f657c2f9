//! Warnings and errors that name where a problem is: file, line/column, JSON pointer.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document was accepted, with an assumption or a repair.
    Warning,
    /// The document cannot be given a meaning.
    Error,
}

/// One message about a place in a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// The file the problem is in, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// JSON pointer (`#/paths/~1pets/get`) of the offending node, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// A warning at a JSON pointer.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, Some(pointer.into()), message)
    }

    /// An error at a JSON pointer.
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, Some(pointer.into()), message)
    }

    /// A warning about a whole file (one specforge wrote, or one it read).
    pub fn file_warning(file: Option<PathBuf>, message: impl Into<String>) -> Self {
        let mut d = Self::new(Severity::Warning, None, message);
        d.file = file;
        d
    }

    /// An error that is about a whole file (I/O, syntax).
    pub fn file_error(file: Option<PathBuf>, message: impl Into<String>) -> Self {
        let mut d = Self::new(Severity::Error, None, message);
        d.file = file;
        d
    }

    fn new(severity: Severity, pointer: Option<String>, message: impl Into<String>) -> Self {
        Self {
            severity,
            file: None,
            line: None,
            column: None,
            pointer,
            message: message.into(),
        }
    }

    /// Attach a file.
    pub fn in_file(mut self, file: Option<PathBuf>) -> Self {
        if self.file.is_none() {
            self.file = file;
        }
        self
    }

    /// Attach a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: ")?;
        let mut wrote_place = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let (Some(l), Some(c)) = (self.line, self.column) {
                write!(f, ":{l}:{c}")?;
            }
            wrote_place = true;
        } else if let (Some(l), Some(c)) = (self.line, self.column) {
            // text without a file (stdin, a string): still say where
            write!(f, "line {l}:{c}")?;
            wrote_place = true;
        }
        if let Some(p) = &self.pointer {
            if wrote_place {
                write!(f, " ")?;
            }
            write!(f, "{p}")?;
            wrote_place = true;
        }
        if wrote_place {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Loading failed; at least one diagnostic is an error.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.diagnostics))]
pub struct LoadError {
    /// Everything that was found, errors and warnings, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// A failure with a single diagnostic.
    pub fn single(d: Diagnostic) -> Self {
        Self {
            diagnostics: vec![d],
        }
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

fn render(ds: &[Diagnostic]) -> String {
    ds.iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `n` and `noun` for a message, in the plural unless `n` is one ("1 type",
/// "2 types"); `noun` takes an `s` for its plural.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Escape one JSON pointer reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_escaped(&mut out, token);
    out
}

/// Append `token`, escaped, to `out` (pointers are built for every node some walks
/// visit: no allocation for a token with nothing to escape).
fn push_escaped(out: &mut String, token: &str) {
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Append `/` and `token`, escaped, to the pointer `pointer`: a walk keeps one
/// pointer and truncates it back after each child.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    push_escaped(pointer, token);
}

/// Unescape one JSON pointer reference token (RFC 6901).
pub fn unescape_token(token: &str) -> String {
    if !token.contains('~') {
        return token.to_string();
    }
    token.replace("~1", "/").replace("~0", "~")
}

/// Append a token to a `#/...` pointer.
pub fn push_pointer(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + 1 + token.len());
    out.push_str(base);
    push_token(&mut out, token);
    out
}

/// One step of a JSON pointer being walked.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The place a walk over a JSON value has reached, kept as steps: the pointer's
/// text is built only when asked for ([`Place::pointer`]), so a walk that reports
/// few nodes does not format a string for every node.
#[derive(Debug, Default)]
pub(crate) struct Place<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> Place<'a> {
    /// `#/a/b~1c/0` for this place.
    pub(crate) fn pointer(&self) -> String {
        self.pointer_from("#")
    }

    /// `base` followed by this place's tokens (`""` gives what
    /// `serde_json::Value::pointer` takes).
    pub(crate) fn pointer_from(&self, base: &str) -> String {
        let mut out = String::from(base);
        for step in &self.steps {
            match step {
                Step::Key(k) => push_token(&mut out, k),
                Step::Index(i) => push_token(&mut out, &i.to_string()),
            }
        }
        out
    }

    /// One step down, into member `key`.
    pub(crate) fn enter_key(&mut self, key: &'a str) {
        self.steps.push(Step::Key(key));
    }

    /// One step down, into element `index`.
    pub(crate) fn enter_index(&mut self, index: usize) {
        self.steps.push(Step::Index(index));
    }

    /// Back up the last step.
    pub(crate) fn leave(&mut self) {
        self.steps.pop();
    }
}

/// Visit every node below `v` (itself first, then its children in order) with
/// the place it is at.
pub(crate) fn walk_places<'v>(
    v: &'v serde_json::Value,
    f: &mut impl FnMut(&Place<'v>, &'v serde_json::Value),
) {
    fn go<'v>(
        v: &'v serde_json::Value,
        place: &mut Place<'v>,
        f: &mut impl FnMut(&Place<'v>, &'v serde_json::Value),
    ) {
        f(place, v);
        match v {
            serde_json::Value::Object(m) => {
                for (k, c) in m {
                    place.enter_key(k);
                    go(c, place, f);
                    place.leave();
                }
            }
            serde_json::Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    place.enter_index(i);
                    go(c, place, f);
                    place.leave();
                }
            }
            _ => {}
        }
    }
    go(v, &mut Place::default(), f);
}

#[cfg(test)]
mod counted_tests {
    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(super::counted(0, "type"), "0 types");
        assert_eq!(super::counted(1, "approximation"), "1 approximation");
        assert_eq!(super::counted(118, "operation"), "118 operations");
    }
}
