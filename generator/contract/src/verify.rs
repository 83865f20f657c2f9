//! `specforge verify`: send a valid request to each selected operation of a live
//! server and check each response against the spec.

use crate::contract::ResponseJudge;
use crate::requests::{SampleRequest, Sampler, Variant};
use serde_json::Value;
use specforge::ir::naming::singular;
use specforge::ir::resources::Role;
use specforge::ir::{Api, Operation};
use std::collections::HashMap;
use std::sync::Mutex;
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
    /// Print one line per case to standard error as it finishes.
    pub progress: bool,
    /// Valid requests per operation: the plain one, the boundaries, then generated.
    pub cases: usize,
    /// Also send requests that break the spec in one place each; each must get a 4xx.
    pub negative: bool,
    /// Also run create → read → delete → read chains on the resources the IR infers.
    pub chains: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl VerifyOptions {
    /// Options for `url` with the defaults of the command line.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_string(),
            operations: Vec::new(),
            exclude: Vec::new(),
            skip_status: Vec::new(),
            seed: 0,
            headers: Vec::new(),
            timeout: Duration::from_secs(30),
            follow_redirects: false,
            deadline: None,
            progress: false,
            cases: 1,
            negative: false,
            chains: false,
            concurrency: 1,
        }
    }
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

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Operation name.
    pub operation: String,
    /// Which case (`valid`, `valid, numbers at their maximum`, `invalid: …`, `chain …`).
    pub case: String,
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
    /// For a failure: a `curl` command that sends the request again.
    pub curl: Option<String>,
}

impl CaseResult {
    /// One line for progress output.
    pub fn line(&self) -> String {
        let verdict = match &self.outcome {
            Outcome::Passed => "ok".to_string(),
            Outcome::Failed(why) => format!("FAILED: {}", why.join("; ")),
            Outcome::Skipped(why) => format!("skipped: {why}"),
        };
        format!(
            "{} {} {} ({}) -> {} {verdict} ({} ms)",
            self.operation,
            self.method,
            self.path,
            self.case,
            self.status.map_or("-".to_string(), |s| s.to_string()),
            self.duration.as_millis()
        )
    }
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

/// Run the verification: the valid cases of every selected operation (in
/// dependency order: operations without path parameters first, deletes last),
/// then, when asked, the negative cases and the create → read → delete chains.
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
                case: String::new(),
                method: String::new(),
                path: String::new(),
                status: None,
                outcome: Outcome::Failed(vec![format!("cannot build an HTTP client: {e}")]),
                duration: Duration::ZERO,
                curl: None,
            }]
        }
    };
    let run = Run {
        api,
        options,
        client,
        judge: ResponseJudge::new(api),
        sampler: Sampler::new(api),
        harvest: Mutex::new(Harvest::default()),
        base: origin_of(&options.url, &api.base_path),
        started: Instant::now(),
        done: std::sync::atomic::AtomicUsize::new(0),
    };
    let selected: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|o| {
            (options.operations.is_empty() || options.operations.iter().any(|g| glob(g, &o.name)))
                && !options.exclude.iter().any(|g| glob(g, &o.name))
        })
        .collect();
    // waves: operations with fewer path parameters first (their answers feed ids to
    // those with more: `/repos` before `/repos/{id}/pipelines` before
    // `/repos/{id}/pipelines/{number}`), creates before the rest at each depth;
    // deletes last
    let is_delete = |o: &&Operation| o.method == specforge::ir::Method::Delete;
    let depth = |o: &&Operation| o.template.param_names().len();
    let deepest = selected.iter().map(depth).max().unwrap_or(0);
    // at each depth, what creates before what reads (lists then have items)
    let is_create = |o: &&Operation| o.method == specforge::ir::Method::Post;
    let mut waves: Vec<Vec<&Operation>> = (0..=deepest)
        .flat_map(|d| [(d, true), (d, false)])
        .map(|(d, creates)| {
            selected
                .iter()
                .copied()
                .filter(|o| depth(o) == d && !is_delete(o) && is_create(o) == creates)
                .collect()
        })
        .collect();
    waves.push(selected.iter().copied().filter(is_delete).collect());
    let deletes = waves.len() - 1;
    let variants = variants(options.cases);
    let mut jobs_total = selected.len() * variants.len();
    if options.negative {
        jobs_total += selected.len();
    }
    run.done.store(0, std::sync::atomic::Ordering::SeqCst);
    let mut results = Vec::new();
    for (i, wave) in waves.iter().enumerate() {
        // the chains once the reads have harvested ids (parents to create under),
        // before the deletes remove what they would need
        if i == deletes && options.chains {
            results.extend(run.chains(&selected));
        }
        let jobs: Vec<(&Operation, Variant)> = wave
            .iter()
            .flat_map(|op| variants.iter().map(move |v| (*op, *v)))
            .collect();
        results.extend(run.parallel(&jobs, jobs_total, |op, v| run.positive(op, v)));
    }
    if options.negative {
        let jobs: Vec<(&Operation, Variant)> =
            selected.iter().map(|op| (*op, Variant::Plain)).collect();
        let negatives = run.parallel(&jobs, jobs_total, |op, _| run.negative(op));
        results.extend(negatives);
    }
    results
}

