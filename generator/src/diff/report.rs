//! `specforge diff` output: text, markdown, JSON, JUnit XML, GitHub annotations.

use super::{Diff, Level};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For a terminal.
    Text,
    /// For a pull-request comment.
    Markdown,
    /// One JSON document.
    Json,
    /// JUnit XML (one test case per change; breaking ones fail).
    Junit,
    /// GitHub Actions `::error` / `::warning` lines.
    Github,
}

fn counts(d: &Diff) -> (usize, usize, usize) {
    let n = |l: Level| d.changes.iter().filter(|c| c.level() == l).count();
    (n(Level::Breaking), n(Level::Warning), n(Level::Info))
}

fn summary(d: &Diff) -> String {
    let (b, w, i) = counts(d);
    format!(
        "{b} breaking, {w} warnings, {i} other changes; the generated crate needs a {} version bump ({} public items added, {} removed, {} changed)",
        d.crate_api.bump.as_str(),
        d.crate_api.added.len(),
        d.crate_api.removed.len(),
        d.crate_api.changed.len()
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Render `d` for people or machines; `spec` names the new document (annotations).
pub fn render(d: &Diff, format: Format, spec: &str) -> String {
    let mut out = String::new();
    match format {
        Format::Text => {
            for c in &d.changes {
                out.push_str(&format!(
                    "{:<8} {:<40} client {:<8} server {:<8} {}\n",
                    c.level().as_str(),
                    c.id,
                    c.client.as_str(),
                    c.server.as_str(),
                    match &c.operation {
                        Some(op) => format!("{op}: {}", c.message),
                        None => c.message.clone(),
                    }
                ));
            }
            if !d.crate_api.removed.is_empty() || !d.crate_api.changed.is_empty() {
                out.push_str("\ngenerated crate, removed or changed:\n");
                for r in &d.crate_api.removed {
                    out.push_str(&format!("  - {r}\n"));
                }
                for (a, b) in &d.crate_api.changed {
                    out.push_str(&format!("  ~ {a}\n    → {b}\n"));
                }
            }
            out.push_str(&format!("\n{}\n", summary(d)));
        }
        Format::Markdown => {
            out.push_str("## API changes\n\n");
            out.push_str(&format!("{}\n\n", summary(d)));
            out.push_str(
                "| level | change | client | server | where | what |\n|---|---|---|---|---|---|\n",
            );
            for c in &d.changes {
                out.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} | {} |\n",
                    c.level().as_str(),
                    c.id,
                    c.client.as_str(),
                    c.server.as_str(),
                    c.operation.as_deref().unwrap_or("-"),
                    c.message.replace('|', "\\|")
                ));
            }
            if !d.crate_api.removed.is_empty()
                || !d.crate_api.changed.is_empty()
                || !d.crate_api.added.is_empty()
            {
                out.push_str(&format!(
                    "\n<details><summary>Generated crate: {} bump</summary>\n\n",
                    d.crate_api.bump.as_str()
                ));
                for r in &d.crate_api.removed {
                    out.push_str(&format!("- removed `{r}`\n"));
                }
                for (a, b) in &d.crate_api.changed {
                    out.push_str(&format!("- changed `{a}` → `{b}`\n"));
                }
                for a in &d.crate_api.added {
                    out.push_str(&format!("- added `{a}`\n"));
                }
                out.push_str("\n</details>\n");
            }
        }
        Format::Json => {
            let (b, w, i) = counts(d);
            let doc = serde_json::json!({
                "summary": {"breaking": b, "warnings": w, "other": i, "crate_bump": d.crate_api.bump},
                "changes": d.changes,
                "crate_api": d.crate_api,
            });
            out = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        }
        Format::Junit => {
            let (b, _, _) = counts(d);
            out.push_str(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"specforge diff\" tests=\"{}\" failures=\"{b}\">\n",
                d.changes.len()
            ));
            for c in &d.changes {
                let name = format!("{} {}", c.id, c.operation.as_deref().unwrap_or(""));
                out.push_str(&format!(
                    "    <testcase classname=\"specforge.diff\" name=\"{}\"",
                    xml(name.trim())
                ));
                if c.level() == Level::Breaking {
                    out.push_str(&format!(
                        ">\n      <failure message=\"{}\">client: {}, server: {}</failure>\n    </testcase>\n",
                        xml(&c.message),
                        c.client.as_str(),
                        c.server.as_str()
                    ));
                } else {
                    out.push_str("/>\n");
                }
            }
            out.push_str("  </testsuite>\n</testsuites>\n");
        }
        Format::Github => {
            let data = |s: &str| {
                s.replace('%', "%25")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A")
            };
            let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
            for c in &d.changes {
                let command = match c.level() {
                    Level::Breaking => "error",
                    Level::Warning => "warning",
                    Level::Info => continue,
                };
                let msg = match &c.operation {
                    Some(op) => format!(
                        "{op}: {} (client: {}, server: {})",
                        c.message,
                        c.client.as_str(),
                        c.server.as_str()
                    ),
                    None => c.message.clone(),
                };
                out.push_str(&format!(
                    "::{command} file={},title={}::{}\n",
                    prop(spec),
                    prop(&format!("specforge diff: {}", c.id)),
                    data(&msg)
                ));
            }
            out.push_str(&format!("{}\n", summary(d)));
        }
    }
    out
}
