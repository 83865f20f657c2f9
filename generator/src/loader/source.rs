//! Reading a document from a file or stdin, and parsing it as JSON or YAML
//! (decided by content, not by extension).

use crate::diagnostics::{unescape_token, Diagnostic, LoadError};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The text format a document was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML (1.2, as read by `serde_yaml`).
    Yaml,
}

/// A parsed document together with its text, so that pointers can be located.
#[derive(Debug, Clone)]
pub struct SourceDoc {
    /// Where it came from (`None` for stdin).
    pub path: Option<PathBuf>,
    /// The raw text.
    pub text: String,
    /// JSON or YAML.
    pub format: Format,
    /// The parsed tree (`Null` once the loader has bundled it: later lookups read the text).
    pub value: Value,
    /// Offsets of the children of every JSON container scanned so far, keyed by
    /// (container offset, key or index): each container is scanned once, however
    /// many pointers are located in it.
    json_index: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(usize, String), usize>>>,
    /// Byte offset where each line starts, built once on the first lookup (every
    /// line:column and every YAML lookup reads it instead of rescanning the text).
    line_starts: std::sync::Arc<std::sync::OnceLock<Vec<usize>>>,
}

impl SourceDoc {
    /// Read and parse a file, or stdin when `path` is `-`. Only regular files are
    /// read (never a FIFO, a device or a directory), and at most
    /// [`max_input_bytes`] of them.
    pub fn read(path: &Path) -> Result<Self, LoadError> {
        let limit = max_input_bytes();
        let too_big = |file: Option<PathBuf>| {
            LoadError::single(Diagnostic::file_error(
                file,
                format!(
                    "the input is larger than {limit} bytes; raise SPECFORGE_MAX_INPUT_BYTES to read it"
                ),
            ))
        };
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| {
                    LoadError::single(Diagnostic::file_error(
                        None,
                        format!("cannot read standard input: {e}"),
                    ))
                })?;
            if bytes.len() as u64 > limit {
                return Err(too_big(None));
            }
            return Self::parse(None, utf8(None, bytes)?);
        }
        let fail =
            |msg: String| LoadError::single(Diagnostic::file_error(Some(path.to_path_buf()), msg));
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read file: {e}")))?;
        if !meta.is_file() {
            return Err(fail(
                "not a regular file; specforge reads specs from regular files only".into(),
            ));
        }
        if meta.len() > limit {
            return Err(too_big(Some(path.to_path_buf())));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(|e| fail(format!("cannot read file: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(too_big(Some(path.to_path_buf())));
        }
        Self::parse(Some(path.to_path_buf()), utf8(Some(path), bytes)?)
    }

    /// Parse text; `path` is only used in messages.
    pub fn parse(path: Option<PathBuf>, text: String) -> Result<Self, LoadError> {
        let format = detect_format(&text);
        let value = match format {
            Format::Json => {
                use serde::Deserialize as _;
                let mut de = serde_json::Deserializer::from_str(&text);
                Lenient::deserialize(&mut de)
                    .and_then(|v| de.end().map(|()| v.0))
                    .map_err(|e| {
                        LoadError::single(
                            Diagnostic::file_error(
                                path.clone(),
                                format!("invalid JSON: {}", strip_pos(&e.to_string())),
                            )
                            .at(e.line(), e.column()),
                        )
                    })?
            }
            Format::Yaml => {
                use serde::Deserialize as _;
                let de = serde_yaml::Deserializer::from_str(&text);
                Lenient::deserialize(de)
                    .map_err(|e| {
                        let mut d = Diagnostic::file_error(
                            path.clone(),
                            format!("invalid YAML: {}", strip_pos(&e.to_string())),
                        );
                        if let Some(loc) = e.location() {
                            d = d.at(loc.line(), loc.column());
                        }
                        LoadError::single(d)
                    })?
                    .0
            }
        };
        let doc = Self {
            path,
            text,
            format,
            value,
            json_index: Default::default(),
            line_starts: Default::default(),
        };
        if doc.format == Format::Yaml {
            doc.refuse_overflowing_numbers()?;
        }
        Ok(doc)
    }

    /// serde_yaml reads a plain scalar like `1e400` (a number beyond f64) as the
    /// string "1e400"; JSON refuses the same number. Refuse it in YAML too, unless
    /// the text quotes it (then it is a string on purpose).
    fn refuse_overflowing_numbers(&self) -> Result<(), LoadError> {
        let mut candidates = Vec::new();
        overflowing_strings(&self.value, &mut candidates);
        let mut errors = Vec::new();
        for (pointer, text) in candidates {
            let tokens: Vec<String> = pointer
                .trim_start_matches('#')
                .split('/')
                .skip(1)
                .map(unescape_token)
                .collect();
            // written plain (not between quotes) on the node's line, or anywhere
            // when the locator cannot place the node
            let offset = locate_yaml(&self.text, self.line_starts(), &tokens);
            let line = offset
                .map(|o| {
                    let start = self.text[..o].rfind('\n').map_or(0, |i| i + 1);
                    let end = self.text[o..].find('\n').map_or(self.text.len(), |i| o + i);
                    &self.text[start..end]
                })
                .filter(|l| l.contains(text.as_str()))
                .unwrap_or(&self.text);
            let plain = line.match_indices(text.as_str()).any(|(at, m)| {
                let before = line[..at].chars().next_back();
                let after = line[at + m.len()..].chars().next();
                !matches!(before, Some('"' | '\'')) && !matches!(after, Some('"' | '\''))
            });
            if !plain {
                continue;
            }
            let mut d = Diagnostic::file_error(
                self.path.clone(),
                format!("{pointer}: the number {text} is out of range (beyond a 64-bit float); write it within range, or quote it if it is text"),
            );
            if let Some(o) = offset {
                let (line, col) = self.line_col(o);
                d = d.at(line, col);
            }
            errors.push(d);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(LoadError {
                diagnostics: errors,
            })
        }
    }

    /// 1-based line and column of the node at `pointer` (`#/a/b`), where it can be found.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        let tokens: Vec<String> = pointer
            .trim_start_matches('#')
            .split('/')
            .skip(1)
            .map(unescape_token)
            .collect();
        let offset = match self.format {
            Format::Json => match self.json_index.lock() {
                Ok(mut index) => locate_json(&self.text, &tokens, &mut index),
                Err(_) => locate_json(&self.text, &tokens, &mut Default::default()),
            },
            Format::Yaml => locate_yaml(&self.text, self.line_starts(), &tokens),
        }?;
        Some(self.line_col(offset))
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(&self.text))
    }

    /// 1-based line and column (in bytes, as serde's parse errors count) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        (line, offset - start + 1)
    }
}