/// The valid cases for `--cases N`: the plain request (examples first), then the
/// boundaries (numbers at their maximum, at their minimum), then generated values.
fn variants(cases: usize) -> Vec<Variant> {
    let mut v = vec![Variant::Plain, Variant::High, Variant::Low];
    let mut n = 1;
    while v.len() < cases {
        v.push(Variant::Generated(n));
        n += 1;
    }
    v.truncate(cases.max(1));
    v
}

/// Scheme, host and port of `url`: its path is the spec's base path (the URL a
/// client is configured with) or nothing; anything else stays, in front.
fn origin_of(url: &str, base_path: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.strip_suffix(base_path.trim_end_matches('/')) {
        Some(origin) if !base_path.is_empty() && origin.contains("://") => origin.to_string(),
        _ => url.to_string(),
    }
}

/// One verification run's shared state.
struct Run<'a> {
    api: &'a Api,
    options: &'a VerifyOptions,
    client: reqwest::blocking::Client,
    judge: ResponseJudge,
    sampler: Sampler<'a>,
    harvest: Mutex<Harvest>,
    base: String,
    started: Instant,
    done: std::sync::atomic::AtomicUsize,
}

/// What came back for one request.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Run<'_> {
    /// The values harvested so far (a panic elsewhere does not lose them).
    fn harvest(&self) -> std::sync::MutexGuard<'_, Harvest> {
        self.harvest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Harvested values for `op`'s path parameters.
    fn overrides(&self, op: &Operation) -> Vec<(String, Value)> {
        self.harvest().overrides(op)
    }

    fn out_of_time(&self) -> bool {
        self.options
            .deadline
            .is_some_and(|d| self.started.elapsed() >= d)
    }

    /// Run `jobs` on `--concurrency` threads, results in job order.
    fn parallel<'o>(
        &self,
        jobs: &[(&'o Operation, Variant)],
        total: usize,
        work: impl Fn(&'o Operation, Variant) -> Vec<CaseResult> + Sync,
    ) -> Vec<CaseResult> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<Mutex<Vec<CaseResult>>> =
            jobs.iter().map(|_| Mutex::new(Vec::new())).collect();
        std::thread::scope(|scope| {
            for _ in 0..self.options.concurrency.max(1).min(jobs.len().max(1)) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((op, v)) = jobs.get(i) else {
                        break;
                    };
                    let results = work(op, *v);
                    let n = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    if self.options.progress {
                        for r in &results {
                            eprintln!("[{n}/{total}] {}", r.line());
                        }
                    }
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = results;
                });
            }
        });
        slots
            .into_iter()
            .flat_map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner()))
            .collect()
    }

    fn send(&self, req: &SampleRequest) -> Result<Answer, String> {
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let mut builder = self
            .client
            .request(method, format!("{}{}", self.base, req.path_and_query));
        for (k, v) in &self.headers_of(req) {
            builder = builder.header(k, v);
        }
        if let Some(b) = req.body.clone() {
            builder = builder.body(b);
        }
        let resp = builder
            .send()
            .map_err(|e| crate::transport::explain(&e, self.options.timeout).1)?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp
            .bytes()
            .map_err(|e| format!("cannot read the body: {e}"))?
            .to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// The request's headers with `--header` replacing generated ones.
    fn headers_of(&self, req: &SampleRequest) -> Vec<(String, String)> {
        let mut headers = req.headers.clone();
        for (k, v) in &self.options.headers {
            headers.retain(|(hk, _)| !hk.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        headers
    }

    /// A `curl` command that sends `req` again.
    fn curl(&self, req: &SampleRequest) -> String {
        let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut cmd = format!("curl -i -X {}", req.method.as_str());
        for (k, v) in self.headers_of(req) {
            cmd.push_str(&format!(" -H {}", q(&format!("{k}: {v}"))));
        }
        if let Some(b) = &req.body {
            cmd.push_str(&format!(
                " --data-binary {}",
                q(&String::from_utf8_lossy(b))
            ));
        }
        cmd.push_str(&format!(
            " {}",
            q(&format!("{}{}", self.base, req.path_and_query))
        ));
        cmd
    }

    fn result(
        &self,
        op: &Operation,
        case: String,
        req: &SampleRequest,
        status: Option<u16>,
        outcome: Outcome,
        started: Instant,
    ) -> CaseResult {
        let curl = matches!(outcome, Outcome::Failed(_)).then(|| self.curl(req));
        CaseResult {
            operation: op.name.clone(),
            case,
            method: req.method.as_str().to_string(),
            path: req.path_and_query.clone(),
            status,
            outcome,
            duration: started.elapsed(),
            curl,
        }
    }

    fn skipped(&self, op: &Operation, case: String, why: &str) -> CaseResult {
        CaseResult {
            operation: op.name.clone(),
            case,
            method: op.method.as_str().to_string(),
            path: op.path.clone(),
            status: None,
            outcome: Outcome::Skipped(why.into()),
            duration: Duration::ZERO,
            curl: None,
        }
    }

    /// One valid case: the response must conform.
    fn positive(&self, op: &Operation, variant: Variant) -> Vec<CaseResult> {
        let case = match variant {
            Variant::Plain => "valid".to_string(),
            Variant::High => "valid, numbers at their maximum".to_string(),
            Variant::Low => "valid, numbers at their minimum".to_string(),
            Variant::Generated(n) => format!("valid, generated #{n}"),
        };
        if self.out_of_time() {
            return vec![self.skipped(op, case, "the run's time budget was spent")];
        }
        let started = Instant::now();
        let overrides = self.overrides(op);
        let req = self
            .sampler
            .variant(op, self.options.seed, &overrides, variant);
        // a boundary case that is the plain request again adds nothing
        if matches!(variant, Variant::High | Variant::Low)
            && req
                == self
                    .sampler
                    .variant(op, self.options.seed, &overrides, Variant::Plain)
        {
            return Vec::new();
        }
        let answer = match self.send(&req) {
            Ok(a) => a,
            Err(why) => {
                return vec![self.result(op, case, &req, None, Outcome::Failed(vec![why]), started)]
            }
        };
        if self.options.skip_status.contains(&answer.status) {
            let why = skip_reason(answer.status);
            return vec![self.result(
                op,
                case,
                &req,
                Some(answer.status),
                Outcome::Skipped(why),
                started,
            )];
        }
        let violations = self
            .judge
            .check(op, answer.status, &answer.headers, &answer.body);
        if (200..300).contains(&answer.status) {
            if let Ok(v) = serde_json::from_slice::<Value>(&answer.body) {
                self.harvest().record(op, &v);
            }
        }
        let mut problems: Vec<String> = violations
            .iter()
            .map(|v| format!("{}: {}", v.location, v.message))
            .collect();
        if answer.status >= 500 && problems.is_empty() {
            problems.push(format!(
                "a valid request got {} (a server error)",
                answer.status
            ));
        }
        let outcome = if problems.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed(problems)
        };
        vec![self.result(op, case, &req, Some(answer.status), outcome, started)]
    }

    /// The negative cases of one operation: each must get a 4xx.
    fn negative(&self, op: &Operation) -> Vec<CaseResult> {
        let overrides = self.overrides(op);
        let mut out = Vec::new();
        for n in self.sampler.negatives(op, self.options.seed, &overrides) {
            let case = format!("invalid: {}", n.rule);
            if self.out_of_time() {
                out.push(self.skipped(op, case, "the run's time budget was spent"));
                continue;
            }
            let started = Instant::now();
            let (status, outcome) = match self.send(&n.request) {
                Err(why) => (None, Outcome::Failed(vec![why])),
                Ok(a) if self.options.skip_status.contains(&a.status) => {
                    (Some(a.status), Outcome::Skipped(skip_reason(a.status)))
                }
                Ok(a) if (400..500).contains(&a.status) => (Some(a.status), Outcome::Passed),
                Ok(a) if (200..300).contains(&a.status) => (
                    Some(a.status),
                    Outcome::Failed(vec![format!(
                        "accepted with {} a request where {} (a 4xx was expected)",
                        a.status, n.rule
                    )]),
                ),
                Ok(a) => (
                    Some(a.status),
                    Outcome::Failed(vec![format!(
                        "answered {} to a request where {} (a 4xx was expected)",
                        a.status, n.rule
                    )]),
                ),
            };
            out.push(self.result(op, case, &n.request, status, outcome, started));
        }
        out
    }

    /// create → read → delete → read again, for every resource the IR infers whose
    /// operations were selected: what was created must be readable by its id, and
    /// gone after the delete.
    fn chains(&self, selected: &[&Operation]) -> Vec<CaseResult> {
        let resources = specforge::ir::resources::infer(self.api);
        let picked =
            |name: Option<&str>| name.and_then(|n| selected.iter().find(|o| o.name == n).copied());
        let mut out = Vec::new();
        for r in &resources.resources {
            let (Some(create), Some(read), Some(field), Some(param)) = (
                picked(r.operation(Role::Create)),
                picked(r.operation(Role::Read)),
                r.id_field.as_deref(),
                r.id_param.as_deref(),
            ) else {
                continue;
            };
            if self.out_of_time() {
                break;
            }
            let case = format!("chain {}", r.path);
            let started = Instant::now();
            let overrides = self.overrides(create);
            let req = self.sampler.request(create, self.options.seed, &overrides);
            let created = match self.send(&req) {
                Ok(a) if (200..300).contains(&a.status) => a,
                Ok(a) if self.options.skip_status.contains(&a.status) => continue,
                Ok(a) => {
                    out.push(self.result(
                        create,
                        case,
                        &req,
                        Some(a.status),
                        Outcome::Failed(vec![format!("the create answered {}", a.status)]),
                        started,
                    ));
                    continue;
                }
                Err(why) => {
                    out.push(self.result(
                        create,
                        case,
                        &req,
                        None,
                        Outcome::Failed(vec![why]),
                        started,
                    ));
                    continue;
                }
            };
            // the id: from the created object, else from what was sent
            let sent: Option<Value> = req
                .body
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok());
            let id = serde_json::from_slice::<Value>(&created.body)
                .ok()
                .and_then(|v| v.get(field).cloned())
                .or_else(|| sent.and_then(|v| v.get(field).cloned()));
            let Some(id) = id else {
                continue;
            };
            // the parents' values as the create used them
            let mut ids: Vec<(String, Value)> = overrides.clone();
            ids.push((param.to_string(), id.clone()));
            for p in create.path_params() {
                if let Some(v) =
                    path_value(create, &req.path_and_query, &self.api.base_path, &p.name)
                {
                    ids.retain(|(k, _)| k != &p.name);
                    ids.push((p.name.clone(), Value::String(v)));
                }
            }
            let mut steps: Vec<(&Operation, &str)> = vec![(read, "read what was created")];
            let delete = picked(r.operation(Role::Delete));
            if let Some(d) = delete {
                steps.push((d, "delete it"));
                steps.push((read, "read it after the delete"));
            }
            let mut failure: Option<(String, SampleRequest, Option<u16>)> = None;
            let mut skipped: Option<String> = None;
            let mut last = req.clone();
            let mut last_status = Some(created.status);
            for (i, (op, what)) in steps.iter().enumerate() {
                let step_req = self.sampler.request(op, self.options.seed, &ids);
                let answer = self.send(&step_req);
                last = step_req.clone();
                let after_delete = delete.is_some() && i == 2;
                match answer {
                    Err(why) => {
                        failure = Some((format!("{what}: {why}"), step_req, None));
                        break;
                    }
                    Ok(a) if self.options.skip_status.contains(&a.status) => {
                        last_status = Some(a.status);
                        skipped = Some(format!("{what}: {}", skip_reason(a.status)));
                        break;
                    }
                    Ok(a) => {
                        last_status = Some(a.status);
                        let ok = if after_delete {
                            (400..500).contains(&a.status)
                        } else {
                            (200..300).contains(&a.status)
                        };
                        if !ok {
                            let expected = if after_delete { "a 4xx (404)" } else { "a 2xx" };
                            failure = Some((
                                format!(
                                    "{what}: answered {} ({expected} was expected, id {id})",
                                    a.status
                                ),
                                step_req,
                                Some(a.status),
                            ));
                            break;
                        }
                        if !after_delete {
                            let v = self.judge.check(op, a.status, &a.headers, &a.body);
                            if let Some(first) = v.first() {
                                failure = Some((
                                    format!("{what}: {}: {}", first.location, first.message),
                                    step_req,
                                    Some(a.status),
                                ));
                                break;
                            }
                        }
                    }
                }
            }
            out.push(match (failure, skipped) {
                (Some((why, req, status)), _) => self.result(
                    create,
                    case,
                    &req,
                    status,
                    Outcome::Failed(vec![why]),
                    started,
                ),
                (None, Some(why)) => self.result(
                    create,
                    case,
                    &last,
                    last_status,
                    Outcome::Skipped(why),
                    started,
                ),
                (None, None) => {
                    self.result(create, case, &last, last_status, Outcome::Passed, started)
                }
            });
        }
        out.extend(self.links(selected));
        out
    }

    /// OpenAPI links: for every selected operation whose usual success response
    /// has links, send it, then each linked operation with the parameters the
    /// link's expressions take from that exchange; each must succeed and conform.
    fn links(&self, selected: &[&Operation]) -> Vec<CaseResult> {
        let mut out = Vec::new();
        for op in selected {
            let Some((i, _)) = op.usual_response() else {
                continue;
            };
            let links: Vec<(&specforge::ir::Link, &Operation)> = op.responses[i]
                .links
                .iter()
                .filter_map(|l| {
                    let target = l.operation.as_deref()?;
                    selected.iter().find(|o| o.name == target).map(|o| (l, *o))
                })
                .collect();
            if links.is_empty() || self.out_of_time() {
                continue;
            }
            let started = Instant::now();
            let overrides = self.overrides(op);
            let req = self.sampler.request(op, self.options.seed, &overrides);
            let source = match self.send(&req) {
                Ok(a) if (200..300).contains(&a.status) => a,
                Ok(a) if self.options.skip_status.contains(&a.status) => continue,
                Ok(a) => {
                    let why = format!("the link's source answered {}", a.status);
                    for (l, _) in &links {
                        let case = format!("link {}", l.name);
                        out.push(self.result(
                            op,
                            case,
                            &req,
                            Some(a.status),
                            Outcome::Failed(vec![why.clone()]),
                            started,
                        ));
                    }
                    continue;
                }
                Err(why) => {
                    out.push(self.result(
                        op,
                        "link".into(),
                        &req,
                        None,
                        Outcome::Failed(vec![why]),
                        started,
                    ));
                    continue;
                }
            };
            let body: Option<Value> = serde_json::from_slice(&source.body).ok();
            for (link, target) in links {
                let case = format!("link {}", link.name);
                let started = Instant::now();
                let mut ids = self.overrides(target);
                let mut missing = Vec::new();
                for (param, expr) in &link.parameters {
                    match evaluate(expr, op, &req, &source, body.as_ref(), &self.api.base_path) {
                        Some(v) => {
                            ids.retain(|(k, _)| k != param);
                            ids.push((param.clone(), v));
                        }
                        None => missing.push(format!(
                            "the link's parameter '{param}' ({expr}) has no value in the {} response",
                            source.status
                        )),
                    }
                }
                if !missing.is_empty() {
                    out.push(self.result(
                        op,
                        case,
                        &req,
                        Some(source.status),
                        Outcome::Failed(missing),
                        started,
                    ));
                    continue;
                }
                let step = self.sampler.request(target, self.options.seed, &ids);
                let (status, outcome) = match self.send(&step) {
                    Err(why) => (None, Outcome::Failed(vec![why])),
                    Ok(a) if self.options.skip_status.contains(&a.status) => {
                        (Some(a.status), Outcome::Skipped(skip_reason(a.status)))
                    }
                    Ok(a) if !(200..300).contains(&a.status) => (
                        Some(a.status),
                        Outcome::Failed(vec![format!(
                            "{} with the values of the link answered {} (a 2xx was expected)",
                            target.name, a.status
                        )]),
                    ),
                    Ok(a) => {
                        let v = self.judge.check(target, a.status, &a.headers, &a.body);
                        let outcome = if v.is_empty() {
                            Outcome::Passed
                        } else {
                            Outcome::Failed(
                                v.iter()
                                    .map(|v| format!("{}: {}", v.location, v.message))
                                    .collect(),
                            )
                        };
                        (Some(a.status), outcome)
                    }
                };
                out.push(self.result(target, case, &step, status, outcome, started));
            }
        }
        out
    }
}

