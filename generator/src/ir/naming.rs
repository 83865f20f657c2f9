//! Stable, unique, readable names: snake_case operation names (from the
//! operationId, or derived REST-style from method + path) and UpperCamelCase
//! type names.

use super::model::Method;
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::{HashMap, HashSet};

/// The identity of an operation for naming purposes.
#[derive(Debug, Clone)]
pub struct OpKey<'a> {
    /// HTTP method.
    pub method: Method,
    /// Path template (relative to the base path).
    pub path: &'a str,
    /// operationId, if any.
    pub operation_id: Option<&'a str>,
}

/// Assign unique snake_case names to operations, deterministically (document order
/// breaks ties). Returns the names and, for each duplicated operationId, the
/// indexes that share it.
pub fn operation_names(ops: &[OpKey<'_>]) -> (Vec<String>, Vec<(String, Vec<usize>)>) {
    let collections = collections(ops.iter().map(|o| o.path));
    let mut wanted: Vec<String> = ops
        .iter()
        .map(
            |op| match op.operation_id.map(clean_snake).filter(|s| !s.is_empty()) {
                Some(id) => id,
                None => derive_name(op.method, op.path, &collections),
            },
        )
        .collect();
    // Report duplicate operationIds.
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        if let Some(id) = op.operation_id {
            by_id.entry(id).or_default().push(i);
        }
    }
    let mut dups: Vec<(String, Vec<usize>)> = by_id
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    dups.sort();
    // First disambiguation: derived names that collide get a `_by_<last param>` suffix.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for w in &wanted {
        *counts.entry(w.clone()).or_default() += 1;
    }
    for (i, op) in ops.iter().enumerate() {
        if counts[&wanted[i]] > 1 && op.operation_id.is_none() {
            if let Some(last) = path_params(op.path).last() {
                wanted[i] = format!("{}_by_{}", wanted[i], clean_snake(last));
            }
        }
    }
    // Final pass: numeric suffixes in document order.
    let mut used = HashSet::new();
    let mut names = Vec::with_capacity(ops.len());
    for w in wanted {
        let mut name = w.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{w}_{n}");
            n += 1;
        }
        names.push(name);
    }
    (names, dups)
}

/// snake_case with only `[a-z0-9_]`, no leading/trailing/double underscores.
pub fn clean_snake(s: &str) -> String {
    let ascii: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let snake = ascii.to_snake_case();
    let mut out = String::new();
    for part in snake.split('_').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(part);
    }
    out
}

