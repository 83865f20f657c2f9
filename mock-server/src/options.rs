//! Mock server options.

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// Seed for generated data; the same seed and request give the same body.
    pub seed: u64,
    /// Always generate bodies, never serve spec examples.
    pub dynamic: bool,
    /// Validate requests against the spec (on by default).
    pub validate_requests: bool,
    /// Require the credentials the spec asks for (on by default).
    pub check_auth: bool,
    /// Latency added to every response, in milliseconds.
    pub delay_ms: u64,
    /// How many items a paged list holds (operations the IR finds paging).
    pub list_total: usize,
    /// Keep what clients create (resources inferred from the spec), per session.
    pub stateful: bool,
    /// Initial objects, by concrete collection path (`{"/repos/7/secrets": [{..}]}`).
    pub seed_data: Option<serde_json::Value>,
    /// Where the admin API and the dashboard live (never a spec path).
    pub admin_prefix: String,
    /// How many exchanges the journal keeps.
    pub journal_size: usize,
}

impl Default for MockOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            dynamic: false,
            validate_requests: true,
            check_auth: true,
            delay_ms: 0,
            list_total: 25,
            stateful: false,
            seed_data: None,
            admin_prefix: "/__specforge".into(),
            journal_size: 1000,
        }
    }
}