/// The value of an OpenAPI runtime expression (`$response.body#/id`,
/// `$response.header.Location`, `$request.path.id`, `$request.query.q`,
/// `$request.body#/name`, `$statusCode`; `{…}` around one is allowed) over one
/// exchange; a value that is not an expression is itself.
fn evaluate(
    expr: &Value,
    op: &Operation,
    req: &SampleRequest,
    answer: &Answer,
    body: Option<&Value>,
    base_path: &str,
) -> Option<Value> {
    let Value::String(text) = expr else {
        return Some(expr.clone());
    };
    let e = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    if !e.starts_with('$') {
        return Some(expr.clone());
    }
    let pointer = |json: Option<&Value>, rest: &str| -> Option<Value> {
        let ptr = rest.strip_prefix('#').unwrap_or(rest);
        json?.pointer(ptr).cloned()
    };
    if let Some(rest) = e.strip_prefix("$response.body") {
        return pointer(body, rest);
    }
    if let Some(name) = e.strip_prefix("$response.header.") {
        return answer
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| Value::String(v.clone()));
    }
    if let Some(name) = e.strip_prefix("$request.path.") {
        return path_value(op, &req.path_and_query, base_path, name).map(Value::String);
    }
    if let Some(name) = e.strip_prefix("$request.query.") {
        let query = req
            .path_and_query
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("");
        return specforge_runtime::params::query_pairs(query)
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Value::String(specforge_runtime::path::decode_form(v)));
    }
    if let Some(rest) = e.strip_prefix("$request.body") {
        let sent: Option<Value> = req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok());
        return pointer(sent.as_ref(), rest);
    }
    if e == "$statusCode" {
        return Some(Value::from(answer.status));
    }
    None
}