/// UpperCamelCase type name from arbitrary text.
pub fn type_name(s: &str) -> String {
    let ascii: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let n = ascii.to_upper_camel_case();
    if n.is_empty() {
        "Type".into()
    } else {
        n
    }
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// Crude English singular for resource nouns (`repos` -> `repo`, `policies` -> `policy`).
pub fn singular(word: &str) -> String {
    let w = word;
    if w.ends_with("ies") && w.len() > 3 {
        format!("{}y", &w[..w.len() - 3])
    } else if w.ends_with("sses")
        || w.ends_with("xes")
        || w.ends_with("ches")
        || w.ends_with("shes")
    {
        w[..w.len() - 2].to_string()
    } else if w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && w.len() > 1
    {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

fn is_plural(word: &str) -> bool {
    singular(word) != word
}

/// Path prefixes that are collections because some path continues them with a
/// parameter (`/repos/{id}/cron` when `/repos/{id}/cron/{cron}` exists).
pub fn collections<'p>(paths: impl Iterator<Item = &'p str>) -> HashSet<String> {
    let mut out = HashSet::new();
    for p in paths {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        for i in 0..segs.len().saturating_sub(1) {
            if segs[i + 1].starts_with('{') && !segs[i].starts_with('{') {
                out.insert(format!("/{}", segs[..=i].join("/")));
            }
        }
    }
    out
}

/// REST-style name: `GET /repos/{id}/pipelines` -> `list_repo_pipelines`,
/// `POST /repos/{id}/pipelines/{n}/approve` -> `approve_repo_pipeline`.
/// `collections` (see [`collections`]) marks singular nouns that name collections.
pub fn derive_name(method: Method, path: &str, collections: &HashSet<String>) -> String {
    // (literal word, followed by a parameter?)
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut words: Vec<(String, bool)> = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if s.starts_with('{') && s.ends_with('}') {
            continue;
        }
        let w = clean_snake(s);
        if w.is_empty() {
            continue;
        }
        let followed_by_param = segs.get(i + 1).is_some_and(|n| n.starts_with('{'));
        words.push((w, followed_by_param));
    }
    let ends_with_param = segs.last().is_some_and(|s| s.starts_with('{'));
    let after_param_literal =
        segs.len() >= 2 && !ends_with_param && segs[segs.len() - 2].starts_with('{');
    if words.is_empty() {
        return format!("{}_root", method.as_str().to_lowercase());
    }
    let resource = |ws: &[(String, bool)], singular_last: bool| -> String {
        ws.iter()
            .enumerate()
            .map(|(i, (w, fp))| {
                if *fp || (singular_last && i + 1 == ws.len()) {
                    singular(w)
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("_")
    };
    let last = words.last().map(|(w, _)| w.clone()).unwrap_or_default();
    let is_collection = !ends_with_param && collections.contains(&format!("/{}", segs.join("/")));
    let is_plural = |w: &str| is_plural(w) || (is_collection && w == last);
    // A trailing literal after a parameter that is not a plural noun reads as an action:
    // POST /repos/{id}/repair -> repair_repo.
    if after_param_literal && !is_plural(&last) && method != Method::Get {
        let head = &words[..words.len() - 1];
        let target = resource(head, true);
        return if method == Method::Post {
            format!("{last}_{target}")
        } else {
            format!("{}_{last}_{target}", verb(method, false))
        };
    }
    let collection = !ends_with_param;
    let plural_last = is_plural(&last);
    let v = verb(method, collection && plural_last);
    let singular_last = ends_with_param || (collection && method == Method::Post && plural_last);
    format!(
        "{v}_{}",
        resource(
            &words,
            singular_last && !(method == Method::Get && collection && plural_last)
        )
    )
}

fn verb(method: Method, list: bool) -> &'static str {
    match method {
        Method::Get if list => "list",
        Method::Get => "get",
        Method::Post if list => "create",
        Method::Post => "post",
        Method::Put => "replace",
        Method::Patch => "update",
        Method::Delete => "delete",
        Method::Head => "head",
        Method::Options => "options",
        Method::Trace => "trace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_style_names() {
        let derive_name = |m, p| derive_name(m, p, &HashSet::new());
        assert_eq!(
            derive_name(Method::Get, "/repos/{repo_id}/pipelines"),
            "list_repo_pipelines"
        );
        assert_eq!(
            derive_name(
                Method::Post,
                "/repos/{repo_id}/pipelines/{pipeline_number}/approve"
            ),
            "approve_repo_pipeline"
        );
        assert_eq!(
            derive_name(Method::Get, "/repos/{repo_id}/pipelines/{number}"),
            "get_repo_pipeline"
        );
        assert_eq!(
            derive_name(Method::Post, "/repos/{repo_id}/pipelines"),
            "create_repo_pipeline"
        );
        assert_eq!(
            derive_name(Method::Delete, "/agents/{agent_id}"),
            "delete_agent"
        );
        assert_eq!(
            derive_name(Method::Patch, "/agents/{agent_id}"),
            "update_agent"
        );
        assert_eq!(derive_name(Method::Get, "/agents"), "list_agents");
        assert_eq!(derive_name(Method::Get, "/version"), "get_version");
        assert_eq!(
            derive_name(Method::Post, "/repos/{repo_id}/repair"),
            "repair_repo"
        );
        assert_eq!(derive_name(Method::Get, "/user/repos"), "list_user_repos");
        assert_eq!(
            derive_name(Method::Get, "/badges/{repo_id}/status.svg"),
            "get_badge_status_svg"
        );
    }

    #[test]
    fn singular_collections_are_recognized_from_sibling_paths() {
        let c = collections(["/repos/{r}/cron", "/repos/{r}/cron/{cron}"].into_iter());
        assert_eq!(
            derive_name(Method::Post, "/repos/{r}/cron", &c),
            "create_repo_cron"
        );
        assert_eq!(
            derive_name(Method::Get, "/repos/{r}/cron", &c),
            "list_repo_cron"
        );
        assert_eq!(
            derive_name(Method::Get, "/repos/{r}/cron/{cron}", &c),
            "get_repo_cron"
        );
    }

    #[test]
    fn collisions_are_resolved_deterministically() {
        let ops = [
            OpKey {
                method: Method::Get,
                path: "/a/{x}",
                operation_id: None,
            },
            OpKey {
                method: Method::Get,
                path: "/as/{y}",
                operation_id: None,
            },
            OpKey {
                method: Method::Get,
                path: "/x",
                operation_id: Some("getA"),
            },
            OpKey {
                method: Method::Get,
                path: "/y",
                operation_id: Some("getA"),
            },
        ];
        let (names, dups) = operation_names(&ops);
        assert_eq!(names, ["get_a_by_x", "get_a_by_y", "get_a", "get_a_2"]);
        assert_eq!(dups, vec![("getA".to_string(), vec![2, 3])]);
    }
}