/// The largest input read: 256 MiB, or `SPECFORGE_MAX_INPUT_BYTES`.
pub fn max_input_bytes() -> u64 {
    std::env::var("SPECFORGE_MAX_INPUT_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256 * 1024 * 1024)
}

/// The bytes as UTF-8 text, or an error naming the byte offset, line and column
/// where it stops being UTF-8.
fn utf8(path: Option<&Path>, bytes: Vec<u8>) -> Result<String, LoadError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        LoadError::single(
            Diagnostic::file_error(
                path.map(Path::to_path_buf),
                format!("not UTF-8 text: an invalid byte at offset {at}"),
            )
            .at(line, column),
        )
    })
}

/// JSON when the first significant character opens an object or array, YAML otherwise.
pub fn detect_format(text: &str) -> Format {
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next()
    {
        Some('{') | Some('[') => Format::Json,
        _ => Format::Yaml,
    }
}

fn strip_pos(msg: &str) -> String {
    // serde_json and serde_yaml append " at line X column Y"; we report it separately.
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// A JSON or YAML document read into JSON values, tolerantly: integers beyond 64 bits
/// become floats (see [`big_numbers`]), non-string keys become their text, tags
/// are dropped; duplicate keys are an error, as YAML says.
struct Lenient(Value);

impl<'de> serde::Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> serde::de::Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        self.visit_f64(v as f64)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("the number {v} has no JSON representation")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(LenientVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Lenient(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        use serde::de::Error as _;
        let mut out = Map::new();
        while let Some(Lenient(k)) = map.next_key()? {
            let key = match k {
                Value::String(s) => s,
                Value::Null => "null".to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(A::Error::custom("a mapping key must be a scalar"))
                }
                other => other.to_string(),
            };
            let Lenient(v) = map.next_value()?;
            if out.insert(key.clone(), v).is_some() {
                return Err(A::Error::custom(format!("duplicate key {key:?}")));
            }
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess as _;
        // a tagged value (`!tag value`): the value
        let (_, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<Lenient>().map(|l| l.0)
    }
}