/// Why a case was skipped by `--skip-status`.
fn skip_reason(status: u16) -> String {
    format!("the server answered {status}, which --skip-status lists")
}

/// The raw text of path parameter `name` in a rendered `path_and_query` of `op`.
fn path_value(op: &Operation, path_and_query: &str, base_path: &str, name: &str) -> Option<String> {
    let path = path_and_query.split('?').next()?;
    let below = path.strip_prefix(base_path)?;
    let values = op.template.match_raw(below)?;
    values
        .into_iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| specforge_runtime::path::decode(v))
}

/// The results as a table, failures spelled out (each with a curl command that
/// repeats it), and a closing `N passed, N failed, N skipped` line.
pub fn table(results: &[CaseResult]) -> String {
    use std::fmt::Write as _;
    let width = |f: &dyn Fn(&CaseResult) -> usize, min: usize, max: usize| {
        results.iter().map(f).max().unwrap_or(min).clamp(min, max)
    };
    let w_op = width(&|r| r.operation.len(), 9, 48);
    let w_case = width(&|r| r.case.chars().count(), 4, 44);
    let w_path = width(&|r| r.path.chars().count(), 4, 50);
    let cut = |s: &str, n: usize| -> String {
        if s.chars().count() > n {
            let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<w_op$}  {:<w_case$}  {:<7}  {:<w_path$}  {:>6}  result",
        "operation", "case", "method", "path", "status"
    );
    for r in results {
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
            "{:<w_op$}  {:<w_case$}  {:<7}  {:<w_path$}  {:>6}  {result}",
            cut(&r.operation, w_op),
            cut(&r.case, w_case),
            r.method,
            cut(&r.path, w_path),
            status
        );
    }
    let failed: Vec<&CaseResult> = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .collect();
    for r in &failed {
        if let Outcome::Failed(v) = &r.outcome {
            let _ = writeln!(s, "\n{} {} {} ({}):", r.operation, r.method, r.path, r.case);
            for line in v {
                let _ = writeln!(s, "  - {line}");
            }
            if let Some(c) = &r.curl {
                let _ = writeln!(s, "  repeat: {c}");
            }
        }
    }
    let _ = writeln!(s, "\n{}", summary(results));
    s
}

