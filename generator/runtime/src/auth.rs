//! Credentials on the wire: which credentials a request presents for a security
//! scheme, whether an operation's requirements are met (any alternative; every
//! scheme of it), and the `WWW-Authenticate` challenges when they are not. One rule
//! for the generated server and the mock.

use super::params::Location;
use base64::Engine as _;

/// How a security scheme carries its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind<'a> {
    /// `Authorization: Bearer TOKEN` (bearer, OAuth 2, OpenID Connect).
    Bearer,
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// A key in a header, query parameter or cookie.
    ApiKey {
        /// Its name there.
        name: &'a str,
        /// Where.
        location: Location,
    },
    /// `Authorization: SCHEME …` for another HTTP scheme.
    Other {
        /// The HTTP authentication scheme.
        scheme: &'a str,
    },
}

/// A security scheme: its name in the spec and how it is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme<'a> {
    /// The key under `securitySchemes` / `securityDefinitions`.
    pub name: &'a str,
    /// How it is carried.
    pub kind: Kind<'a>,
}

/// A credential a request presented.
#[derive(Clone, PartialEq, Eq)]
pub enum Presented {
    /// A bearer token.
    Bearer {
        /// The token.
        token: String,
    },
    /// A user and password.
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: String,
    },
    /// An API key.
    ApiKey {
        /// The key.
        value: String,
    },
    /// The credentials of another HTTP scheme, as sent.
    Other {
        /// Everything after the scheme name.
        credentials: String,
    },
}

impl std::fmt::Debug for Presented {
    /// Secrets are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Presented::Bearer { .. } => f.write_str("Bearer(<redacted>)"),
            Presented::Basic { user, .. } => write!(f, "Basic({user:?}, <redacted>)"),
            Presented::ApiKey { .. } => f.write_str("ApiKey(<redacted>)"),
            Presented::Other { .. } => f.write_str("Other(<redacted>)"),
        }
    }
}

/// What a request carries, as the checks read it.
pub struct Request<'r> {
    /// The `Authorization` header, if any.
    pub authorization: Option<&'r str>,
    /// A header by (case-insensitive) name.
    pub header: &'r dyn Fn(&str) -> Option<&'r str>,
    /// Query pairs, decoded.
    pub query: &'r [(String, String)],
    /// Cookies, decoded.
    pub cookies: &'r [(String, String)],
}

/// The credential `request` presents for `kind`, if it presents one.
pub fn present(kind: &Kind<'_>, request: &Request<'_>) -> Option<Presented> {
    let after = |scheme: &str| -> Option<String> {
        let auth = request.authorization?.trim();
        let (name, rest) = auth.split_once(' ').unwrap_or((auth, ""));
        name.eq_ignore_ascii_case(scheme)
            .then(|| rest.trim().to_string())
            .filter(|r| !r.is_empty())
    };
    match kind {
        Kind::Bearer => after("bearer").map(|token| Presented::Bearer { token }),
        Kind::Basic => {
            let encoded = after("basic")?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (user, password) = text.split_once(':')?;
            Some(Presented::Basic {
                user: user.to_string(),
                password: password.to_string(),
            })
        }
        Kind::ApiKey { name, location } => {
            let value = match location {
                Location::Header => (request.header)(name).map(str::to_string),
                Location::Query => request
                    .query
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                Location::Cookie => request
                    .cookies
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                Location::Path => None,
            }?;
            Some(Presented::ApiKey { value })
        }
        Kind::Other { scheme } => after(scheme).map(|credentials| Presented::Other { credentials }),
    }
}

/// The alternative a request satisfied: its index among the requirements, and
/// the credential presented for each of its schemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Satisfied<'a> {
    /// Which alternative (index in the operation's `security` list).
    pub alternative: usize,
    /// (scheme name, credential), in the alternative's order.
    pub credentials: Vec<(&'a str, Presented)>,
}

/// Check `alternatives` (OR of ANDs of schemes). `Ok(None)`: the operation asks
/// for nothing (no requirement, or an empty alternative). `Err`: the challenges
/// for a `WWW-Authenticate` header, one per scheme involved.
pub fn satisfy<'a>(
    alternatives: &[&[Scheme<'a>]],
    request: &Request<'_>,
) -> Result<Option<Satisfied<'a>>, Vec<String>> {
    if alternatives.is_empty() || alternatives.iter().any(|a| a.is_empty()) {
        return Ok(None);
    }
    for (i, alternative) in alternatives.iter().enumerate() {
        let presented: Option<Vec<(&'a str, Presented)>> = alternative
            .iter()
            .map(|s| present(&s.kind, request).map(|p| (s.name, p)))
            .collect();
        if let Some(credentials) = presented {
            return Ok(Some(Satisfied {
                alternative: i,
                credentials,
            }));
        }
    }
    let mut challenges: Vec<String> = Vec::new();
    for scheme in alternatives.iter().flat_map(|a| a.iter()) {
        let c = challenge(&scheme.kind);
        if !challenges.contains(&c) {
            challenges.push(c);
        }
    }
    Err(challenges)
}

/// The `WWW-Authenticate` challenge for a scheme.
pub fn challenge(kind: &Kind<'_>) -> String {
    match kind {
        Kind::Bearer => "Bearer".to_string(),
        Kind::Basic => "Basic realm=\"api\"".to_string(),
        Kind::ApiKey { name, location } => {
            let place = match location {
                Location::Header => "header",
                Location::Query => "query",
                Location::Cookie => "cookie",
                Location::Path => "path",
            };
            format!("ApiKey name=\"{name}\", in=\"{place}\"")
        }
        Kind::Other { scheme } => scheme.to_string(),
    }
}
