//! Path templates on the wire: percent-encoding of values by position, and the
//! split of one raw path segment into the parameter values it carries when the
//! template puts literal text around them (`{id}.json`, `{name}:encrypt`,
//! `{base}...{head}`).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// With `allowReserved`: unreserved and reserved characters stay, except those that
/// would end the value where it stands (`/` `?` `#` `&` `=` `+` and space).
const RESERVED_KEPT: &AsciiSet = &UNRESERVED
    .remove(b':')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';')
    .remove(b'[')
    .remove(b']');

/// One piece of a path segment template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text, as written in the template.
    Lit(&'a str),
    /// A parameter's value (at least one character).
    Var,
    /// An integer parameter's value: an optional `-` and digits. Used where the
    /// template puts it next to other text, so that `{id}{ext}` splits `42.json`.
    Int,
    /// A parameter whose schema allows only these values.
    OneOf(Choices<'a>),
}

/// The values a [`Piece::OneOf`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices<'a> {
    /// As string slices (generated code).
    Strs(&'a [&'a str]),
    /// As owned strings (values read from a spec at run time).
    Strings(&'a [String]),
}

impl<'a> Choices<'a> {
    fn values(self) -> Vec<&'a str> {
        match self {
            Choices::Strs(s) => s.to_vec(),
            Choices::Strings(s) => s.iter().map(String::as_str).collect(),
        }
    }
}

/// Percent-encode a value for a path segment or a query component: every
/// character but the unreserved ones is encoded.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// Percent-encode a value whose parameter has `allowReserved: true`.
pub fn encode_allow_reserved(value: &str) -> String {
    utf8_percent_encode(value, RESERVED_KEPT).to_string()
}

/// Percent-decode (invalid UTF-8 is replaced, never an error).
pub fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// Percent-decode a form-encoded component (`+` is a space).
pub fn decode_form(raw: &str) -> String {
    if raw.contains('+') {
        decode(&raw.replace('+', " "))
    } else {
        decode(raw)
    }
}

/// Split a raw (still percent-encoded) path segment by the template `pieces`:
/// the raw text of each [`Piece::Var`], in order, or `None` when the segment does
/// not have the template's shape. Each variable takes the shortest text with which
/// the rest of the segment still matches, so `{id}.json` splits `a.b.json` into
/// `a.b`, and a literal is compared with the segment both as written and decoded.
pub fn split_segment<'s>(pieces: &[Piece<'_>], raw: &'s str) -> Option<Vec<&'s str>> {
    let mut out = Vec::new();
    if split_from(pieces, raw, 0, &mut out) {
        Some(out)
    } else {
        None
    }
}

fn split_from<'s>(pieces: &[Piece<'_>], raw: &'s str, at: usize, out: &mut Vec<&'s str>) -> bool {
    let rest = &raw[at..];
    match pieces.split_first() {
        None => rest.is_empty(),
        Some((Piece::Lit(lit), tail)) => match literal_len(lit, rest) {
            Some(n) => split_from(tail, raw, at + n, out),
            None => false,
        },
        Some((Piece::OneOf(choices), tail)) => {
            // longest choices first, so `.json` is not cut short by `.j`
            let mut order: Vec<&str> = choices.values();
            order.sort_by_key(|c| std::cmp::Reverse(c.len()));
            for c in order {
                if c.is_empty() {
                    continue;
                }
                if let Some(n) = literal_len(c, rest) {
                    out.push(&rest[..n]);
                    if split_from(tail, raw, at + n, out) {
                        return true;
                    }
                    out.pop();
                }
            }
            false
        }
        Some((Piece::Int, tail)) => {
            let digits_from = usize::from(rest.starts_with('-'));
            let len = rest[digits_from..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            // the longest run first: an integer is not followed by more digits
            for end in (digits_from + 1..=digits_from + len).rev() {
                out.push(&rest[..end]);
                if split_from(tail, raw, at + end, out) {
                    return true;
                }
                out.pop();
            }
            false
        }
        Some((Piece::Var, tail)) => {
            // a variable followed by nothing takes the rest
            if tail.is_empty() {
                if rest.is_empty() {
                    return false;
                }
                out.push(rest);
                return true;
            }
            let next_lit = match tail.first() {
                Some(Piece::Lit(l)) => Some(*l),
                _ => None,
            };
            let next_choices = match tail.first() {
                Some(Piece::OneOf(c)) => Some(*c),
                _ => None,
            };
            for (i, c) in rest.char_indices() {
                let end = i + c.len_utf8();
                // only where the next literal can start
                if let Some(l) = next_lit {
                    if literal_len(l, &rest[end..]).is_none() {
                        continue;
                    }
                }
                if let Some(c) = next_choices {
                    if !c
                        .values()
                        .iter()
                        .any(|c| literal_len(c, &rest[end..]).is_some())
                    {
                        continue;
                    }
                }
                out.push(&rest[..end]);
                if split_from(tail, raw, at + end, out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
}

/// How many bytes of `rest` the literal `lit` covers: as written, or with
/// characters a client percent-encoded.
fn literal_len(lit: &str, rest: &str) -> Option<usize> {
    if rest.starts_with(lit) {
        return Some(lit.len());
    }
    let mut used = 0;
    let mut chars = lit.chars();
    let bytes = rest.as_bytes();
    for c in chars.by_ref() {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            if bytes.get(used) == Some(&b) {
                used += 1;
            } else if bytes.get(used) == Some(&b'%')
                && rest
                    .get(used + 1..used + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    == Some(b)
            {
                used += 3;
            } else {
                return None;
            }
        }
    }
    Some(used)
}

/// Match a raw request path (below the base path, starting with `/`, still
/// percent-encoded) against a template given as the pieces of each segment.
/// Returns the raw text of every parameter in template order, or `None`.
/// A documented trailing slash must be there, an undocumented one must not.
pub fn match_path<'r, 'p, S: AsRef<[Piece<'p>]>>(
    segments: &[S],
    trailing_slash: bool,
    raw: &'r str,
) -> Option<Vec<&'r str>> {
    let mut rest = raw.strip_prefix('/').unwrap_or(raw);
    if segments.is_empty() {
        return rest.is_empty().then(Vec::new);
    }
    if trailing_slash {
        rest = rest.strip_suffix('/')?;
    } else if rest.ends_with('/') {
        return None;
    }
    let mut values = Vec::new();
    let mut parts = rest.split('/');
    for pieces in segments {
        let seg = parts.next()?;
        let pieces = pieces.as_ref();
        match pieces {
            [Piece::Lit(l)] => {
                if literal_len(l, seg) != Some(seg.len()) {
                    return None;
                }
            }
            _ => values.extend(split_segment(pieces, seg)?),
        }
    }
    if parts.next().is_some() {
        return None;
    }
    Some(values)
}
