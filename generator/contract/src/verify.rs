//! `specforge verify`: send a valid request to each selected operation of a live
//! server and check each response against the spec.

use crate::contract::ResponseJudge;
use crate::requests::Sampler;
use serde_json::Value;
use specforge::ir::naming::singular;
use specforge::ir::{Api, Operation};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Base URL of the server (scheme, host, port; the spec's base path is added).
    pub url: String,
    /// Only operations whose name matches one of these globs (`*`, `?`); empty: all.
    pub operations: Vec<String>,
    /// Leave out operations whose name matches one of these globs.
    pub exclude: Vec<String>,
    /// Statuses that mean "not here" (such as 501 from a partial server): an
    /// operation answered with one is skipped, not failed.
    pub skip_status: Vec<u16>,
    /// Seed for generated values.
    pub seed: u64,
    /// Extra headers (they replace generated ones of the same name).
    pub headers: Vec<(String, String)>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Follow redirects (same origin only); off, an undocumented 3xx is a failure.
    pub follow_redirects: bool,
    /// The whole run's time budget: operations not started by then are skipped.
    pub deadline: Option<Duration>,
    /// Print one line per operation to standard error as it finishes.
    pub progress: bool,
}

/// The verdict on one operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The response conforms.
    Passed,
    /// Reasons the exchange broke the spec (or failed).
    Failed(Vec<String>),
    /// Not run, with the reason.
    Skipped(String),
}

/// One operation's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Operation name.
    pub operation: String,
    /// Method.
    pub method: String,
    /// Path and query sent.
    pub path: String,
    /// Status received.
    pub status: Option<u16>,
    /// Verdict.
    pub outcome: Outcome,
    /// Time taken.
    pub duration: Duration,
}

