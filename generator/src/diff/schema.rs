//! Schema changes, one per property and rule, judged by the direction the data
//! travels: what narrows a request breaks clients; what widens a response breaks
//! clients; the reverse breaks servers.

use super::{Differ, Level};
use serde_json::Value;
use std::collections::BTreeSet;

use Level::{Breaking, Info, Warning};

/// Which way the data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dir {
    /// Client → server (parameters, request bodies).
    Request,
    /// Server → client.
    Response,
}

impl Dir {
    /// (client, server) levels of a change that narrows what may be sent this way.
    fn narrowed(self) -> (Level, Level) {
        match self {
            Dir::Request => (Breaking, Info),
            Dir::Response => (Info, Breaking),
        }
    }

    /// (client, server) levels of a change that widens what may be sent this way.
    fn widened(self) -> (Level, Level) {
        match self {
            Dir::Request => (Info, Breaking),
            Dir::Response => (Breaking, Info),
        }
    }
}

struct Walk<'d, 'a> {
    d: &'d mut Differ<'a>,
    dir: Dir,
    prefix: &'d str,
    what: &'d str,
    key: &'d str,
    at: (Option<String>, Option<String>),
    seen: BTreeSet<(String, String)>,
}

/// Compare two JSON Schemas (refs into each API's `schema_defs`).
pub(super) fn compare(
    d: &mut Differ<'_>,
    dir: Dir,
    prefix: &str,
    what: &str,
    (old, new): (&Value, &Value),
    key: &str,
    at: (Option<String>, Option<String>),
) {
    let mut w = Walk {
        d,
        dir,
        prefix,
        what,
        key,
        at,
        seen: BTreeSet::new(),
    };
    w.walk("", old, new, 0);
}