/// Call `f` with the pointer and value of every scalar below `v` for which
/// `wanted` holds (the walk starts at `#`; pointers are built for those only).
fn visit_scalars(v: &Value, wanted: impl Fn(&Value) -> bool, f: &mut impl FnMut(String, &Value)) {
    crate::diagnostics::walk_places(v, &mut |place, value| {
        if !value.is_object() && !value.is_array() && wanted(value) {
            f(place.pointer(), value);
        }
    });
}

/// Strings that are numbers written beyond f64's range (what serde_yaml makes of
/// an overflowing plain scalar), with their pointers.
fn overflowing_strings(v: &Value, out: &mut Vec<(String, String)>) {
    let overflows = |value: &Value| {
        let Value::String(s) = value else {
            return false;
        };
        let numeric = s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        numeric && s.parse::<f64>().is_ok_and(f64::is_infinite)
    };
    visit_scalars(v, overflows, &mut |at, value| {
        out.push((at, value.as_str().unwrap_or_default().to_string()));
    });
}

/// Pointers of numbers that cannot be integers of 64 bits or floats without
/// losing digits: integers written beyond 2^63 that were read as floats.
pub fn big_numbers(v: &Value, out: &mut Vec<String>) {
    let big = |value: &Value| match value {
        Value::Number(n) => n
            .as_f64()
            .filter(|_| n.is_f64())
            .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9.223_372_036_854_776e18),
        _ => false,
    };
    visit_scalars(v, big, &mut |at, _| out.push(at));
}

/// Byte offsets where the lines of `text` start (the first is 0).
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len() || i == 0)
        .collect()
}

