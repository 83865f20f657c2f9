//! rustfmt's work kept from one generation to the next. The manifest of a
//! generated crate (`.specforge-manifest`) records, for each file rustfmt laid
//! out, a key of what rustfmt was given (the printed text and rustfmt's version)
//! and a hash of what was written. When the next generation into the same folder
//! prints the same text for the same rustfmt, and the file on disk is still what
//! was written, the file is taken from disk and rustfmt does not run for it: an
//! unchanged spec regenerates (or `--check`s) without formatting anything, and a
//! changed one formats only the modules that changed.

use super::GeneratedFile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// 64-bit FNV-1a: stable across Rust versions and platforms (the manifest outlives
/// the binary that wrote it), and fast on megabytes of text.
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    fnv64_on(0xcbf2_9ce4_8422_2325, bytes)
}

/// [`fnv64`] of what was hashed into `h`, then `bytes`.
pub(crate) fn fnv64_on(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The key of a file rustfmt lays out: its printed text, for this rustfmt.
pub(crate) fn layout_key(printed_hash: u64, rustfmt_version: &str) -> u64 {
    let mut bytes = rustfmt_version.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend_from_slice(&printed_hash.to_le_bytes());
    fnv64(&bytes)
}

/// Which rustfmt generation runs ([`super::format::program`]): the toolchain's
/// own binary is known by its path, size and modification time (a toolchain
/// update replaces it), which costs no process; any other by what it says its
/// version is. `None` where it cannot run, so nothing is reused or recorded.
pub(crate) fn rustfmt_version() -> Option<String> {
    let program = super::format::program();
    if super::format::is_toolchain_binary() {
        let meta = std::fs::metadata(&program).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        return Some(format!(
            "{} {} bytes, modified {}",
            program.to_string_lossy(),
            meta.len(),
            modified.as_nanos()
        ));
    }
    let out = std::process::Command::new(&program)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| {
        format!(
            "{} {}",
            program.to_string_lossy(),
            String::from_utf8_lossy(&out.stdout).trim()
        )
    })
}

/// The layout records of a previous generation in `dir`.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    dir: PathBuf,
    /// path -> (layout key, hash of the written text)
    entries: HashMap<PathBuf, (u64, u64)>,
}

impl Previous {
    /// The records in `dir`'s manifest; empty where there is none.
    pub(crate) fn read(dir: &Path) -> Self {
        let entries = std::fs::read_to_string(dir.join(super::MANIFEST))
            .map(|text| {
                text.lines()
                    .filter_map(|line| {
                        let mut fields = line.split('\t');
                        let path = fields.next()?;
                        let key = u64::from_str_radix(fields.next()?, 16).ok()?;
                        let written = u64::from_str_radix(fields.next()?, 16).ok()?;
                        Some((PathBuf::from(path), (key, written)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            dir: dir.to_path_buf(),
            entries,
        }
    }

    /// Whether any file has a record (else nothing can be reused).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The text on disk for `path`, if the previous generation laid out the same
    /// printed text (`key`) and the file is still what it wrote.
    pub(crate) fn reuse(&self, path: &Path, key: u64) -> Option<String> {
        let (previous_key, written) = self.entries.get(path)?;
        if *previous_key != key {
            return None;
        }
        let text = std::fs::read_to_string(self.dir.join(path)).ok()?;
        (fnv64(text.as_bytes()) == *written).then_some(text)
    }
}

/// A manifest line: the path, and where rustfmt laid it out, its layout key and
/// the hash of the written text.
pub(crate) fn manifest_line(file: &GeneratedFile, key: Option<u64>) -> String {
    match key {
        Some(key) => format!(
            "{}\t{key:016x}\t{:016x}\n",
            file.path.display(),
            fnv64(file.contents.as_bytes())
        ),
        None => format!("{}\n", file.path.display()),
    }
}

/// The path of a manifest line (older manifests list paths alone).
pub(crate) fn manifest_path(line: &str) -> PathBuf {
    PathBuf::from(line.split('\t').next().unwrap_or(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv64_is_the_published_function() {
        // test vectors of FNV-1a 64
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_record_is_reused_only_for_the_same_key_and_an_untouched_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = GeneratedFile {
            path: "src/a.rs".into(),
            contents: "fn a() {}\n".into(),
        };
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.rs"), &file.contents).unwrap();
        std::fs::write(
            dir.path().join(super::super::MANIFEST),
            format!("Cargo.toml\n{}", manifest_line(&file, Some(7))),
        )
        .unwrap();
        let previous = Previous::read(dir.path());
        assert!(!previous.is_empty());
        assert_eq!(
            previous.reuse(Path::new("src/a.rs"), 7).as_deref(),
            Some("fn a() {}\n")
        );
        assert_eq!(
            previous.reuse(Path::new("src/a.rs"), 8),
            None,
            "other printed text"
        );
        assert_eq!(
            previous.reuse(Path::new("Cargo.toml"), 7),
            None,
            "no record"
        );
        std::fs::write(dir.path().join("src/a.rs"), "fn a() { edited }\n").unwrap();
        assert_eq!(
            previous.reuse(Path::new("src/a.rs"), 7),
            None,
            "edited since"
        );
        assert_eq!(manifest_path("src/a.rs\t1\t2"), Path::new("src/a.rs"));
        assert_eq!(manifest_path("src/a.rs"), Path::new("src/a.rs"));
    }
}