fn types(s: &Value) -> BTreeSet<String> {
    match s.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn number(s: &Value, k: &str) -> Option<f64> {
    s.get(k).and_then(Value::as_f64)
}

impl Walk<'_, '_> {
    fn emit(&mut self, kind: &str, (client, server): (Level, Level), path: &str, message: String) {
        let place = if path.is_empty() {
            self.what.to_string()
        } else {
            format!("{} (at {path})", self.what)
        };
        let id = format!("{}-{kind}", self.prefix);
        let (old, new) = self.at.clone();
        let key = self.key.to_string();
        self.d.push(
            &id,
            client,
            server,
            format!("{place}: {message}"),
            Some(&key),
            old,
            new,
        );
    }

    fn walk(&mut self, path: &str, old: &Value, new: &Value, depth: usize) {
        if depth > 24 {
            return;
        }
        // through the refs, once per pair of definitions (recursive schemas end)
        let ref_pair = (
            old.get("$ref")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            new.get("$ref")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        );
        if (!ref_pair.0.is_empty() || !ref_pair.1.is_empty()) && !self.seen.insert(ref_pair) {
            return;
        }
        let a = crate::ir::deref(old, &self.d.old.schema_defs);
        let b = crate::ir::deref(new, &self.d.new.schema_defs);
        let dir = self.dir;
        // type and nullability
        let (ta, tb) = (types(a), types(b));
        let strip = |t: &BTreeSet<String>| -> BTreeSet<String> {
            t.iter().filter(|x| *x != "null").cloned().collect()
        };
        let (sa, sb) = (strip(&ta), strip(&tb));
        // integer → number widens; the rest is a change of type
        if !sa.is_empty() && !sb.is_empty() && sa != sb {
            let widening = sa
                .iter()
                .all(|t| sb.contains(t) || (t == "integer" && sb.contains("number")));
            if widening {
                self.emit(
                    "type-widened",
                    dir.widened(),
                    path,
                    format!("type {sa:?} → {sb:?}"),
                );
            } else {
                self.emit(
                    "type-changed",
                    (Breaking, Breaking),
                    path,
                    format!("type {sa:?} → {sb:?}"),
                );
            }
            return;
        }
        if !ta.contains("null") && tb.contains("null") {
            self.emit("became-nullable", dir.widened(), path, "may be null".into());
        }
        if ta.contains("null") && !tb.contains("null") {
            self.emit(
                "nullable-removed",
                dir.narrowed(),
                path,
                "may no longer be null".into(),
            );
        }
        if a.get("format") != b.get("format")
            && a.get("format").is_some()
            && b.get("format").is_some()
        {
            self.emit(
                "format-changed",
                (Breaking, Breaking),
                path,
                format!("format {} → {}", a["format"], b["format"]),
            );
        }
        if a.get("pattern") != b.get("pattern") {
            self.emit(
                "pattern-changed",
                (Warning, Warning),
                path,
                format!("pattern {:?} → {:?}", a.get("pattern"), b.get("pattern")),
            );
        }
        // enums
        if let (Some(ea), Some(eb)) = (
            a.get("enum").and_then(Value::as_array),
            b.get("enum").and_then(Value::as_array),
        ) {
            for v in eb.iter().filter(|v| !ea.contains(v)) {
                self.emit(
                    "enum-value-added",
                    dir.widened(),
                    path,
                    format!("new value {v}"),
                );
            }
            for v in ea.iter().filter(|v| !eb.contains(v)) {
                self.emit(
                    "enum-value-removed",
                    dir.narrowed(),
                    path,
                    format!("value {v} removed"),
                );
            }
        } else if a.get("enum").is_some() && b.get("enum").is_none() {
            self.emit(
                "enum-removed",
                dir.widened(),
                path,
                "any value now, not only the enum".into(),
            );
        } else if a.get("enum").is_none() && b.get("enum").is_some() {
            self.emit(
                "enum-added",
                dir.narrowed(),
                path,
                "only the enum's values now".into(),
            );
        }
        // bounds: a larger minimum or a smaller maximum narrows
        for (k, upper) in [
            ("maximum", true),
            ("exclusiveMaximum", true),
            ("maxLength", true),
            ("maxItems", true),
            ("maxProperties", true),
            ("minimum", false),
            ("exclusiveMinimum", false),
            ("minLength", false),
            ("minItems", false),
            ("minProperties", false),
        ] {
            let (x, y) = (number(a, k), number(b, k));
            let narrowed = match (x, y) {
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                (Some(x), Some(y)) if x != y => Some(if upper { y < x } else { y > x }),
                _ => None,
            };
            match narrowed {
                Some(true) => self.emit(
                    "range-narrowed",
                    dir.narrowed(),
                    path,
                    format!("{k} {x:?} → {y:?}"),
                ),
                Some(false) => self.emit(
                    "range-widened",
                    dir.widened(),
                    path,
                    format!("{k} {x:?} → {y:?}"),
                ),
                None => {}
            }
        }
        if a.get("readOnly") != b.get("readOnly") && dir == Dir::Request {
            self.emit(
                "read-only-changed",
                (Warning, Warning),
                path,
                format!("readOnly {:?} → {:?}", a.get("readOnly"), b.get("readOnly")),
            );
        }
        // compositions: compared as a whole
        for k in ["oneOf", "anyOf", "allOf", "not"] {
            if a.get(k).map(|v| v.to_string()) != b.get(k).map(|v| v.to_string())
                && (a.get(k).is_some() || b.get(k).is_some())
            {
                self.emit(
                    "composition-changed",
                    (Warning, Warning),
                    path,
                    format!("its {k} changed"),
                );
            }
        }
        // properties
        let props = |s: &Value| -> Vec<(String, Value)> {
            s.get("properties")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let required = |s: &Value| -> BTreeSet<String> {
            crate::ir::required_of(s)
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        let (pa, pb) = (props(a), props(b));
        let (ra, rb) = (required(a), required(b));
        let join = |p: &str| {
            if path.is_empty() {
                p.to_string()
            } else {
                format!("{path}/{p}")
            }
        };
        for (name, sa) in &pa {
            let here = join(name);
            match pb.iter().find(|(n, _)| n == name) {
                None => {
                    let levels = match dir {
                        Dir::Request => (Warning, Info),
                        Dir::Response => (if ra.contains(name) { Breaking } else { Warning }, Info),
                    };
                    self.emit("property-removed", levels, &here, "removed".into());
                }
                Some((_, sb)) => {
                    if !ra.contains(name) && rb.contains(name) {
                        self.emit(
                            "property-became-required",
                            dir.narrowed(),
                            &here,
                            "became required".into(),
                        );
                    }
                    if ra.contains(name) && !rb.contains(name) {
                        self.emit(
                            "property-became-optional",
                            dir.widened(),
                            &here,
                            "became optional".into(),
                        );
                    }
                    let (sa, sb) = (sa.clone(), sb.clone());
                    self.walk(&here, &sa, &sb, depth + 1);
                }
            }
        }
        for (name, _) in &pb {
            if pa.iter().any(|(n, _)| n == name) {
                continue;
            }
            let here = join(name);
            if rb.contains(name) {
                let levels = match dir {
                    Dir::Request => (Breaking, Info),
                    Dir::Response => (Info, Breaking),
                };
                self.emit(
                    "required-property-added",
                    levels,
                    &here,
                    "added, required".into(),
                );
            } else {
                let levels = match dir {
                    Dir::Request => (Info, Warning),
                    Dir::Response => (Info, Info),
                };
                self.emit("optional-property-added", levels, &here, "added".into());
            }
        }
        // additional properties closed or opened
        let closed = |s: &Value| s.get("additionalProperties") == Some(&Value::Bool(false));
        if !closed(a) && closed(b) {
            self.emit(
                "additional-properties-closed",
                dir.narrowed(),
                path,
                "no other properties allowed now".into(),
            );
        }
        if closed(a) && !closed(b) {
            self.emit(
                "additional-properties-opened",
                dir.widened(),
                path,
                "other properties allowed now".into(),
            );
        }
        // array items
        if let (Some(ia), Some(ib)) = (a.get("items"), b.get("items")) {
            let (ia, ib) = (ia.clone(), ib.clone());
            self.walk(&join("[]"), &ia, &ib, depth + 1);
        }
    }
}