/// A minimal JSON scanner that finds the byte offset of the value at a pointer.
/// Containers are scanned whole once; `index` remembers where each child starts.
fn locate_json(
    text: &str,
    tokens: &[String],
    index: &mut std::collections::HashMap<(usize, String), usize>,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut pos = skip_ws(b, 0);
    for token in tokens {
        let container = pos;
        if let Some(p) = index.get(&(container, token.clone())) {
            pos = *p;
            continue;
        }
        if index.contains_key(&(container, String::new())) {
            return None; // scanned before: no such child
        }
        index.insert((container, String::new()), usize::MAX);
        match b.get(pos)? {
            b'{' => {
                pos = skip_ws(b, pos + 1);
                while b.get(pos)? != &b'}' {
                    let (key, after) = read_string(text, pos)?;
                    pos = skip_ws(b, after);
                    if b.get(pos)? != &b':' {
                        return None;
                    }
                    pos = skip_ws(b, pos + 1);
                    index.entry((container, key)).or_insert(pos);
                    pos = skip_ws(b, skip_value(b, pos)?);
                    if b.get(pos)? == &b',' {
                        pos = skip_ws(b, pos + 1);
                    }
                }
            }
            b'[' => {
                pos = skip_ws(b, pos + 1);
                let mut i = 0usize;
                while b.get(pos)? != &b']' {
                    index.insert((container, i.to_string()), pos);
                    pos = skip_ws(b, skip_value(b, pos)?);
                    if b.get(pos)? == &b',' {
                        pos = skip_ws(b, pos + 1);
                    }
                    i += 1;
                }
            }
            _ => return None,
        }
        pos = *index.get(&(container, token.clone()))?;
    }
    Some(pos)
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && matches!(b[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

fn read_string(text: &str, pos: usize) -> Option<(String, usize)> {
    let b = text.as_bytes();
    if b.get(pos)? != &b'"' {
        return None;
    }
    let end = skip_value(b, pos)?;
    let s: String = serde_json::from_str(&text[pos..end]).ok()?;
    Some((s, end))
}

fn skip_value(b: &[u8], pos: usize) -> Option<usize> {
    match b.get(pos)? {
        b'"' => {
            let mut i = pos + 1;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = pos;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = skip_value(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = pos;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                i += 1;
            }
            Some(i)
        }
    }
}

/// Best-effort YAML locator for block-style documents: follows mapping keys by
/// indentation and sequence items by their `- ` markers.
fn locate_yaml(text: &str, starts: &[usize], tokens: &[String]) -> Option<usize> {
    let line_at = |i: usize| -> (usize, &str) {
        let start = starts[i];
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        (start, &text[start..end])
    };
    // (line index to start at, the column of the parent key: children sit deeper)
    let mut start = 0usize;
    let mut parent_col: isize = -1;
    let mut found = 0usize;
    let mut in_item = false;
    for token in tokens {
        let want_index: Option<usize> = token.parse().ok();
        let mut level: Option<usize> = None;
        let mut seq_count = 0usize;
        let mut hit = None;
        for (i, (off, line)) in (start..starts.len()).map(|i| (i, line_at(i))) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let is_item = trimmed.starts_with("- ") || trimmed.trim_end() == "-";
            // the column where this line's mapping key (if any) starts
            let key_col = if is_item { indent + 2 } else { indent };
            let col = if want_index.is_some() && is_item {
                indent
            } else {
                key_col
            };
            if (col as isize) <= parent_col && !(i == start && is_item) {
                break;
            }
            if in_item && is_item && i > start && indent as isize + 1 == parent_col {
                break;
            }
            if *level.get_or_insert(col) != col {
                continue;
            }
            if let (Some(want), true) = (want_index, is_item) {
                if seq_count == want {
                    hit = Some((i, off + indent, indent as isize + 1, true));
                    break;
                }
                seq_count += 1;
                continue;
            }
            let body = if is_item {
                &trimmed[2.min(trimmed.len())..]
            } else {
                trimmed
            };
            if let Some((k, _)) = body.split_once(':') {
                if k.trim().trim_matches(|c| c == '"' || c == '\'') == token {
                    hit = Some((i, off + key_col, key_col as isize, false));
                    break;
                }
            }
        }
        let Some((i, at, col, item)) = hit else {
            // not found (flow style, anchors...): the deepest place found so far
            return Some(found);
        };
        found = at;
        in_item = item;
        start = if in_item { i } else { i + 1 };
        parent_col = col;
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_pointers_are_located() {
        let text = "a: 1\npaths:\n  /x:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: x\n";
        let doc = SourceDoc::parse(None, text.to_string()).unwrap();
        assert_eq!(
            doc.locate("#/paths/~1x/get/responses/200/content/application~1json/schema"),
            Some((10, 15))
        );
        assert_eq!(doc.locate("#/paths/~1x/get"), Some((4, 5)));
        let seq = "tags:\n  - name: a\n    x: 1\n  - name: b\n    x: 2\n";
        let doc = SourceDoc::parse(None, seq.to_string()).unwrap();
        assert_eq!(doc.locate("#/tags/1"), Some((4, 3)));
        assert_eq!(doc.locate("#/tags/1/x"), Some((5, 5)));
    }

    #[test]
    fn json_pointers_are_located() {
        let text = "{\n  \"a\": [1, {\"b\": true}],\n  \"c/d\": {\"e\": \"x\"}\n}";
        let doc = SourceDoc::parse(None, text.to_string()).unwrap();
        assert_eq!(doc.locate("#/a/1/b"), Some((2, 18)));
        assert_eq!(doc.locate("#/c~1d/e"), Some((3, 16)));
    }
}