/// Does `name` match the glob `pattern` (`*` any run, `?` one character)?
pub fn glob(pattern: &str, name: &str) -> bool {
    fn rec(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => rec(&p[1..], n) || (!n.is_empty() && rec(p, &n[1..])),
            (Some('?'), Some(_)) => rec(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => rec(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    rec(&p, &n)
}

/// Values seen in earlier responses, for path parameters of later requests.
#[derive(Default)]
struct Harvest {
    values: HashMap<String, Value>,
}

impl Harvest {
    fn record(&mut self, op: &Operation, body: &Value) {
        let resource = op
            .template
            .segments
            .iter()
            .rev()
            .find_map(|s| s.literal())
            .map(|l| singular(&specforge::ir::naming::clean_snake(l)));
        let object = match body {
            Value::Array(items) => items.first(),
            other => Some(other),
        };
        let Some(Value::Object(m)) = object else {
            return;
        };
        for (k, v) in m {
            if v.is_string() || v.is_number() {
                self.values.entry(k.clone()).or_insert_with(|| v.clone());
                // an item's fields also name it where a path says `{thing}_id`,
                // `thingName`, `{thing}_number`…
                if let Some(r) = &resource {
                    let mut camel = k.clone();
                    if let Some(first) = camel.get_mut(0..1) {
                        first.make_ascii_uppercase();
                    }
                    for name in [
                        format!("{r}_{k}"),
                        format!("{r}{camel}"),
                        format!("{r}{}", k.to_ascii_uppercase()),
                    ] {
                        self.values.entry(name).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }

    fn overrides(&self, op: &Operation) -> Vec<(String, Value)> {
        op.parameters
            .iter()
            .filter(|p| p.location == specforge::ir::ParamLocation::Path)
            .filter_map(|p| {
                self.values
                    .get(&p.name)
                    .map(|v| (p.name.clone(), v.clone()))
            })
            .collect()
    }
}

/// What went wrong on the way, in words that name the cause.
/// Run the verification.
pub fn verify(api: &Api, options: &VerifyOptions) -> Vec<CaseResult> {
    let redirects = if options.follow_redirects {
        reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().map(|u| u.origin());
            if attempt.previous().len() > 10 {
                attempt.error("more than 10 redirects")
            } else if first.is_some_and(|o| o != attempt.url().origin()) {
                attempt.error("a redirect to another origin")
            } else {
                attempt.follow()
            }
        })
    } else {
        reqwest::redirect::Policy::none()
    };
    let client = match reqwest::blocking::Client::builder()
        .timeout(options.timeout)
        .redirect(redirects)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return vec![CaseResult {
                operation: "(client)".into(),
                method: String::new(),
                path: String::new(),
                status: None,
                outcome: Outcome::Failed(vec![format!("cannot build an HTTP client: {e}")]),
                duration: Duration::ZERO,
            }]
        }
    };
    let judge = ResponseJudge::new(api);
    let sampler = Sampler::new(api);
    let mut harvest = Harvest::default();
    // operations without path parameters first, so that their responses can feed the others
    let mut order: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|o| {
            (options.operations.is_empty() || options.operations.iter().any(|g| glob(g, &o.name)))
                && !options.exclude.iter().any(|g| glob(g, &o.name))
        })
        .collect();
    // and among equals, what removes a resource after what reads or changes it
    order.sort_by_key(|o| {
        (
            o.template.param_names().len(),
            o.method == specforge::ir::Method::Delete,
        )
    });
    let base = options.url.trim_end_matches('/');
    let mut results = Vec::new();
    let run_started = Instant::now();
    let total = order.len();
    for (n, op) in order.into_iter().enumerate() {
        let started = Instant::now();
        if options.deadline.is_some_and(|d| run_started.elapsed() >= d) {
            results.push(CaseResult {
                operation: op.name.clone(),
                method: op.method.as_str().to_string(),
                path: op.path.clone(),
                status: None,
                outcome: Outcome::Skipped("the run's time budget was spent".into()),
                duration: Duration::ZERO,
            });
            continue;
        }
        let req = sampler.request(op, options.seed, &harvest.overrides(op));
        let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let mut builder = client.request(method, format!("{base}{}", req.path_and_query));
        let mut headers: Vec<(String, String)> = req.headers.clone();
        for (k, v) in &options.headers {
            headers.retain(|(hk, _)| !hk.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        for (k, v) in &headers {
            builder = builder.header(k, v);
        }
        if let Some(b) = req.body.clone() {
            builder = builder.body(b);
        }
        let (status, outcome) = match builder.send() {
            Err(e) => (
                None,
                Outcome::Failed(vec![crate::transport::explain(&e, options.timeout).1]),
            ),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let resp_headers: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                match resp.bytes() {
                    Err(e) => (
                        Some(status),
                        Outcome::Failed(vec![format!("cannot read the body: {e}")]),
                    ),
                    Ok(body) => {
                        if options.skip_status.contains(&status) {
                            results.push(CaseResult {
                                operation: op.name.clone(),
                                method: op.method.as_str().to_string(),
                                path: req.path_and_query.clone(),
                                status: Some(status),
                                outcome: Outcome::Skipped(format!(
                                    "the server answered {status}, which --skip-status lists"
                                )),
                                duration: started.elapsed(),
                            });
                            continue;
                        }
                        let violations = judge.check(op, status, &resp_headers, &body);
                        if (200..300).contains(&status) {
                            if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                                harvest.record(op, &v);
                            }
                        }
                        if violations.is_empty() {
                            (Some(status), Outcome::Passed)
                        } else {
                            (
                                Some(status),
                                Outcome::Failed(
                                    violations
                                        .iter()
                                        .map(|v| format!("{}: {}", v.location, v.message))
                                        .collect(),
                                ),
                            )
                        }
                    }
                }
            }
        };
        results.push(CaseResult {
            operation: op.name.clone(),
            method: op.method.as_str().to_string(),
            path: req.path_and_query,
            status,
            outcome,
            duration: started.elapsed(),
        });
        if options.progress {
            if let Some(r) = results.last() {
                let verdict = match &r.outcome {
                    Outcome::Passed => "ok".to_string(),
                    Outcome::Failed(why) => format!("FAILED: {}", why.join("; ")),
                    Outcome::Skipped(why) => format!("skipped: {why}"),
                };
                eprintln!(
                    "[{}/{total}] {} {} -> {} {verdict} ({} ms)",
                    n + 1,
                    r.method,
                    r.path,
                    r.status.map_or("-".to_string(), |s| s.to_string()),
                    r.duration.as_millis()
                );
            }
        }
    }
    results
}

/// The results as a table, failures spelled out, and a closing `N passed, N failed` line.
pub fn table(results: &[CaseResult]) -> String {
    use std::fmt::Write as _;
    let w_op = results
        .iter()
        .map(|r| r.operation.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let w_path = results
        .iter()
        .map(|r| r.path.len().min(60))
        .max()
        .unwrap_or(4)
        .max(4);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<w_op$}  {:<7}  {:<w_path$}  {:>6}  result",
        "operation", "method", "path", "status"
    );
    for r in results {
        let path: String = r.path.chars().take(60).collect();
        let status = r
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        let result = match &r.outcome {
            Outcome::Passed => "ok".to_string(),
            Outcome::Failed(v) => format!(
                "FAILED ({} problem{})",
                v.len(),
                if v.len() == 1 { "" } else { "s" }
            ),
            Outcome::Skipped(why) => format!("skipped: {why}"),
        };
        let _ = writeln!(
            s,
            "{:<w_op$}  {:<7}  {:<w_path$}  {:>6}  {result}",
            r.operation, r.method, path, status
        );
    }
    let failed: Vec<&CaseResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    for r in &failed {
        if let Outcome::Failed(v) = &r.outcome {
            let _ = writeln!(s, "\n{} {} {}:", r.operation, r.method, r.path);
            for line in v {
                let _ = writeln!(s, "  - {line}");
            }
        }
    }
    let passed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Passed)
        .count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
        .count();
    let _ = writeln!(
        s,
        "\n{passed} passed, {} failed, {skipped} skipped",
        failed.len()
    );
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A JUnit XML report (one test case per operation).
pub fn junit(suite: &str, results: &[CaseResult]) -> String {
    let failures = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
        .count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{total:.3}\">\n",
        xml_escape(suite),
        results.len()
    );
    for r in results {
        let name = format!("{} {} {}", r.operation, r.method, r.path);
        s.push_str(&format!(
            "    <testcase classname=\"specforge.verify\" name=\"{}\" time=\"{:.3}\"",
            xml_escape(&name),
            r.duration.as_secs_f64()
        ));
        match &r.outcome {
            Outcome::Passed => s.push_str("/>\n"),
            Outcome::Failed(v) => {
                let status = r
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into());
                s.push_str(&format!(
                    ">\n      <failure message=\"{}\">status {status}\n{}</failure>\n    </testcase>\n",
                    xml_escape(v.first().map(String::as_str).unwrap_or("failed")),
                    xml_escape(&v.join("\n"))
                ));
            }
            Outcome::Skipped(why) => s.push_str(&format!(
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                xml_escape(why)
            )),
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}
