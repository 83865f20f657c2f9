//! `$ref` resolution and bundling: every reference to another file (relative to
//! the referring file, never leaving the root spec's folder, never over the
//! network) is brought into the root document, so that later stages only ever
//! see local `#/...` references.

use super::source::SourceDoc;
use super::walk::{child_ctx, element_ctx, Ctx};
use super::SpecVersion;
use crate::diagnostics::{unescape_token, Diagnostic, Place};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Resolve a local JSON pointer (`#/a/b` or `/a/b`) inside `root`.
pub fn resolve_pointer<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    let p = pointer.strip_prefix('#').unwrap_or(pointer);
    if p.is_empty() {
        return Some(root);
    }
    let mut cur = root;
    for tok in p.strip_prefix('/')?.split('/') {
        let tok = unescape_token(&percent_decode(tok));
        cur = match cur {
            Value::Object(m) => m.get(&tok)?,
            Value::Array(a) => a.get(tok.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn percent_decode(s: &str) -> String {
    // decoded as bytes, then read as UTF-8 (invalid sequences replaced): never
    // sliced inside a character
    specforge_runtime::path::decode(s)
}

/// Where a `$ref` points.
enum Target {
    Local(String),
    File(PathBuf, String),
}

pub(crate) struct Bundler {
    version: SpecVersion,
    root_dir: Option<PathBuf>,
    root_file: Option<PathBuf>,
    files: HashMap<PathBuf, std::rc::Rc<Value>>,
    hoisted: HashMap<(PathBuf, String), String>,
    new_schemas: IndexMap<String, Value>,
    taken_names: std::collections::HashSet<String>,
    inline_stack: Vec<(PathBuf, String)>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Bundler {
    pub(crate) fn new(version: SpecVersion, root: &SourceDoc) -> Self {
        let root_file = root
            .path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok());
        let root_dir = root_file
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let taken_names = schema_container(version, &root.value)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        Self {
            version,
            root_dir,
            root_file,
            files: HashMap::new(),
            hoisted: HashMap::new(),
            new_schemas: IndexMap::new(),
            taken_names,
            inline_stack: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// The other files `$ref`s reached, in a stable order.
    pub(crate) fn files_read(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.files.keys().cloned().collect();
        files.sort();
        files
    }

    /// Bundle the root document: its value, taken out of `root`, with every
    /// reference to another file replaced (not a copy: large specs rarely refer
    /// to other files, and a copy was the loader's peak).
    pub(crate) fn bundle(&mut self, root: &mut SourceDoc) -> Value {
        let mut value = std::mem::take(&mut root.value);
        let file = self.root_file.clone();
        self.bundle_value(&mut value, Ctx::Doc, "#", file.as_deref(), None);
        if !self.new_schemas.is_empty() {
            let key = if self.version == SpecVersion::Swagger2 {
                "definitions"
            } else {
                "schemas"
            };
            let container = if self.version == SpecVersion::Swagger2 {
                value.as_object_mut().map(|o| {
                    o.entry(key)
                        .or_insert_with(|| Value::Object(Default::default()))
                })
            } else {
                value
                    .as_object_mut()
                    .map(|o| {
                        o.entry("components")
                            .or_insert_with(|| Value::Object(Default::default()))
                    })
                    .and_then(|c| c.as_object_mut())
                    .map(|c| {
                        c.entry(key)
                            .or_insert_with(|| Value::Object(Default::default()))
                    })
            };
            if let Some(Value::Object(m)) = container {
                for (k, v) in std::mem::take(&mut self.new_schemas) {
                    m.insert(k, v);
                }
            }
        }
        value
    }

    /// Bring what `value` refers to in other files into it. `value` is the root of
    /// the file being walked unless `file_root` (the file's root) is given.
    fn bundle_value(
        &mut self,
        value: &mut Value,
        ctx: Ctx,
        ptr: &str,
        file: Option<&Path>,
        file_root: Option<&Value>,
    ) {
        let mut walk = Walk {
            base: ptr,
            file,
            file_root: file_root.unwrap_or(value),
            place: Place::default(),
            edits: Vec::new(),
        };
        self.walk(value, ctx, &mut walk);
        // the places were visited on this same value, unchanged since
        for (place, replacement) in walk.edits {
            let Some(node) = value.pointer_mut(&place) else {
                debug_assert!(false, "a bundling edit leads nowhere: {place}");
                continue;
            };
            match replacement {
                Replace::Ref(new_ref) => {
                    if let Value::Object(m) = node {
                        m.insert("$ref".into(), Value::String(new_ref));
                    }
                }
                Replace::Inline(v) => *node = v,
            }
        }
    }

    /// Find the `$ref`s below `node` that need replacing (read-only: the edits are
    /// applied afterwards, by [`Bundler::bundle_value`]); a JSON pointer is only
    /// spelled out for a `$ref`.
    fn walk<'v>(&mut self, node: &'v Value, ctx: Ctx, w: &mut Walk<'_, 'v>) {
        if ctx == Ctx::Data {
            return;
        }
        match node {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    // most references are local ones in the root, only checked:
                    // their pointer is spelled out for the error alone
                    if let (Some(frag), true) = (r.strip_prefix('#'), self.is_root(w.file)) {
                        if resolve_pointer(w.file_root, frag).is_none() {
                            let ptr = w.place.pointer_from(w.base);
                            self.unresolved_local(r, frag, &ptr, w.file);
                        }
                    } else {
                        let ptr = w.place.pointer_from(w.base);
                        if let Some(replacement) =
                            self.handle_ref(r, ctx, &ptr, w.file, w.file_root)
                        {
                            let inline = matches!(replacement, Replace::Inline(_));
                            w.edits.push((w.place.pointer_from(""), replacement));
                            if inline {
                                return;
                            }
                        }
                    }
                }
                for (k, child) in map {
                    if k == "$ref" {
                        continue;
                    }
                    let cctx = child_ctx(self.version, ctx, k);
                    w.place.enter_key(k);
                    self.walk(child, cctx, w);
                    w.place.leave();
                }
            }
            Value::Array(items) => {
                let ectx = element_ctx(ctx);
                for (i, item) in items.iter().enumerate() {
                    w.place.enter_index(i);
                    self.walk(item, ectx, w);
                    w.place.leave();
                }
            }
            _ => {}
        }
    }

    fn unresolved_local(&mut self, r: &str, frag: &str, ptr: &str, file: Option<&Path>) {
        self.error(
            ptr,
            file,
            format!("$ref '{r}' does not resolve: nothing at '#{frag}' in this document"),
        );
    }

    fn is_root(&self, file: Option<&Path>) -> bool {
        file.is_none() || file == self.root_file.as_deref()
    }

    fn parse_ref(&mut self, r: &str, ptr: &str, file: Option<&Path>) -> Option<Target> {
        let (path_part, frag) = match r.split_once('#') {
            Some((p, f)) => (p, f.to_string()),
            None => (r, String::new()),
        };
        if path_part.is_empty() {
            return Some(Target::Local(frag));
        }
        if path_part.contains("://") || path_part.starts_with("//") {
            self.error(ptr, file, format!("$ref '{r}' points to the network; specforge never fetches remote references (download the file next to the spec and refer to it by relative path)"));
            return None;
        }
        let Some(base_dir) = file.and_then(Path::parent) else {
            self.error(ptr, file, format!("$ref '{r}' refers to another file, but the spec was read from standard input; pass the spec as a path"));
            return None;
        };
        let joined = base_dir.join(percent_decode(path_part));
        // decided on the path's text first, so that the answer is the same whether
        // or not something exists outside the folder
        if let (Some(root_dir), Ok(base)) = (&self.root_dir, std::fs::canonicalize(base_dir)) {
            let mut lexical = base;
            for c in Path::new(&percent_decode(path_part)).components() {
                match c {
                    std::path::Component::ParentDir => {
                        lexical.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => lexical.push(other),
                }
            }
            if !lexical.starts_with(root_dir) {
                self.error(ptr, file, format!("$ref '{r}' leaves the folder of the root spec ('{}'); references must stay inside it", root_dir.display()));
                return None;
            }
        }
        let canonical = match std::fs::canonicalize(&joined) {
            Ok(c) => c,
            Err(e) => {
                self.error(
                    ptr,
                    file,
                    format!("$ref '{r}': cannot open '{}': {e}", joined.display()),
                );
                return None;
            }
        };
        if let Some(root_dir) = &self.root_dir {
            if !canonical.starts_with(root_dir) {
                self.error(ptr, file, format!("$ref '{r}' leaves the folder of the root spec ('{}'); references must stay inside it", root_dir.display()));
                return None;
            }
        }
        if Some(&canonical) == self.root_file.as_ref() {
            return Some(Target::Local(frag));
        }
        Some(Target::File(canonical, frag))
    }

    fn handle_ref(
        &mut self,
        r: &str,
        ctx: Ctx,
        ptr: &str,
        file: Option<&Path>,
        file_root: &Value,
    ) -> Option<Replace> {
        let target = self.parse_ref(r, ptr, file)?;
        let (tfile, frag) = match target {
            Target::Local(frag) if self.is_root(file) => {
                if resolve_pointer(file_root, &frag).is_none() {
                    self.unresolved_local(r, &frag, ptr, file);
                }
                return None;
            }
            Target::Local(frag) => (file.map(Path::to_path_buf)?, frag),
            Target::File(f, frag) => (f, frag),
        };
        if !self.files.contains_key(&tfile) {
            match SourceDoc::read(&tfile) {
                Ok(doc) => {
                    self.files
                        .insert(tfile.clone(), std::rc::Rc::new(doc.value));
                }
                Err(e) => {
                    let pointer = ptr.to_string();
                    for d in e.diagnostics {
                        self.diagnostics.push(Diagnostic {
                            pointer: Some(d.pointer.unwrap_or_else(|| pointer.clone())),
                            ..d
                        });
                    }
                    return None;
                }
            }
        }
        let troot = std::rc::Rc::clone(&self.files[&tfile]);
        let Some(target_value) = resolve_pointer(&troot, &frag).cloned() else {
            self.error(
                ptr,
                file,
                format!(
                    "$ref '{r}' does not resolve: nothing at '#{frag}' in '{}'",
                    tfile.display()
                ),
            );
            return None;
        };
        let key = (tfile.clone(), frag.clone());
        if ctx == Ctx::Schema {
            if let Some(name) = self.hoisted.get(&key) {
                return Some(Replace::Ref(self.local_schema_ref(name)));
            }
            let base = frag
                .rsplit('/')
                .find(|s| !s.is_empty())
                .map(unescape_token)
                .unwrap_or_else(|| {
                    tfile
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "Schema".into())
                });
            let name = self.unique_name(&base);
            self.hoisted.insert(key, name.clone());
            let mut v = target_value;
            let tptr = format!("{}#{}", tfile.display(), frag);
            self.bundle_value(
                &mut v,
                Ctx::Schema,
                &tptr,
                Some(&tfile),
                Some(troot.as_ref()),
            );
            self.new_schemas.insert(name.clone(), v);
            return Some(Replace::Ref(self.local_schema_ref(&name)));
        }
        if self.inline_stack.contains(&key) {
            self.error(ptr, file, format!("$ref '{r}' is part of a reference cycle outside schemas, which cannot be inlined"));
            return None;
        }
        self.inline_stack.push(key);
        let mut v = target_value;
        let tptr = format!("{}#{}", tfile.display(), frag);
        self.bundle_value(&mut v, ctx, &tptr, Some(&tfile), Some(troot.as_ref()));
        self.inline_stack.pop();
        Some(Replace::Inline(v))
    }

    fn unique_name(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.taken_names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken_names.insert(name.clone());
        name
    }

    fn local_schema_ref(&self, name: &str) -> String {
        let esc = crate::diagnostics::escape_token(name);
        if self.version == SpecVersion::Swagger2 {
            format!("#/definitions/{esc}")
        } else {
            format!("#/components/schemas/{esc}")
        }
    }

    fn error(&mut self, ptr: &str, file: Option<&Path>, message: String) {
        let mut d = Diagnostic::error(ptr.to_string(), message);
        if !self.is_root(file) {
            d.file = file.map(Path::to_path_buf);
        }
        self.diagnostics.push(d);
    }
}

enum Replace {
    Ref(String),
    Inline(Value),
}

/// One walk of [`Bundler::walk`]: what stays the same, where it is, what it found.
struct Walk<'a, 'v> {
    /// The pointer (or `file#pointer`) of the walked value.
    base: &'a str,
    /// The file it is in (`None`: the root).
    file: Option<&'a Path>,
    /// That file's whole document, for its local references.
    file_root: &'a Value,
    /// From the walked value down to the node being visited.
    place: Place<'v>,
    /// Where (a pointer into the walked value) to put what, once the walk is over.
    edits: Vec<(String, Replace)>,
}

fn schema_container(version: SpecVersion, doc: &Value) -> Option<&serde_json::Map<String, Value>> {
    if version == SpecVersion::Swagger2 {
        doc.get("definitions")?.as_object()
    } else {
        doc.get("components")?.get("schemas")?.as_object()
    }
}