/// `N passed, N failed, N skipped`.
pub fn summary(results: &[CaseResult]) -> String {
    let count = |f: &dyn Fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    format!(
        "{} passed, {} failed, {} skipped",
        count(&|o| *o == Outcome::Passed),
        count(&|o| matches!(o, Outcome::Failed(_))),
        count(&|o| matches!(o, Outcome::Skipped(_)))
    )
}

/// The results as one JSON document: `{"summary": {..}, "cases": [..]}`.
pub fn json(results: &[CaseResult]) -> String {
    let cases: Vec<Value> = results
        .iter()
        .map(|r| {
            let (verdict, reasons) = match &r.outcome {
                Outcome::Passed => ("passed", Vec::new()),
                Outcome::Failed(v) => ("failed", v.clone()),
                Outcome::Skipped(why) => ("skipped", vec![why.clone()]),
            };
            serde_json::json!({
                "operation": r.operation,
                "case": r.case,
                "method": r.method,
                "path": r.path,
                "status": r.status,
                "verdict": verdict,
                "reasons": reasons,
                "duration_ms": r.duration.as_secs_f64() * 1000.0,
                "curl": r.curl,
            })
        })
        .collect();
    let count = |v: &str| cases.iter().filter(|c| c["verdict"] == v).count();
    let doc = serde_json::json!({
        "summary": {"passed": count("passed"), "failed": count("failed"), "skipped": count("skipped")},
        "cases": cases,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// GitHub Actions annotations: one `::error` line per failure (pointing at the
/// spec file), then the summary.
pub fn github(spec: &std::path::Path, results: &[CaseResult]) -> String {
    // the workflow-command escapes: %, CR and LF in the message; also , and : in properties
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for r in results {
        if let Outcome::Failed(v) = &r.outcome {
            let title = format!("specforge verify: {} ({})", r.operation, r.case);
            let mut message = format!(
                "{} {} -> {}\n{}",
                r.method,
                r.path,
                r.status.map_or("-".into(), |s| s.to_string()),
                v.join("\n")
            );
            if let Some(c) = &r.curl {
                message.push_str(&format!("\nrepeat: {c}"));
            }
            out.push_str(&format!(
                "::error file={},title={}::{}\n",
                prop(&spec.display().to_string()),
                prop(&title),
                data(&message)
            ));
        }
    }
    out.push_str(&format!("{}\n", summary(results)));
    out
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
        let name = format!("{} {} {} ({})", r.operation, r.method, r.path, r.case);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_may_carry_the_base_path_or_not() {
        assert_eq!(origin_of("http://h:8000/api", "/api"), "http://h:8000");
        assert_eq!(origin_of("http://h:8000/api/", "/api"), "http://h:8000");
        assert_eq!(origin_of("http://h:8000", "/api"), "http://h:8000");
        assert_eq!(origin_of("http://h:8000/", ""), "http://h:8000");
        // a prefix of the server's own stays in front
        assert_eq!(origin_of("http://h/gateway", "/api"), "http://h/gateway");
    }

    #[test]
    fn cases_go_plain_boundaries_then_generated() {
        assert_eq!(variants(0), [Variant::Plain]);
        assert_eq!(variants(1), [Variant::Plain]);
        assert_eq!(
            variants(5),
            [
                Variant::Plain,
                Variant::High,
                Variant::Low,
                Variant::Generated(1),
                Variant::Generated(2)
            ]
        );
    }
}
