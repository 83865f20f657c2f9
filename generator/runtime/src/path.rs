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
            for (i, c) in rest.char_indices() {
                let end = i + c.len_utf8();
                // only where the next literal can start
                if let Some(l) = next_lit {
                    if literal_len(l, &rest[end..]).is_none() {
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
