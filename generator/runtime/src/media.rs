//! Media types: what kind of body a media type carries, whether a media range
//! covers a media type, and `Accept` negotiation.

/// How a body of some media type is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `application/json`, and the wildcards `*/*` and `application/*` (JSON is
    /// what an OpenAPI tool sends and expects when a spec leaves the type open).
    Json,
    /// A structured `+json` type (`application/problem+json`, `application/vnd.x+json`).
    JsonSuffix,
    /// `text/*` other than the kinds below, `application/javascript`.
    Text,
    /// `application/xml`, `text/xml`, `+xml` types.
    Xml,
    /// `text/event-stream`.
    EventStream,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/*`.
    Multipart,
    /// Anything else: raw bytes.
    Binary,
}

impl MediaKind {
    /// JSON or a `+json` type.
    pub fn is_json(self) -> bool {
        matches!(self, MediaKind::Json | MediaKind::JsonSuffix)
    }

    /// Carried as UTF-8 text (text, XML, event streams).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            MediaKind::Text | MediaKind::Xml | MediaKind::EventStream
        )
    }

    /// The order in which a client prefers to send or read a kind (lower first).
    pub fn preference(self) -> u8 {
        match self {
            MediaKind::Json => 0,
            MediaKind::JsonSuffix => 1,
            MediaKind::Form => 2,
            MediaKind::Multipart => 3,
            MediaKind::Text => 4,
            MediaKind::Xml => 5,
            MediaKind::EventStream => 6,
            MediaKind::Binary => 7,
        }
    }
}

/// The essence of a media type: `type/subtype`, lower-cased, without parameters.
pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The kind of body `media` carries.
pub fn classify(media: &str) -> MediaKind {
    let m = essence(media);
    if m == "application/json" || m == "*/*" || m == "application/*" || m == "*" {
        MediaKind::Json
    } else if m.ends_with("+json") {
        MediaKind::JsonSuffix
    } else if m == "application/x-www-form-urlencoded" {
        MediaKind::Form
    } else if m.starts_with("multipart/") {
        MediaKind::Multipart
    } else if m == "text/event-stream" {
        MediaKind::EventStream
    } else if m.ends_with("/xml") || m.ends_with("+xml") {
        MediaKind::Xml
    } else if m.starts_with("text/") || m == "application/javascript" {
        MediaKind::Text
    } else {
        MediaKind::Binary
    }
}

/// Does the media range `range` (`*/*`, `text/*`, `application/json`) cover the
/// media type `media`? Parameters are ignored on both sides.
pub fn range_matches(range: &str, media: &str) -> bool {
    let range = essence(range);
    let media = essence(media);
    if range == "*/*" || range == "*" || range == media {
        return true;
    }
    match (range.split_once('/'), media.split_once('/')) {
        (Some((rt, "*")), Some((mt, _))) => rt == mt,
        (Some(("*", rs)), Some((_, ms))) => rs == ms,
        _ => false,
    }
}

/// Is a request body of content type `given` acceptable where the spec documents
/// `documented` (which may hold ranges such as `image/*`)?
pub fn accepted<'a>(documented: impl IntoIterator<Item = &'a str>, given: &str) -> bool {
    documented.into_iter().any(|d| range_matches(d, given))
}

/// The entries of an `Accept` header: media range and quality, in header order.
pub fn accept_entries(accept: &str) -> Vec<(String, f32)> {
    accept
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let range = parts.next()?.trim();
            if range.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((range.to_string(), q))
        })
        .collect()
}

/// Which of `offered` (documented media types, in preference order) to answer with,
/// given the request's `Accept` header: the offer with the highest quality, earlier
/// offers winning ties. `None` (no header, or an empty one) picks the first offer;
/// `Some` result `None` means nothing acceptable is offered (406).
pub fn negotiate(accept: Option<&str>, offered: &[&str]) -> Option<usize> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return if offered.is_empty() { None } else { Some(0) };
    };
    let entries = accept_entries(accept);
    let mut best: Option<(usize, f32)> = None;
    for (i, offer) in offered.iter().enumerate() {
        // the most specific range that covers the offer decides its quality
        let q = entries
            .iter()
            .filter(|(r, _)| range_matches(r, offer) || range_matches(offer, r))
            .max_by_key(|(r, _)| specificity(r))
            .map(|(_, q)| *q)
            .unwrap_or(0.0);
        if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((i, q));
        }
    }
    best.map(|(i, _)| i)
}

fn specificity(range: &str) -> u8 {
    let r = essence(range);
    if r == "*/*" || r == "*" {
        0
    } else if r.ends_with("/*") || r.starts_with("*/") {
        1
    } else {
        2
    }
}
