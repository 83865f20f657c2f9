//! The layout of the generated Rust: rustfmt's, asked once per shape.
//!
//! The emitters' tokens are written out as text directly (no syntax tree), one
//! *unit* per top-level item: a run of `use`/`mod x;` items is one unit, since
//! rustfmt sorts within such a run, and a module's inner attributes are another.
//! Blocks are laid out piece by piece: an `impl` or `trait` block of 4 KiB or
//! more member by member, a struct field by field, an enum variant by variant,
//! a function of two statements or more (a top-level one, or a later member of
//! such an `impl` or `trait` block) statement by statement, and an `impl` whose
//! only method is one `match` arm by arm. The pieces are the block's head with
//! its first member (a function's: its signature and `{`, laid out over a
//! stand-in body), each later member inside one-letter wrapper blocks of its
//! block's kind (rustfmt lays out a member, field, variant, statement or arm by
//! its indentation alone), then its `}`. Doc attributes become `///` lines, as
//! prettyplease prints them. A piece this writer does not write as prettyplease
//! would is prettyplease's layout of it within its wrappers, unmasked.
//!
//! A unit's *shape* is its text with every identifier, ASCII string literal and
//! plain integer literal replaced by a placeholder of the same width, and its doc
//! lines left out (each goes back before the line of the word that followed it,
//! at that line's indentation; where that word does not start a line in
//! rustfmt's layout, the unit is laid out on its own). Keywords, macro names and
//! whatever sits inside an attribute other than a string stay as they are.
//! rustfmt decides a layout from token kinds and widths, so two units of one
//! shape get the same layout: rustfmt lays out each distinct shape once, and
//! every unit of that shape takes that layout with its own words put back.
//!
//! The text is spaced the way rustfmt spaces tokens where their kinds tell it
//! (`f(a, b)?.c::<T>()`, `&self`, `Vec<u8>`, `{ x }`): rustfmt compares each
//! construct it formats with the text it was given, and text it would write
//! itself costs it less. Two tokens are never written so that a lexer reads them
//! as one.
//!
//! Shapes that differ only in their words' widths are of one *class*. Where a
//! batch holds four shapes of a class or more (and the batch is large enough
//! for a second round to pay), rustfmt is not given each: it is given *brackets*
//! of up to sixteen of them, sorted by width, each as two texts, every word as
//! narrow as in the narrowest of its shapes and as wide as in the widest.
//! rustfmt's choices are whether stretches of text fit widths, and a stretch
//! only widens as its words do; where both ends come back laid out alike (the
//! same text between the words, the same lines for doc comments, no line over
//! rustfmt's width, where it may have kept a construct as written), every shape
//! of the bracket takes that layout. The shapes of a bracket whose ends differ
//! go to rustfmt one by one in a second round. Tests lay out units both ways and
//! compare.
//!
//! A layout is trusted only when rustfmt gave back the shape's words in the same
//! order and kept none of the spacing it never writes (where it cannot format a
//! construct it keeps it as given: that text, spaced as rustfmt spaces it, is
//! also what rustfmt keeps when it reads the generated file again). Every other
//! unit's file is laid out the way it was before this module existed: printed by
//! prettyplease, then formatted by rustfmt whole. Tests compare both ways on
//! every fixture and on generated hostile names.

use super::format;
use super::GeneratedFile;
use crate::diagnostics::Diagnostic;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::collections::HashMap;
use std::path::PathBuf;

/// How much text of new shapes [`Layout::send`] gathers before it starts rustfmt
/// (64 KiB before brackets: with them, 128 KiB took Quay client + server from
/// 181 to 169 ms and CircleCI's from 144 to 122 ms, interleaved; the Woodpecker
/// client the same).
const SEND_AT: usize = 128 * 1024;

/// A string literal this long may not fit a line wherever it stands, and rustfmt
/// keeps a construct it cannot fit as it was written: a unit holding one is
/// printed by prettyplease first.
const LONG_STRING: usize = 60;

/// The line rustfmt is given between two units, and gives back where it was.
const MARK: &str = "// ~specforge-unit~";

/// Identifiers kept in a shape: rustfmt reads keywords (strict, reserved and
/// contextual) for what they are.
const KEYWORDS: &[&str] = &[
    "_",
    "abstract",
    "as",
    "async",
    "auto",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "crate",
    "default",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "macro_rules",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "raw",
    "ref",
    "return",
    "safe",
    "self",
    "Self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "union",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
];

/// Macros whose arguments rustfmt lays out as expressions. A unit calling any
/// other macro is printed by prettyplease first: rustfmt keeps the text of
/// arguments it cannot parse as they were written.
const EXPRESSION_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "concat",
    "debug_assert",
    "eprint",
    "eprintln",
    "format",
    "include",
    "include_str",
    "matches",
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

/// What a masked stretch of a unit's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An identifier: `x` repeated.
    Ident,
    /// A string literal: its quotes kept, `x` between them.
    Str,
    /// An integer literal of digits only: `0` repeated.
    Int,
    /// The text of a doc comment after `///` or `//!`: nothing.
    Doc,
    /// A whole doc comment line, `///` to its newline: left out of the shape, and
    /// put back before the line of the word it stood before (rustfmt keeps a
    /// comment line as it is, at the indentation of what follows it).
    DocLine,
}

/// A masked stretch of a unit's text, in bytes.
#[derive(Debug, Clone, Copy)]
struct Masked {
    start: u32,
    end: u32,
    kind: Kind,
}

/// Where a unit sits: a top-level item whole, or a piece of a block laid out
/// piece by piece (the pieces need not fit one rustfmt process, and pieces of one
/// shape share a layout wherever their blocks are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    /// A whole item (or run of items).
    Item,
    /// A block's head with its first member, written as the whole item; its last
    /// lines (the `}` of the block, and of the blocks the first member opens when
    /// it is laid out piece by piece too: how many) are left out of its layout.
    Open(u8),
    /// A later member, given to rustfmt inside a wrapper block of its block's kind
    /// (`impl W {`, `struct W {`..: rustfmt lays out a member, field or variant the
    /// same in any block, by its indentation alone); the wrapper's first and last
    /// lines are left out of its layout.
    Member(Wrapper),
    /// A function laid out statement by statement: its signature and `{`, given
    /// to rustfmt over a stand-in body (`x;`) whose lines are left out of its
    /// layout (rustfmt lays out a signature the same over any body but an empty
    /// one); a member's inside `impl W {` or `trait W {` (`Wrapper::Fn`: a
    /// top-level function's).
    Head(Wrapper),
    /// A later statement of a function's body (a run of `use` statements goes
    /// with the statement after it: rustfmt sorts them), inside `fn w() {` (within
    /// `impl W {` for a member's); the wrappers' lines are left out.
    Statement(Wrapper),
    /// A later arm of a `match` that is the whole body of an `impl` block's only
    /// method, inside `impl W {\nfn w() {\nmatch x {`; the wrappers' lines are
    /// left out.
    Arm,
    /// A block's closing `}`, this many blocks deep (0: a top-level item's).
    Close(u8),
}

/// The kind of block a piece sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Wrapper {
    Impl,
    Trait,
    Struct,
    Enum,
    /// a top-level function's body
    Fn,
}

/// What comes before and after a unit's text in what rustfmt is given, and the
/// same lines as rustfmt lays them out (cut from the layout).
struct Frame {
    before: &'static str,
    after: &'static str,
    laid_before: &'static str,
    laid_after: &'static str,
}

impl Part {
    /// How many blocks deep a unit of this part sits in its item.
    fn depth(self) -> usize {
        match self {
            Part::Item | Part::Open(_) | Part::Close(_) => 0,
            Part::Head(Wrapper::Fn) => 0,
            Part::Member(_) | Part::Head(_) | Part::Statement(Wrapper::Fn) => 1,
            Part::Statement(_) => 2,
            Part::Arm => 3,
        }
    }

    fn frame(self) -> Frame {
        let frame = |before, after, laid_before, laid_after| Frame {
            before,
            after,
            laid_before,
            laid_after,
        };
        let head = |w: Wrapper| match w {
            Wrapper::Impl => "impl W {\n",
            Wrapper::Trait => "trait W {\n",
            Wrapper::Struct => "struct W {\n",
            Wrapper::Enum => "enum W {\n",
            Wrapper::Fn => "fn w() {\n",
        };
        match self {
            Part::Item | Part::Close(_) => frame("", "", "", ""),
            Part::Open(1) => frame("", "", "", "}\n"),
            // a head down to a method's `match` (the only other kind)
            Part::Open(_) => frame("", "", "", "        }\n    }\n}\n"),
            Part::Arm => frame(
                "impl W {\nfn w() {\nmatch x {\n",
                "}\n}\n}\n",
                "impl W {\n    fn w() {\n        match x {\n",
                "        }\n    }\n}\n",
            ),
            Part::Member(w) => frame(head(w), "}\n", head(w), "}\n"),
            Part::Head(Wrapper::Fn) => frame("", "x;\n}\n", "", "    x;\n}\n"),
            Part::Head(w) => frame(head(w), "x;\n}\n}\n", head(w), "        x;\n    }\n}\n"),
            Part::Statement(Wrapper::Impl) => frame(
                "impl W {\nfn w() {\n",
                "}\n}\n",
                "impl W {\n    fn w() {\n",
                "    }\n}\n",
            ),
            Part::Statement(Wrapper::Trait) => frame(
                "trait W {\nfn w() {\n",
                "}\n}\n",
                "trait W {\n    fn w() {\n",
                "    }\n}\n",
            ),
            Part::Statement(w) => frame(head(w), "}\n", head(w), "}\n"),
        }
    }
}

/// An `impl` or `trait` block written as text of at least this many bytes is
/// laid out member by member. A struct, enum or function of two members or
/// statements or more always is: its fields, variants and statements are where
/// the shapes of a crate repeat.
const SPLIT_AT: usize = 4 * 1024;

/// A member's body of at least this many statements is laid out statement by
/// statement.
const STATEMENTS_AT: usize = 2;

/// One top-level item (or a run of `use`/`mod` items, or a module's inner
/// attributes, or a piece of a large block) as text.
#[derive(Debug)]
pub(crate) struct Unit {
    text: String,
    masks: Vec<Masked>,
    /// The module's inner attributes (they must come first in a file).
    inner: bool,
    part: Part,
    /// a piece this writer does not write as prettyplease would: its text is
    /// prettyplease's layout of the piece within its wrappers, what rustfmt is
    /// given as it is
    pretty: bool,
}

impl Unit {
    /// Its length in bytes as written (before rustfmt).
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// Whether a file may start with it: not a module's inner attributes (they
    /// stay first in the module's own file), nor a piece of a block after its head.
    pub(crate) fn may_start_file(&self) -> bool {
        !self.inner
            && matches!(
                self.part,
                Part::Item | Part::Open(_) | Part::Head(Wrapper::Fn)
            )
    }

    /// What rustfmt or prettyplease is given for it: text that reads as a file
    /// on its own.
    fn standalone(&self) -> std::borrow::Cow<'_, str> {
        if self.pretty {
            return self.text.as_str().into();
        }
        self.part.standalone(&self.text)
    }

    /// The unit's shape, where its masks sit in it, and the lines of it where its
    /// doc lines were left out (see [`Unit::class`]).
    #[cfg(test)]
    fn shape(&self) -> (String, Vec<u32>, Vec<u32>) {
        let (key, widths, anchors) = self.class();
        let (shape, offsets) = synthesize(&key, &widths);
        (shape, offsets, anchors)
    }

    /// The unit's shape as its *class*: the shape's text with each mask one marker
    /// (so that shapes differing only in their words' widths are of one class),
    /// the masks' widths (identifiers, strings and integers, in order), and the
    /// lines of the shape (numbered from 0) before which its doc lines were left
    /// out. Units of one shape may differ in their doc lines. A unit whose text
    /// holds a marker (a Rust file never does: the writer escapes control
    /// characters in literals) is of no class.
    fn class(&self) -> (String, Vec<u32>, Vec<u32>) {
        if self.pretty {
            return (self.text.clone(), Vec::new(), Vec::new());
        }
        let frame = self.part.frame();
        let mut key = String::with_capacity(self.text.len() + 32);
        key.push_str(frame.before);
        let mut line = newlines(frame.before);
        let mut widths = Vec::with_capacity(self.masks.len());
        let mut anchors = Vec::new();
        let mut at = 0usize;
        for m in &self.masks {
            let (s, e) = (m.start as usize, m.end as usize);
            let between = &self.text[at..s];
            line += newlines(between);
            key.push_str(between);
            at = e;
            let marker = match m.kind {
                Kind::DocLine => {
                    anchors.push(line);
                    continue;
                }
                Kind::Doc => DOC_MARKER,
                Kind::Ident => IDENT_MARKER,
                Kind::Str => STR_MARKER,
                Kind::Int => INT_MARKER,
            };
            key.push(marker);
            if marker != DOC_MARKER {
                widths.push((e - s) as u32);
            }
        }
        key.push_str(&self.text[at..]);
        key.push_str(frame.after);
        (key, widths, anchors)
    }
}

/// How many lines a text ends (its `\n`s), as a line number.
fn newlines(text: &str) -> u32 {
    text.bytes().filter(|&b| b == b'\n').count() as u32
}

/// What stands for a mask in a class key ([`Unit::class`]): an identifier, a
/// string literal, an integer literal, a doc comment's text.
const IDENT_MARKER: char = '\u{1}';
const STR_MARKER: char = '\u{2}';
const INT_MARKER: char = '\u{3}';
const DOC_MARKER: char = '\u{4}';
const MARKERS: [char; 4] = [IDENT_MARKER, STR_MARKER, INT_MARKER, DOC_MARKER];

/// Whether a text holds a class key's marker.
fn holds_marker(text: &str) -> bool {
    text.contains(MARKERS)
}

/// About how long the shape of a class `key` is with its masks `widths` wide.
fn shape_len(key: &str, widths: &[u32]) -> usize {
    key.len() + widths.iter().sum::<u32>() as usize
}

/// The shape of a class with its masks `widths` wide: each identifier `x`
/// repeated, each string `"x.."`, each integer `0` repeated, a doc text nothing;
/// and where each mask sits in it.
fn synthesize(key: &str, widths: &[u32]) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(key.len() + widths.iter().sum::<u32>() as usize);
    let mut offsets = Vec::with_capacity(widths.len());
    let mut widths = widths.iter().map(|&w| w as usize);
    let mut at = 0;
    for (i, c) in key.match_indices(MARKERS) {
        out.push_str(&key[at..i]);
        at = i + c.len();
        offsets.push(out.len() as u32);
        let c = c.chars().next().unwrap_or(DOC_MARKER);
        if c == DOC_MARKER {
            continue;
        }
        let width = widths.next().unwrap_or(1);
        match c {
            IDENT_MARKER => out.extend(std::iter::repeat_n('x', width)),
            STR_MARKER => {
                out.push('"');
                out.extend(std::iter::repeat_n('x', width.saturating_sub(2)));
                out.push('"');
            }
            _ => out.extend(std::iter::repeat_n('0', width)),
        }
    }
    out.push_str(&key[at..]);
    (out, offsets)
}

/// A module's tokens as units: `chunks` of whole items (inner attributes only at
/// the start of the first).
pub(crate) fn units(chunks: Vec<TokenStream>) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut inner: Vec<TokenTree> = Vec::new();
    // the run of `use`/`mod` items being gathered
    let mut run: Vec<TokenTree> = Vec::new();
    let flush_run = |run: &mut Vec<TokenTree>, out: &mut Vec<Unit>| {
        if !run.is_empty() {
            out.push(unit(std::mem::take(run), false, true));
        }
    };
    for (n, chunk) in chunks.into_iter().enumerate() {
        let tokens: Vec<TokenTree> = chunk.into_iter().collect();
        let mut i = 0;
        if n == 0 {
            // `#![...]` at the very start
            while let (
                Some(TokenTree::Punct(h)),
                Some(TokenTree::Punct(b)),
                Some(TokenTree::Group(g)),
            ) = (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
            {
                if h.as_char() != '#' || b.as_char() != '!' || g.delimiter() != Delimiter::Bracket {
                    break;
                }
                inner.extend_from_slice(&tokens[i..i + 3]);
                i += 3;
            }
        }
        while i < tokens.len() {
            let start = i;
            i = item_end(&tokens, i);
            let item = &tokens[start..i];
            if is_grouped(item) {
                run.extend_from_slice(item);
            } else {
                flush_run(&mut run, &mut out);
                match split_match(item).or_else(|| split_block(item)) {
                    Some(pieces) => out.extend(pieces),
                    None => out.push(unit(item.to_vec(), false, false)),
                }
            }
        }
    }
    flush_run(&mut run, &mut out);
    if !inner.is_empty() {
        out.insert(0, unit(inner, true, true));
    }
    out
}

/// The hash (FNV-1a 64) of a file's text as written, before rustfmt: what the
/// layout kept between generations is keyed by.
pub(crate) fn hash(units: &[Unit]) -> u64 {
    let h = super::reuse::fnv64(super::GENERATED_HEADER.as_bytes());
    units.iter().fold(h, |h, u| {
        let tag = match u.part {
            Part::Item => 0,
            Part::Open(_) => 1,
            Part::Member(_) => 2,
            Part::Close(_) => 3,
            Part::Head(_) => 4,
            Part::Statement(_) => 5,
            Part::Arm => 6,
        };
        super::reuse::fnv64_on(super::reuse::fnv64_on(h, &[tag]), u.text.as_bytes())
    })
}

/// A file laid out by prettyplease alone (rustfmt is off), or why its text does
/// not parse (a specforge bug).
pub(crate) fn prettyplease_file(units: &[Unit]) -> Result<String, String> {
    let mut text = String::from(super::GENERATED_HEADER);
    for unit in units {
        let read = prettyplease_read(unit)?;
        text.push_str(
            unit.part
                .unwrap(&read)
                .ok_or("prettyplease wrote no block")?,
        );
    }
    Ok(text)
}

impl Part {
    /// What rustfmt or prettyplease is given for a unit of this part: text that
    /// reads as a file on its own.
    fn standalone(self, text: &str) -> std::borrow::Cow<'_, str> {
        let frame = self.frame();
        if frame.before.is_empty() && frame.after.is_empty() {
            return text.into();
        }
        format!("{}{text}{}", frame.before, frame.after).into()
    }

    /// Of the layout of [`Part::standalone`] text, the stretch that is the unit's:
    /// `None` where it is not laid out as blocks whose lines can be cut so.
    fn cut(self, laid: &str) -> Option<std::ops::Range<usize>> {
        let Frame {
            laid_before,
            laid_after,
            ..
        } = self.frame();
        let end = laid.len().checked_sub(laid_after.len())?;
        (laid.starts_with(laid_before)
            && laid.ends_with(laid_after)
            && end > laid_before.len()
            && (laid_after.is_empty() || laid[..end].ends_with('\n')))
        .then_some(laid_before.len()..end)
    }

    /// [`Part::cut`]'s stretch of `laid`.
    fn unwrap(self, laid: &str) -> Option<&str> {
        self.cut(laid).map(|r| &laid[r])
    }
}

/// Of an item, the kind of block it is (`impl`, `trait`, `struct`, `enum`, or a
/// function, with a `{}` body) and its members (each whole, attributes included;
/// a function's: its statements).
fn block(item: &[TokenTree]) -> Option<(Wrapper, Vec<Vec<TokenTree>>)> {
    let word = |i: usize| word_at(item, i);
    let mut i = past_attributes_and_visibility(item);
    while matches!(word(i).as_deref(), Some("unsafe" | "async" | "const")) {
        i += 1;
    }
    let wrapper = match word(i).as_deref() {
        Some("impl") => Wrapper::Impl,
        Some("trait") => Wrapper::Trait,
        Some("struct") => Wrapper::Struct,
        Some("enum") => Wrapper::Enum,
        Some("fn") => Wrapper::Fn,
        _ => return None,
    };
    let Some(TokenTree::Group(body)) = item.last() else {
        return None;
    };
    if body.delimiter() != Delimiter::Brace {
        return None;
    }
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    // inner attributes of the block stay with its head
    if matches!(tokens.first(), Some(TokenTree::Punct(p)) if p.as_char() == '#')
        && matches!(tokens.get(1), Some(TokenTree::Punct(p)) if p.as_char() == '!')
    {
        return None;
    }
    let members = match wrapper {
        Wrapper::Impl | Wrapper::Trait => {
            let mut members = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                let start = i;
                i = item_end(&tokens, i);
                members.push(tokens[start..i].to_vec());
            }
            members
        }
        Wrapper::Struct | Wrapper::Enum => fields(&tokens)?,
        Wrapper::Fn => statements(&tokens),
    };
    Some((wrapper, members))
}

/// A struct's fields or an enum's variants, each with its comma; `None` where a
/// comma may sit inside a generic argument list this cannot follow.
fn fields(tokens: &[TokenTree]) -> Option<Vec<Vec<TokenTree>>> {
    let mut out = Vec::new();
    let (mut start, mut angles) = (0, 0u32);
    let mut arrow = false;
    for (i, t) in tokens.iter().enumerate() {
        let TokenTree::Punct(p) = t else {
            arrow = false;
            continue;
        };
        match p.as_char() {
            '<' => angles += 1,
            '>' if !arrow => angles = angles.checked_sub(1)?,
            ',' if angles == 0 => {
                out.push(tokens[start..=i].to_vec());
                start = i + 1;
            }
            '=' => return None, // a discriminant: an expression
            _ => {}
        }
        arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
    }
    if angles != 0 {
        return None;
    }
    if start < tokens.len() {
        out.push(tokens[start..].to_vec());
    }
    Some(out)
}

/// A body's statements, each up to its `;` (the last may be an expression); a
/// `use` statement stays with what follows it.
fn statements(tokens: &[TokenTree]) -> Vec<Vec<TokenTree>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if matches!(t, TokenTree::Punct(p) if p.as_char() == ';') {
            let statement = &tokens[start..=i];
            if word_at(statement, past_attributes_and_visibility(statement)).as_deref()
                == Some("use")
            {
                continue;
            }
            out.push(statement.to_vec());
            start = i + 1;
        }
    }
    if start < tokens.len() {
        out.push(tokens[start..].to_vec());
    }
    out
}

/// Where the item (or associated item) starting at `i` ends: after its `;`, or
/// after a `{}` body no `;` follows.
fn item_end(tokens: &[TokenTree], mut i: usize) -> usize {
    while i < tokens.len() {
        let ends = match &tokens[i] {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
        i += 1;
        if ends {
            break;
        }
    }
    i
}

/// A unit of literal text (an `include!` line), laid out with the rest.
pub(crate) fn text_unit(tokens: TokenStream) -> Unit {
    unit(tokens.into_iter().collect(), false, false)
}

/// The identifier at `i` of `item`, if that is one.
fn word_at(item: &[TokenTree], i: usize) -> Option<String> {
    match item.get(i) {
        Some(TokenTree::Ident(id)) => Some(id.to_string()),
        _ => None,
    }
}

/// Where an item's keyword sits: past its attributes and its `pub` (or `pub(..)`).
fn past_attributes_and_visibility(item: &[TokenTree]) -> usize {
    let mut i = 0;
    while let (Some(TokenTree::Punct(p)), Some(TokenTree::Group(_))) =
        (item.get(i), item.get(i + 1))
    {
        if p.as_char() != '#' {
            break;
        }
        i += 2;
    }
    if word_at(item, i).as_deref() == Some("pub") {
        i += 1;
        if matches!(item.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
        {
            i += 1;
        }
    }
    i
}

/// Whether an item is one rustfmt orders among its neighbours: `use`, `mod x;`,
/// `extern crate`.
fn is_grouped(item: &[TokenTree]) -> bool {
    let word = |i: usize| word_at(item, i);
    let i = past_attributes_and_visibility(item);
    match word(i).as_deref() {
        Some("use") => true,
        Some("extern") => word(i + 1).as_deref() == Some("crate"),
        Some("mod") => {
            matches!(item.last(), Some(TokenTree::Punct(p)) if p.as_char() == ';')
                && item.len() == i + 3
        }
        _ => false,
    }
}

/// Write `tokens` as a unit; where they hold what this writer does not render as
/// prettyplease would (a doc attribute of several lines, an invisible group, a
/// macro rustfmt cannot read), the unit is prettyplease's text, unmasked.
fn unit(tokens: Vec<TokenTree>, inner: bool, keep: bool) -> Unit {
    let (mut u, plain) = written(&tokens, Part::Item, keep);
    if !plain {
        let stream: TokenStream = tokens.into_iter().collect();
        if let Ok(file) = syn::parse2::<syn::File>(stream) {
            u.text = prettyplease::unparse(&file);
            u.masks.clear();
        }
    }
    u.inner = inner;
    u
}

/// `tokens` written as a unit of `part` (masks dropped where `keep`), and whether
/// this writer writes them as prettyplease would.
fn written(tokens: &[TokenTree], part: Part, keep: bool) -> (Unit, bool) {
    let mut w = Writer {
        text: String::new(),
        masks: Vec::new(),
        plain: true,
        last: Last::Start,
        quote: false,
        // a piece is written at the depth it has in its item (which decides what
        // its doc lines are: see `Writer::doc`)
        open: vec!['{'; part.depth()],
        levels: vec![Level::default()],
        declaring: false,
    };
    w.stream(tokens, false);
    if !w.text.ends_with('\n') {
        w.text.push('\n');
    }
    if keep {
        w.masks.clear();
    }
    anchor_doc_lines(&w.text, &mut w.masks);
    let unit = Unit {
        text: w.text,
        masks: w.masks,
        inner: false,
        part,
        pretty: false,
    };
    (unit, w.plain)
}

/// [`written`]; where this writer does not write it as prettyplease would,
/// prettyplease's own layout of the piece, unmasked (as [`unit`] does for a
/// whole item); `None` where prettyplease cannot read it either.
fn plain_unit(tokens: &[TokenTree], part: Part) -> Option<Unit> {
    let (mut unit, plain) = written(tokens, part, false);
    if !plain {
        unit.text = prettyplease_read(&unit).ok()?;
        unit.masks.clear();
        unit.pretty = true;
    }
    Some(unit)
}

/// A block as units: its head with its first member, each later member (a
/// member of an `impl` or `trait` with a long enough body: its head with its
/// first statement, each later statement, its `}`), its closing `}`; `None`
/// where it is not such a block (or too small to be worth it), or this writer
/// does not write each piece as prettyplease would.
fn split_block(item: &[TokenTree]) -> Option<Vec<Unit>> {
    let (wrapper, members) = block(item)?;
    if members.len() < 2 {
        return None;
    }
    if wrapper == Wrapper::Fn {
        return by_statement(item, &members, Wrapper::Fn);
    }
    let mut head = item[..item.len() - 1].to_vec();
    let body = members[0].iter().cloned().collect();
    head.push(TokenTree::Group(proc_macro2::Group::new(
        Delimiter::Brace,
        body,
    )));
    let mut out = vec![plain_unit(&head, Part::Open(1))?];
    for member in &members[1..] {
        match member_by_statement(member, wrapper) {
            Some(pieces) => out.extend(pieces),
            None => out.push(plain_unit(member, piece(wrapper))?),
        }
    }
    let worth = match wrapper {
        Wrapper::Impl | Wrapper::Trait => out.iter().map(Unit::len).sum::<usize>() >= SPLIT_AT,
        _ => true,
    };
    if !worth {
        return None;
    }
    out.push(close(0));
    Some(out)
}

/// An `impl` block whose only member is a method whose whole body is a `match`
/// of two arms or more, as units: the block's head down to the first arm, each
/// later arm, the three `}`; `None` where it is not such a block, an arm is not
/// where this can tell, or a piece is not written as prettyplease would.
fn split_match(item: &[TokenTree]) -> Option<Vec<Unit>> {
    let (Wrapper::Impl, members) = block(item)? else {
        return None;
    };
    let [method] = members.as_slice() else {
        return None;
    };
    let (Wrapper::Fn, statements) = block(method)? else {
        return None;
    };
    let [body] = statements.as_slice() else {
        return None;
    };
    if word_at(body, 0).as_deref() != Some("match") {
        return None;
    }
    let Some(TokenTree::Group(g)) = body.last() else {
        return None;
    };
    if g.delimiter() != Delimiter::Brace {
        return None;
    }
    let arms = arms(&g.stream().into_iter().collect::<Vec<_>>())?;
    if arms.len() < 2 {
        return None;
    }
    let group = |tokens: Vec<TokenTree>| {
        TokenTree::Group(proc_macro2::Group::new(
            Delimiter::Brace,
            tokens.into_iter().collect(),
        ))
    };
    let with_last = |outer: &[TokenTree], last: TokenTree| {
        let mut v = outer[..outer.len() - 1].to_vec();
        v.push(last);
        v
    };
    let first = with_last(body, group(arms[0].clone()));
    let method = with_last(method, group(first));
    let head = with_last(item, group(method));
    let mut out = vec![plain_unit(&head, Part::Open(3))?];
    for arm in &arms[1..] {
        out.push(plain_unit(arm, Part::Arm)?);
    }
    out.extend([close(2), close(1), close(0)]);
    Some(out)
}

/// A `match`'s arms, each with its comma (a block body's is optional); `None`
/// where a body may hold a comma this cannot follow (a closure's, a generic
/// argument list's).
fn arms(tokens: &[TokenTree]) -> Option<Vec<Vec<TokenTree>>> {
    let punct =
        |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut out = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        let arrow = (start..tokens.len()).find(|&k| {
            matches!(&tokens[k], TokenTree::Punct(p) if p.as_char() == '=' && p.spacing() == Spacing::Joint)
                && punct(tokens.get(k + 1), '>')
        })?;
        let body = arrow + 2;
        let comma = (body..tokens.len()).find(|&k| punct(tokens.get(k), ','));
        let end = match (&tokens.get(body), comma) {
            (Some(TokenTree::Group(g)), Some(c))
                if g.delimiter() == Delimiter::Brace && c == body + 1 =>
            {
                c + 1
            }
            (Some(TokenTree::Group(g)), None)
                if g.delimiter() == Delimiter::Brace && body + 1 == tokens.len() =>
            {
                tokens.len()
            }
            (_, Some(c)) => c + 1,
            (_, None) => tokens.len(),
        };
        if tokens[body..end]
            .iter()
            .any(|t| punct(Some(t), '<') || punct(Some(t), '|'))
        {
            return None;
        }
        out.push(tokens[start..end].to_vec());
        start = end;
    }
    Some(out)
}

/// What a later member (or statement) of a block of this kind is.
fn piece(wrapper: Wrapper) -> Part {
    match wrapper {
        Wrapper::Fn => Part::Statement(Wrapper::Fn),
        w => Part::Member(w),
    }
}

/// A block's closing `}`, `depth` blocks deep.
fn close(depth: u8) -> Unit {
    Unit {
        text: format!("{}}}\n", "    ".repeat(usize::from(depth))),
        masks: Vec::new(),
        inner: false,
        part: Part::Close(depth),
        pretty: false,
    }
}

/// A later member of an `impl` or `trait` block as its head, its statements and
/// its `}`; `None` where it is not a function with a body of [`STATEMENTS_AT`]
/// statements or more, or a piece is not written as prettyplease would.
fn member_by_statement(member: &[TokenTree], wrapper: Wrapper) -> Option<Vec<Unit>> {
    if !matches!(wrapper, Wrapper::Impl | Wrapper::Trait) {
        return None;
    }
    let (Wrapper::Fn, statements) = block(member)? else {
        return None;
    };
    if statements.len() < STATEMENTS_AT {
        return None;
    }
    by_statement(member, &statements, wrapper)
}

/// A function (a top-level one where `wrapper` is `Fn`, else a member of such a
/// block) as its head, each statement and its `}`.
fn by_statement(
    function: &[TokenTree],
    statements: &[Vec<TokenTree>],
    wrapper: Wrapper,
) -> Option<Vec<Unit>> {
    let (mut head, plain) = written(&function[..function.len() - 1], Part::Head(wrapper), false);
    if !plain {
        return None;
    }
    while head.text.ends_with('\n') {
        head.text.pop();
    }
    head.text.push_str(" {\n");
    let mut out = vec![head];
    for statement in statements {
        out.push(plain_unit(statement, Part::Statement(wrapper))?);
    }
    out.push(close(u8::from(wrapper != Wrapper::Fn)));
    Some(out)
}

/// A doc line is left out of the shape only where what follows it starts with a
/// word (or is an attribute that does, or another comment): that word is where it
/// goes back. Else only its text is left out, and the `///` stays in the shape.
fn anchor_doc_lines(text: &str, masks: &mut Vec<Masked>) {
    masks.retain_mut(|m| {
        if m.kind != Kind::DocLine {
            return true;
        }
        if anchor_word(text, m.end as usize).is_some() {
            return true;
        }
        match text_of_doc_line(*m) {
            Some(text) => {
                *m = text;
                true
            }
            None => false,
        }
    });
}

/// Of a doc line's mask, the mask of its text alone (`None` for an empty doc): the
/// `///` or `//!` stays in the shape.
fn text_of_doc_line(line: Masked) -> Option<Masked> {
    // `///` or `//!`, the text, the newline
    let (start, end) = (line.start + 3, line.end - 1);
    (end > start).then_some(Masked {
        start,
        end,
        kind: Kind::Doc,
    })
}

/// Where the word a line starting at `at` begins with starts, past an attribute's
/// `#[` or `#![`; `None` where the line starts otherwise.
fn anchor_word(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let skip = if rest.starts_with("#![") {
        3
    } else if rest.starts_with("#[") {
        2
    } else {
        0
    };
    let c = rest[skip..].chars().next()?;
    (c == '_' || c.is_alphabetic() || (skip == 0 && rest.starts_with("//"))).then_some(at + skip)
}

/// What was written last, for the space before the next token: the writer spaces
/// tokens as rustfmt does where their kinds tell it (no space before `,`, `;`,
/// `.`, `?`, a call's `(`, none inside a generic `<..>`), so rustfmt finds most
/// of a shape as it would write it. Two marks are never joined where rustfmt's
/// lexer could read them as one (a space stays between them unless the first was
/// joint to the second in the emitted tokens).
#[derive(Clone, Copy, PartialEq)]
enum Last {
    /// At the start of a line or just inside an opening delimiter: no space.
    Start,
    /// After a punctuation mark joint to the next one (the first of `::`, `->`,
    /// `&&`, or a lifetime's `'`): no space.
    Joint(char),
    /// After an identifier or keyword.
    Word {
        /// a keyword that starts an expression or clause (`if`, `as`, `in`,
        /// `return`, `mut`...): a `(`, `[` or `::` after it takes a space
        keyword: bool,
        /// a `<` after it opens generic arguments: a type-like name, `impl`,
        /// `for`, or the name an item declares
        generic: bool,
    },
    /// After a literal.
    Lit,
    /// After a closing delimiter, an attribute, or a postfix `?`.
    Close,
    /// After the `>` closing generic arguments.
    Angle,
    /// After a mark the next word or group sticks to: `.`, the second `:` of
    /// `::`, a unary `&`, `*`, `-` or `!`, a macro's `!`, a generic `<`, a
    /// closure's opening `|`, the end of `..`.
    Glue(char),
    /// After any other mark: a space.
    Punct,
}

/// Keywords after which rustfmt puts a space before `(`, `[` or `::`.
const SPACED_KEYWORDS: &[&str] = &[
    "as", "async", "box", "break", "const", "continue", "dyn", "else", "enum", "extern", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "ref", "return", "static",
    "struct", "trait", "type", "union", "unsafe", "use", "where", "while", "yield",
];

/// Keywords whose next word is the name an item declares (a `<` after it opens
/// the item's generic parameters).
const DECLARING: &[&str] = &["fn", "struct", "enum", "trait", "type", "union"];

/// Per open group: the generic argument lists open in it, and whether a
/// closure's parameters are being written.
#[derive(Clone, Copy, Default)]
struct Level {
    angles: u32,
    closure: bool,
}

struct Writer {
    text: String,
    masks: Vec<Masked>,
    plain: bool,
    last: Last,
    /// just after the `'` of a lifetime
    quote: bool,
    /// the delimiters of the groups being written, outermost first
    open: Vec<char>,
    /// per group being written (and the unit itself, first)
    levels: Vec<Level>,
    /// the last word written was a declaring keyword (`fn`, `struct`..)
    declaring: bool,
}

impl Writer {
    /// A space unless the last token is one the next sticks to.
    fn space(&mut self) {
        self.gap(true);
    }

    /// A space where `space` and the last token is not one the next sticks to.
    fn gap(&mut self, space: bool) {
        if space && !matches!(self.last, Last::Start | Last::Joint(_) | Last::Glue(_)) {
            self.text.push(' ');
        }
    }

    fn level(&mut self) -> &mut Level {
        if self.levels.is_empty() {
            self.levels.push(Level::default());
        }
        self.levels.last_mut().expect("just pushed")
    }

    fn mask(&mut self, start: usize, kind: Kind) {
        self.masks.push(Masked {
            start: start as u32,
            end: self.text.len() as u32,
            kind,
        });
    }

    fn stream(&mut self, tokens: &[TokenTree], in_attr: bool) {
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    // an attribute: `#[..]` or `#![..]`
                    let bang = matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                    let at = if bang { i + 2 } else { i + 1 };
                    if let Some(TokenTree::Group(g)) = tokens.get(at) {
                        if g.delimiter() == Delimiter::Bracket {
                            if let Some(doc) = doc_value(g.stream()) {
                                self.doc(&doc, bang);
                            } else {
                                self.space();
                                self.text.push_str(if bang { "#![" } else { "#[" });
                                let mut word = false;
                                self.attr_tokens(g.stream(), &mut word);
                                self.text.push(']');
                                self.last = Last::Close;
                            }
                            i = at + 1;
                            continue;
                        }
                    }
                    self.punct(p.as_char(), p.spacing(), false);
                }
                TokenTree::Punct(p) => {
                    let before_group = matches!(tokens.get(i + 1), Some(TokenTree::Group(_)));
                    self.punct(p.as_char(), p.spacing(), before_group)
                }
                TokenTree::Ident(id) => {
                    let word = id.to_string();
                    let is_macro = matches!(tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!')
                        && matches!(tokens.get(i + 2), Some(TokenTree::Group(_)));
                    if is_macro && !EXPRESSION_MACROS.contains(&word.as_str()) {
                        self.plain = false;
                    }
                    self.space();
                    let keyword = SPACED_KEYWORDS.contains(&word.as_str());
                    let generic = word.starts_with(|c: char| c.is_ascii_uppercase())
                        || word == "impl"
                        || word == "for"
                        || self.declaring;
                    self.declaring = DECLARING.contains(&word.as_str());
                    let start = self.text.len();
                    self.text.push_str(&word);
                    if !in_attr
                        && !is_macro
                        && !self.quote
                        && word.is_ascii()
                        && !KEYWORDS.contains(&word.as_str())
                    {
                        self.mask(start, Kind::Ident);
                    }
                    self.last = Last::Word { keyword, generic };
                    self.quote = false;
                }
                TokenTree::Literal(lit) => {
                    let text = lit.to_string();
                    self.space();
                    let start = self.text.len();
                    self.text.push_str(&text);
                    let b = text.as_bytes();
                    if b.first() == Some(&b'"') && b.len() > LONG_STRING && !in_attr {
                        self.plain = false;
                    }
                    if b.first() == Some(&b'"')
                        && b.len() >= 2
                        && b.last() == Some(&b'"')
                        && text.is_ascii()
                        && !text.contains(['\n', '\r'])
                    {
                        self.mask(start, Kind::Str);
                    } else if b.iter().all(u8::is_ascii_digit) {
                        self.mask(start, Kind::Int);
                    }
                    self.declaring = false;
                    self.last = Last::Lit;
                }
                TokenTree::Group(g) => self.group(g, in_attr),
            }
            i += 1;
        }
    }

    /// An attribute's tokens spaced as prettyplease spaces them (rustfmt keeps some
    /// of an attribute's text as it was written, the paths in a `derive` among
    /// them): a space between two words, after a comma and around `=`, none
    /// inside delimiters, no trailing comma. Only string literals are masked.
    fn attr_tokens(&mut self, tokens: TokenStream, word: &mut bool) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            match t {
                TokenTree::Ident(id) => {
                    if *word {
                        self.text.push(' ');
                    }
                    self.text.push_str(&id.to_string());
                    *word = true;
                }
                TokenTree::Literal(lit) => {
                    if *word {
                        self.text.push(' ');
                    }
                    let text = lit.to_string();
                    let start = self.text.len();
                    self.text.push_str(&text);
                    if text.len() >= 2
                        && text.starts_with('"')
                        && text.ends_with('"')
                        && text.is_ascii()
                        && !text.contains(['\n', '\r'])
                    {
                        self.mask(start, Kind::Str);
                    }
                    *word = true;
                }
                TokenTree::Punct(p) => {
                    let c = p.as_char();
                    if c == '=' && *word {
                        self.text.push(' ');
                    }
                    if c == ',' && i + 1 == tokens.len() {
                        // a trailing comma: dropped on one line
                    } else {
                        self.text.push(c);
                        if c == '=' || c == ',' {
                            self.text.push(' ');
                        }
                    }
                    *word = false;
                }
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    self.text.push_str(open);
                    *word = false;
                    self.attr_tokens(g.stream(), word);
                    self.text.push_str(close);
                    *word = false;
                }
            }
        }
    }

    /// A punctuation mark (`before_group`: a group comes next), spaced by what it
    /// is here: see [`Last`].
    fn punct(&mut self, c: char, spacing: Spacing, before_group: bool) {
        let joint = spacing == Spacing::Joint;
        self.quote = c == '\'';
        self.declaring = false;
        let last = self.last;
        // after a name, a literal or a closing delimiter, a mark is an operator
        // between two operands (or a postfix); elsewhere it is a prefix
        let operand = matches!(
            last,
            Last::Word { keyword: false, .. } | Last::Lit | Last::Close | Last::Angle
        );
        let after = if let Last::Joint(first) = last {
            // the rest of a mark of several characters, or a lifetime's name: stuck
            self.text.push(c);
            match (first, c) {
                (':', ':') if !joint => Last::Glue(':'),
                ('.', '.') if !joint => Last::Glue('.'),
                ('-' | '=', '>') => Last::Punct,
                (_, '>') if self.level().angles > 0 => {
                    self.level().angles -= 1;
                    if joint {
                        Last::Joint(c)
                    } else {
                        Last::Angle
                    }
                }
                _ if joint => Last::Joint(c),
                _ => Last::Punct,
            }
        } else {
            let (space, after) = match c {
                ',' | ';' => (false, Last::Punct),
                '.' if joint => (last == Last::Punct, Last::Joint(c)),
                '.' => (!operand, Last::Glue(c)),
                '?' if operand => (false, Last::Close),
                ':' if joint => (
                    !matches!(
                        last,
                        Last::Word { keyword: false, .. } | Last::Angle | Last::Glue(_)
                    ),
                    Last::Joint(c),
                ),
                ':' => (!operand, Last::Punct),
                '<' if !joint
                    && matches!(last, Last::Glue(':') | Last::Word { generic: true, .. }) =>
                {
                    self.level().angles += 1;
                    (false, Last::Glue(c))
                }
                '>' if self.level().angles > 0 => {
                    self.level().angles -= 1;
                    (false, if joint { Last::Joint(c) } else { Last::Angle })
                }
                '&' | '*' | '-' | '!' | '|' if joint => (true, Last::Joint(c)),
                '!' if matches!(last, Last::Word { keyword: false, .. }) && before_group => {
                    (false, Last::Glue(c))
                }
                '|' if self.level().closure => {
                    self.level().closure = false;
                    (false, Last::Punct)
                }
                '&' | '*' | '-' | '|' if operand => (true, Last::Punct),
                '|' => {
                    self.level().closure = true;
                    (true, Last::Glue(c))
                }
                '&' | '*' | '-' | '!' => (true, Last::Glue(c)),
                '\'' => (true, Last::Joint(c)),
                _ if joint => (true, Last::Joint(c)),
                _ => (true, Last::Punct),
            };
            // a mark after a mark the next word sticks to stays apart from it:
            // rustfmt's lexer could read the two as one
            let stuck = matches!(last, Last::Glue(_))
                && !matches!(
                    (last, c),
                    (Last::Glue(':'), '<' | '*')
                        | (Last::Glue('<'), '&' | '*' | '\'' | ':')
                        | (Last::Glue('&' | '*'), '&' | '*' | '\'')
                );
            if stuck {
                self.text.push(' ');
            } else {
                self.gap(space);
            }
            self.text.push(c);
            after
        };
        self.last = after;
    }

    fn group(&mut self, g: &proc_macro2::Group, in_attr: bool) {
        let (open, close) = match g.delimiter() {
            Delimiter::Parenthesis => ('(', ')'),
            Delimiter::Brace => ('{', '}'),
            Delimiter::Bracket => ('[', ']'),
            Delimiter::None => {
                // precedence without delimiters: prettyplease's reading decides
                self.plain = false;
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                self.stream(&inner, in_attr);
                return;
            }
        };
        let space = match (open, self.last) {
            (_, Last::Start | Last::Joint(_) | Last::Glue(_)) => false,
            ('{', _) => true,
            (_, Last::Word { keyword, .. }) => keyword,
            (_, Last::Close | Last::Angle) => false,
            _ => true,
        };
        // `{ .. }` on one line is padded, but for a `use` tree's `::{..}`
        let padded = open == '{' && self.last != Last::Glue(':') && !g.stream().is_empty();
        self.declaring = false;
        self.gap(space);
        self.text.push(open);
        if padded {
            self.text.push(' ');
        }
        self.last = Last::Start;
        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
        self.open.push(open);
        self.levels.push(Level::default());
        self.stream(&inner, in_attr);
        self.levels.pop();
        self.open.pop();
        if padded && !self.text.ends_with([' ', '\n']) {
            self.text.push(' ');
        }
        self.text.push(close);
        self.last = Last::Close;
    }

    /// A doc attribute, as prettyplease prints it: one `///` (or `//!`) line when
    /// the text is one line (and an outer one does not start with `/`).
    fn doc(&mut self, doc: &str, inner: bool) {
        if doc.contains('\n') || (!inner && doc.starts_with('/')) {
            self.plain = false;
            return;
        }
        let doc = doc.trim_end_matches(' ');
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        let start = self.text.len();
        self.text.push_str(if inner { "//!" } else { "///" });
        self.text.push_str(doc);
        self.text.push('\n');
        // rustfmt keeps a comment's text but for trailing white space
        if !doc.ends_with(char::is_whitespace) && !doc.contains(char::is_control) {
            // an item's, a member's, a field's or variant's doc: rustfmt lays those
            // one per line with or without the doc, so the line may be left out of
            // the shape; deeper (a struct variant's fields, a tuple's) a comment is
            // what keeps a list from one line, so only the text is left out
            self.mask(start, Kind::DocLine);
            if !matches!(self.open.as_slice(), [] | ['{']) {
                let line = self.masks.pop().expect("just pushed");
                self.masks.extend(text_of_doc_line(line));
            }
        }
        self.last = Last::Start;
    }
}

/// The text of `doc = "..."`.
fn doc_value(tokens: TokenStream) -> Option<String> {
    let mut it = tokens.into_iter();
    match (it.next(), it.next(), it.next(), it.next()) {
        (
            Some(TokenTree::Ident(id)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Literal(lit)),
            None,
        ) if id == "doc" && eq.as_char() == '=' => match syn::Lit::new(lit) {
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// A word of laid-out text: what rustfmt may move but never changes.
struct Word {
    start: u32,
    end: u32,
}

/// The words of `text` (identifiers, literals, lifetimes, comments) in order, or
/// `None` where the text shows spacing rustfmt never writes (it kept text it could
/// not format as it was given).
fn words(text: &str, strict: bool) -> Option<Vec<Word>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // whether only indentation precedes i on its line
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/")?;
                i += 2 + end + 2;
            }
            b'"' => i = string_end(b, i + 1)?,
            b'\'' => {
                // a char literal, or a lifetime
                if b.get(i + 1) == Some(&b'\\') {
                    // an escape: the escaped character, then up to the closing quote
                    let mut j = i + 3;
                    while j < b.len() && b[j] != b'\'' {
                        j += 1;
                    }
                    i = j + 1;
                } else {
                    let ch = text[i + 1..].chars().next()?;
                    let after = i + 1 + ch.len_utf8();
                    if b.get(after) == Some(&b'\'') {
                        i = after + 1;
                    } else {
                        i = ident_end(text, i + 1);
                    }
                }
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            _ if c == b'r' && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) => {
                if b.get(i + 1) == Some(&b'#')
                    && b.get(i + 2)
                        .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_')
                {
                    i = ident_end(text, i + 2); // a raw identifier
                } else {
                    i = raw_string_end(text, i + 1)?;
                }
            }
            _ if (c == b'b' || c == b'c') && b.get(i + 1) == Some(&b'"') => {
                i = string_end(b, i + 2)?;
            }
            _ if (c == b'b' || c == b'c')
                && b.get(i + 1) == Some(&b'r')
                && matches!(b.get(i + 2), Some(b'"') | Some(b'#')) =>
            {
                i = raw_string_end(text, i + 2)?;
            }
            _ if c == b'b' && b.get(i + 1) == Some(&b'\'') => {
                let mut j = i + 2;
                if b.get(j) == Some(&b'\\') {
                    j += 1;
                }
                j += 1;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let end = ident_end(text, i);
                if end == i {
                    return None; // not a character rustfmt writes outside words
                }
                i = end;
            }
            _ => {
                // punctuation: after a space within a line, what rustfmt never writes
                let spaced = strict && !line_start && i > 0 && b[i - 1] == b' ';
                let next = b.get(i + 1).copied();
                let leaked = spaced
                    && match c {
                        b',' | b';' | b')' | b']' => true,
                        // `x ?`, not `?Sized`
                        b'?' => !next.is_some_and(|n| n == b'_' || n.is_ascii_alphabetic()),
                        b'.' => next.is_some_and(|n| n == b'_' || n.is_ascii_alphabetic()),
                        b':' => next == Some(b':') && b.get(i + 2) == Some(&b' '),
                        b'#' => next == Some(b' ') || next == Some(b'['),
                        b'!' => {
                            next == Some(b' ')
                                && matches!(b.get(i + 2), Some(b'(') | Some(b'[') | Some(b'{'))
                        }
                        _ => false,
                    }
                    || (strict && c == b'#' && next == Some(b' '));
                if leaked {
                    return None;
                }
                line_start = false;
                i += 1;
                continue;
            }
        }
        line_start = false;
        out.push(Word {
            start: start as u32,
            end: i.min(b.len()) as u32,
        });
    }
    Some(out)
}

fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn raw_string_end(text: &str, i: usize) -> Option<usize> {
    let hashes = text[i..].bytes().take_while(|c| *c == b'#').count();
    let open = i + hashes;
    if text.as_bytes().get(open) != Some(&b'"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let end = text[open + 1..].find(&close)?;
    Some(open + 1 + end + close.len())
}

fn ident_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (k, ch) in text[start..].char_indices() {
        let ok = if k == 0 {
            ch == '_' || unicode_ident::is_xid_start(ch)
        } else {
            unicode_ident::is_xid_continue(ch)
        };
        if !ok {
            break;
        }
        end = start + k + ch.len_utf8();
    }
    end
}

/// A shape's layout: rustfmt's text, and where each mask's word goes in it.
#[derive(Clone)]
struct Laid {
    text: String,
    /// per mask, the stretch of `text` its word replaces
    slots: Vec<(u32, u32)>,
    /// per line of the shape that starts with a word (or an attribute's `#[`
    /// and a word), ascending: its number in the shape (from 0), and where the line
    /// holding that word starts in `text` and how far that line is indented, if
    /// the word starts it there too (a doc line left out of the shape goes back
    /// there)
    lines: Vec<(u32, u32, u32)>,
}

impl Laid {
    /// The layout of a piece of a block (see [`Part::cut`]).
    fn cut(self, part: Part) -> Option<Laid> {
        let r = part.cut(&self.text)?;
        if r == (0..self.text.len()) {
            return Some(self);
        }
        let (start, end) = (r.start as u32, r.end as u32);
        let mut slots = Vec::with_capacity(self.slots.len());
        for &(s, e) in &self.slots {
            if s < start || e > end {
                return None;
            }
            slots.push((s - start, e - start));
        }
        let lines = self
            .lines
            .iter()
            .filter(|l| l.1 >= start && l.1 < end)
            .map(|&(i, o, n)| (i, o - start, n))
            .collect();
        Some(Laid {
            text: self.text[r].to_string(),
            slots,
            lines,
        })
    }

    /// Where each of a unit's left-out doc lines goes back in `text` (the start of
    /// a line, and its indentation), if every one has a place.
    fn places(&self, anchors: &[u32]) -> Option<Vec<(u32, u32)>> {
        anchors
            .iter()
            .map(|a| {
                let i = self.lines.binary_search_by_key(a, |l| l.0).ok()?;
                Some((self.lines[i].1, self.lines[i].2))
            })
            .collect()
    }
}

/// What is known of one shape.
struct Shape {
    class: u32,
    /// its masks' widths (see [`Unit::class`]), until it is sent to rustfmt
    widths: Vec<u32>,
    laid: Option<Laid>,
}

/// A file being laid out: its units, each with its shape and the lines of that
/// shape before which its doc lines were left out.
struct Pending {
    path: PathBuf,
    units: Vec<(Unit, u32, Vec<u32>)>,
}

/// Shapes that differ only in their words' widths (see [`Unit::class`]).
struct Class {
    part: Part,
    key: std::sync::Arc<str>,
    /// its shapes by their masks' widths
    shapes: HashMap<Vec<u32>, u32>,
}

/// What a batch asks rustfmt to lay out: a shape, or a bracket of shapes of one
/// class, each shape by its id and its masks' widths.
enum Ask {
    Shape(u32, Vec<u32>),
    /// Shapes of one class sent together: rustfmt is given two shapes of that
    /// class instead of each, every mask as narrow as in the narrowest of them
    /// and as wide as in the widest. rustfmt decides a layout by whether
    /// stretches of text fit widths, and a stretch only widens as its words do.
    /// Where both are laid out alike, with no line over the width rustfmt lays
    /// out to, each shape between them is laid out that way too (tests lay out
    /// shapes between two such one by one and compare); else each is given to
    /// rustfmt on its own, in a second round.
    Bracket(Vec<(u32, Vec<u32>)>),
}

/// A batch of shapes for rustfmt, each ask with its class's part and key.
type Batch = Vec<(Part, std::sync::Arc<str>, Ask)>;

/// What laying out a batch gave: each shape's layout (if one could be trusted),
/// and how many of its brackets were not alike; or why rustfmt could not be run.
type Done = Result<(Vec<(u32, Option<Laid>)>, usize), String>;

/// A class with this many shapes in a batch is given to rustfmt as brackets
/// ([`Ask::Bracket`]): two texts for fewer would save little, and a bracket whose ends
/// are not alike costs a second round.
const BRACKET_AT: usize = 4;

/// A batch of less text than this is given to rustfmt shape by shape: brackets
/// would save it less than the second round costs (a process started, about
/// 12 ms of a core, and waited for).
const BRACKETS_FROM: usize = 128 * 1024;

/// A bracket holds at most this many shapes: a class with more is bracketed in
/// runs of shapes of about the same width.
const BRACKET_SPAN: usize = 16;

/// The widest line rustfmt lays out (its `max_width`): a bracket with a longer
/// line in its layout may hold a construct rustfmt kept as written, which a
/// narrower shape need not be.
const MAX_WIDTH: usize = 100;

/// Counts of what [`Layout`] did, for tests and benchmarks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stats {
    /// units laid out
    pub(crate) units: usize,
    /// distinct shapes among them
    pub(crate) shapes: usize,
    /// texts rustfmt was given: shapes, and the two ends of each bracket
    pub(crate) asked: usize,
    /// brackets rustfmt was given
    pub(crate) brackets: usize,
    /// brackets whose two ends were not laid out alike (their shapes were then
    /// given to rustfmt one by one)
    pub(crate) brackets_split: usize,
    /// units whose shape's layout was not trusted (laid out one by one)
    pub(crate) units_retried: usize,
}

/// rustfmt's layout for a crate's files, each distinct shape asked once (or once
/// per class and batch: see [`Ask::Bracket`]).
pub(crate) struct Layout {
    classes: HashMap<(Part, std::sync::Arc<str>), u32>,
    class: Vec<Class>,
    shapes: Vec<Shape>,
    /// the shapes not yet given to rustfmt, in order, and how long their text is
    batch: (Vec<u32>, usize),
    /// batches being laid out, each on a thread of its own
    running: Vec<std::thread::JoinHandle<Done>>,
    /// the shape of every block's closing `}`, by depth, once one was added
    close: [Option<u32>; 3],
    files: Vec<Pending>,
    /// rustfmt processes loaded ahead of the next batch
    ready: format::Ready,
    /// a batch of this much text or more is bracketed ([`BRACKETS_FROM`])
    brackets_from: usize,
    stats: Stats,
}

impl Layout {
    pub(crate) fn new() -> Self {
        Self {
            classes: HashMap::new(),
            class: Vec::new(),
            shapes: Vec::new(),
            batch: (Vec::new(), 0),
            running: Vec::new(),
            close: [None; 3],
            files: Vec::new(),
            ready: format::Ready::default(),
            brackets_from: BRACKETS_FROM,
            stats: Stats::default(),
        }
    }

    /// Bracket batches of `at` bytes or more (tests: of any size, or none).
    #[cfg(test)]
    fn brackets_from(mut self, at: usize) -> Self {
        self.brackets_from = at;
        self
    }

    /// Have rustfmt processes loaded ([`format::Ready::fill`], on other threads)
    /// before the first batch is sent: a batch handed to one that is loaded is laid out
    /// about 8 ms sooner. For a generation that will send one.
    pub(crate) fn warm(&mut self) {
        self.ready.fill();
    }

    /// A new shape of class `class`, `widths` wide, laid out as `laid` if known.
    fn new_shape(&mut self, class: u32, widths: Vec<u32>, laid: Option<Laid>) -> u32 {
        self.shapes.push(Shape {
            class,
            widths,
            laid,
        });
        self.shapes.len() as u32 - 1
    }

    /// A new class of shapes, not found by its key where `find` is false.
    fn new_class(&mut self, part: Part, key: std::sync::Arc<str>, find: bool) -> u32 {
        let id = self.class.len() as u32;
        if find {
            self.classes.insert((part, key.clone()), id);
        }
        self.class.push(Class {
            part,
            key,
            shapes: HashMap::new(),
        });
        id
    }

    /// Lay out the file at `path` from its units.
    pub(crate) fn add(&mut self, path: PathBuf, units: Vec<Unit>) {
        let mut keyed = Vec::with_capacity(units.len());
        for unit in units {
            self.stats.units += 1;
            if let Part::Close(depth) = unit.part {
                // a block's `}`: nothing for rustfmt, one shape for all
                let id = match self.close[usize::from(depth)] {
                    Some(id) => id,
                    None => {
                        let class = self.new_class(unit.part, "".into(), false);
                        let laid = Laid {
                            text: unit.text.clone(),
                            slots: Vec::new(),
                            lines: Vec::new(),
                        };
                        let id = self.new_shape(class, Vec::new(), Some(laid));
                        self.close[usize::from(depth)] = Some(id);
                        id
                    }
                };
                keyed.push((unit, id, Vec::new()));
                continue;
            }
            if holds_marker(&unit.text) {
                // not to be told from a mask: laid out on its own (a retry)
                let class = self.new_class(unit.part, "".into(), false);
                let id = self.new_shape(class, Vec::new(), None);
                keyed.push((unit, id, Vec::new()));
                continue;
            }
            let (key, widths, anchors) = unit.class();
            let probe: (Part, std::sync::Arc<str>) = (unit.part, key.into());
            // a module's inner attributes are never shared: they go first
            let found = self.classes.get(&probe).copied().filter(|_| !unit.inner);
            let class = match found {
                Some(class) => class,
                None => self.new_class(probe.0, probe.1, !unit.inner),
            };
            let id = match self.class[class as usize].shapes.get(&widths) {
                Some(&id) => id,
                None => {
                    let len = shape_len(&self.class[class as usize].key, &widths);
                    let id = self.new_shape(class, widths.clone(), None);
                    self.class[class as usize].shapes.insert(widths, id);
                    let (ids, size) = &mut self.batch;
                    if unit.inner {
                        ids.insert(0, id);
                    } else {
                        ids.push(id);
                    }
                    *size += len + MARK.len() + 1;
                    id
                }
            };
            keyed.push((unit, id, anchors));
        }
        self.files.push(Pending { path, units: keyed });
    }

    /// Give rustfmt the shapes added since the last call, on other threads, once
    /// they are worth a process of their own (one costs about 10 ms of CPU before
    /// it formats anything, loaded ahead or not: sending each module at once
    /// where a loaded process waits made the Woodpecker client 57 -> 75 ms), and
    /// have processes loaded for the next batch: more shapes are to come.
    /// [`Layout::finish`] gives it the rest.
    pub(crate) fn send(&mut self) {
        if self.batch.1 >= SEND_AT {
            self.send_now();
            self.ready.fill();
        }
    }

    /// The batch to rustfmt, laid out on a thread of its own: each class's shapes
    /// in it as a bracket where there are [`BRACKET_AT`] or more, else each shape.
    fn send_now(&mut self) {
        let (ids, size) = std::mem::take(&mut self.batch);
        if ids.is_empty() {
            return;
        }
        self.stats.shapes += ids.len();
        let bracket_at = if size >= self.brackets_from {
            BRACKET_AT
        } else {
            usize::MAX
        };
        // the batch's shapes by class, in the order each class came first
        let mut order: Vec<u32> = Vec::new();
        let mut of_class: HashMap<u32, Vec<u32>> = HashMap::new();
        for id in ids {
            let class = self.shapes[id as usize].class;
            of_class
                .entry(class)
                .or_insert_with(|| {
                    order.push(class);
                    Vec::new()
                })
                .push(id);
        }
        let mut batch: Batch = Vec::with_capacity(order.len());
        // about how long the text of the first round is
        let mut len = 0;
        for class in order {
            let ids = of_class.remove(&class).unwrap_or_default();
            let Class { part, key, .. } = &self.class[class as usize];
            // a shape's widths are read once, here: it is asked once
            let shapes = &mut self.shapes;
            let mut shape = |id: u32| (id, std::mem::take(&mut shapes[id as usize].widths));
            if ids.len() < bracket_at {
                for id in ids {
                    let (id, widths) = shape(id);
                    len += shape_len(key, &widths);
                    self.stats.asked += 1;
                    batch.push((*part, key.clone(), Ask::Shape(id, widths)));
                }
            } else {
                // brackets of shapes of about the same width, so that a width where
                // rustfmt lays them out otherwise splits one bracket, not all
                let mut shapes: Vec<(u32, Vec<u32>)> = ids.into_iter().map(shape).collect();
                shapes.sort_by_key(|(_, widths)| widths.iter().sum::<u32>());
                let n = shapes.len().div_ceil(BRACKET_SPAN);
                let size = shapes.len().div_ceil(n);
                while !shapes.is_empty() {
                    let rest = shapes.split_off(size.min(shapes.len()));
                    len += 2 * key.len();
                    self.stats.asked += 2;
                    self.stats.brackets += 1;
                    batch.push((*part, key.clone(), Ask::Bracket(shapes)));
                    shapes = rest;
                }
            }
        }
        let ready = self.ready.take(format::processes_for(len));
        self.running
            .push(std::thread::spawn(move || lay_batch(batch, ready)));
    }

    /// Every file laid out: rustfmt's layout where it could be had, prettyplease's
    /// where rustfmt cannot run (one warning) or rejects a file (a warning naming
    /// it). Also the paths of the files rustfmt did not lay out.
    pub(crate) fn finish(mut self) -> (Vec<GeneratedFile>, Vec<Diagnostic>, Vec<PathBuf>, Stats) {
        self.send_now();
        let mut warnings = Vec::new();
        let mut missing = None;
        for running in std::mem::take(&mut self.running) {
            match running.join() {
                Ok(Ok((laid, split))) => {
                    self.stats.brackets_split += split;
                    for (id, laid) in laid {
                        self.shapes[id as usize].laid = laid;
                    }
                }
                Ok(Err(why)) => missing = Some(why),
                // nothing laid out: each unit is retried
                Err(_) => {}
            }
        }
        let pending = std::mem::take(&mut self.files);
        let mut files = Vec::with_capacity(pending.len());
        let mut unformatted = Vec::new();
        if let Some(why) = missing {
            for file in pending {
                let contents = file
                    .units
                    .iter()
                    .map(|(u, _, _)| prettyplease_of(u))
                    .fold(String::from(super::GENERATED_HEADER), |text, u| text + &u);
                unformatted.push(file.path.clone());
                files.push(GeneratedFile {
                    path: file.path,
                    contents,
                });
            }
            warnings.push(Diagnostic::file_warning(
                None,
                format!(
                    "rustfmt could not be run ({why}); the generated Rust is laid out by prettyplease, not as `cargo fmt` would (install it with `rustup component add rustfmt`)"
                ),
            ));
            return (files, warnings, unformatted, self.stats);
        }
        // the units whose shape's layout is not trusted: printed by prettyplease and
        // laid out by rustfmt one by one (inner attributes first)
        let mut retry: Vec<(usize, usize)> = Vec::new();
        let mut places: HashMap<(usize, usize), Vec<(u32, u32)>> = HashMap::new();
        for (f, file) in pending.iter().enumerate() {
            for (u, (unit, id, anchors)) in file.units.iter().enumerate() {
                let placed = self.shapes[*id as usize]
                    .laid
                    .as_ref()
                    .and_then(|laid| laid.places(anchors));
                if let Some(p) = placed {
                    if !p.is_empty() {
                        places.insert((f, u), p);
                    }
                } else {
                    if unit.inner {
                        retry.insert(0, (f, u));
                    } else {
                        retry.push((f, u));
                    }
                }
            }
        }
        let mut own: HashMap<(usize, usize), String> = HashMap::new();
        let mut whole_files: Vec<usize> = Vec::new();
        if !retry.is_empty() {
            self.stats.units_retried = retry.len();
            let mut text = String::new();
            let mut starts = Vec::new();
            for &(f, u) in &retry {
                starts.push(text.len());
                let unit = &pending[f].units[u].0;
                match prettyplease_read(unit) {
                    Ok(laid) => text.push_str(&laid),
                    Err(_) => text.push_str(&unit.standalone()),
                }
                text.push_str(MARK);
                text.push('\n');
            }
            let out = format::wait(format::start(text, starts, &mut self.ready)).ok();
            let laid: Vec<&str> = out
                .as_deref()
                .map(|o| o.split(&format!("{MARK}\n")).collect())
                .unwrap_or_default();
            let cut: Option<Vec<&str>> = (laid.len() == retry.len() + 1)
                .then(|| {
                    retry
                        .iter()
                        .zip(&laid)
                        .map(|(&(f, u), text)| pending[f].units[u].0.part.unwrap(text))
                        .collect()
                })
                .flatten();
            if let Some(cut) = cut {
                for (key, text) in retry.iter().zip(cut) {
                    own.insert(*key, text.to_string());
                }
            } else {
                // rustfmt refused one of them: each file they are in, whole, names it
                whole_files = retry.iter().map(|(f, _)| *f).collect();
                whole_files.dedup();
            }
        }
        let mut whole = Vec::new();
        for (f, file) in pending.into_iter().enumerate() {
            if whole_files.contains(&f) {
                whole.push(file);
                continue;
            }
            let mut text = String::from(super::GENERATED_HEADER);
            for (u, (unit, id, _)) in file.units.iter().enumerate() {
                match (&self.shapes[*id as usize].laid, own.get(&(f, u))) {
                    (Some(laid), None) => {
                        let docs = places.get(&(f, u)).map(Vec::as_slice).unwrap_or(&[]);
                        put_back(laid, unit, docs, &mut text);
                    }
                    (_, own) => text.push_str(own.map(String::as_str).unwrap_or("")),
                }
            }
            files.push(GeneratedFile {
                path: file.path,
                contents: text,
            });
        }
        for file in whole {
            let mut text = String::from(super::GENERATED_HEADER);
            let mut starts = Vec::new();
            for (unit, _, _) in &file.units {
                if !unit.inner && unit.may_start_file() {
                    starts.push(text.len());
                }
                text.push_str(&prettyplease_of(unit));
            }
            match format::wait(format::start(text.clone(), starts, &mut self.ready)) {
                Ok(contents) => files.push(GeneratedFile {
                    path: file.path,
                    contents,
                }),
                Err(format::Failure::Missing(why) | format::Failure::Rejected(why)) => {
                    warnings.push(Diagnostic::file_warning(
                        Some(file.path.clone()),
                        format!(
                            "rustfmt failed, the file is kept as prettyplease laid it out: {why}"
                        ),
                    ));
                    unformatted.push(file.path.clone());
                    files.push(GeneratedFile {
                        path: file.path,
                        contents: text,
                    });
                }
            }
        }
        (files, warnings, unformatted, self.stats)
    }
}

/// A batch laid out by rustfmt (the first round's processes handed over): every
/// shape and both ends of every bracket; then, in a second round, the shapes of
/// each bracket whose ends were not laid out alike.
fn lay_batch(batch: Batch, ready: Vec<std::process::Child>) -> Done {
    let mut texts: Vec<Text> = Vec::new();
    for (part, key, ask) in &batch {
        match ask {
            Ask::Shape(id, widths) => texts.push(Text::of(*part, Some(*id), key, widths)),
            Ask::Bracket(shapes) => {
                for wide in [false, true] {
                    let mut widths = shapes[0].1.clone();
                    for (_, own) in &shapes[1..] {
                        for (w, &o) in widths.iter_mut().zip(own) {
                            *w = if wide { (*w).max(o) } else { (*w).min(o) };
                        }
                    }
                    texts.push(Text::of(*part, None, key, &widths));
                }
            }
        }
    }
    let mut laid = lay_texts(&texts, ready)?.into_iter();
    let mut out = Vec::new();
    let mut alone = Vec::new();
    let mut split = 0;
    for (part, key, ask) in batch {
        match ask {
            Ask::Shape(id, _) => out.push((id, laid.next().flatten())),
            Ask::Bracket(shapes) => match (laid.next().flatten(), laid.next().flatten()) {
                (Some(narrow), Some(wide)) if alike(&narrow, &wide) => {
                    out.extend(shapes.into_iter().map(|(id, _)| (id, Some(wide.clone()))));
                }
                _ => {
                    split += 1;
                    for (id, widths) in shapes {
                        alone.push(Text::of(part, Some(id), &key, &widths));
                    }
                }
            },
        }
    }
    if !alone.is_empty() {
        let laid = lay_texts(&alone, Vec::new())?;
        out.extend(
            alone
                .iter()
                .zip(laid)
                .filter_map(|(t, l)| Some((t.shape?, l))),
        );
    }
    Ok((out, split))
}

/// A text for rustfmt: a shape, or a bracket's end.
struct Text {
    part: Part,
    /// the shape it is (none: a bracket's end)
    shape: Option<u32>,
    /// where its masks sit in it
    offsets: Vec<u32>,
    text: String,
}

impl Text {
    fn of(part: Part, shape: Option<u32>, key: &str, widths: &[u32]) -> Self {
        let (text, offsets) = synthesize(key, widths);
        Text {
            part,
            shape,
            offsets,
            text,
        }
    }
}

/// rustfmt's layout of each text where it can be trusted; a bracket's end with a
/// line wider than [`MAX_WIDTH`] is not. Nothing where rustfmt refused them; why,
/// where it could not be run.
fn lay_texts(texts: &[Text], ready: Vec<std::process::Child>) -> Result<Vec<Option<Laid>>, String> {
    let mut input = String::new();
    let mut starts = Vec::with_capacity(texts.len());
    for t in texts {
        starts.push(input.len());
        input.push_str(&t.text);
        input.push_str(MARK);
        input.push('\n');
    }
    let output = match format::in_place(&input, &starts, ready) {
        Ok(output) => output,
        Err(format::Failure::Missing(why)) => return Err(why),
        Err(format::Failure::Rejected(_)) => return Ok(vec![None; texts.len()]),
    };
    let outputs: Vec<&str> = output.split(&format!("{MARK}\n")).collect();
    if outputs.len() != texts.len() + 1 {
        return Ok(vec![None; texts.len()]);
    }
    Ok(texts
        .iter()
        .zip(outputs)
        .map(|(t, o)| {
            let fits = t.shape.is_some() || o.lines().all(|l| l.chars().count() <= MAX_WIDTH);
            lay(&t.text, o, &t.offsets)
                .and_then(|l| l.cut(t.part))
                .filter(|_| fits)
        })
        .collect())
}

/// prettyplease's layout of a unit's [`Part::standalone`] text (parsed again), or
/// why it does not parse.
fn prettyplease_read(unit: &Unit) -> Result<String, String> {
    if let Part::Close(_) = unit.part {
        return Ok(unit.text.clone());
    }
    let file = syn::parse_file(&unit.standalone()).map_err(|e| e.to_string())?;
    Ok(prettyplease::unparse(&file))
}

/// prettyplease's layout of a unit (the unit's own lines of it); its text as
/// written where it does not parse (rustfmt, which refuses it too, says so in a
/// warning naming the file).
fn prettyplease_of(unit: &Unit) -> String {
    prettyplease_read(unit)
        .ok()
        .and_then(|laid| unit.part.unwrap(&laid).map(str::to_string))
        .unwrap_or_else(|| unit.text.clone())
}

/// The layout of a shape from rustfmt's `output` for its `input`, if it can be
/// trusted: the same words in the same order, no spacing rustfmt never writes.
fn lay(input: &str, output: &str, offsets: &[u32]) -> Option<Laid> {
    let after = words(output, true)?;
    if offsets.is_empty() {
        // nothing to put back: rustfmt's text is the unit's (a run of `use` items
        // comes back sorted)
        return Some(Laid {
            text: output.to_string(),
            slots: Vec::new(),
            lines: Vec::new(),
        });
    }
    let before = words(input, false)?;
    if before.len() != after.len() {
        return None;
    }
    let text_of = |t: &str, w: &Word| t[w.start as usize..w.end as usize].to_string();
    for (a, b) in before.iter().zip(&after) {
        if input[a.start as usize..a.end as usize] != output[b.start as usize..b.end as usize] {
            return None;
        }
    }
    // each mask is the word starting where it sits in the shape (a doc mask: the
    // end of the comment word that holds it)
    let mut slots = Vec::with_capacity(offsets.len());
    let mut k = 0;
    for &off in offsets {
        while k < before.len() && before[k].end < off {
            k += 1;
        }
        let w = before.get(k)?;
        let out = &after[k];
        if w.start == off {
            slots.push((out.start, out.end));
        } else if w.end == off && text_of(input, w).starts_with("//") {
            slots.push((out.end, out.end));
        } else {
            return None;
        }
        k += 1;
    }
    // the lines a doc line may go back before
    let mut lines = Vec::new();
    let starts = std::iter::once(0).chain(input.match_indices('\n').map(|(i, _)| i + 1));
    for (n, line) in starts.enumerate() {
        let Some(word) = (line < input.len())
            .then(|| anchor_word(input, line))
            .flatten()
        else {
            continue;
        };
        let Ok(k) = before.binary_search_by_key(&(word as u32), |w| w.start) else {
            continue;
        };
        let at = after[k].start as usize;
        let starts = output[..at].rfind('\n').map_or(0, |n| n + 1);
        let opener = &input[line..word];
        let Some(indent) = output[starts..at].strip_suffix(opener) else {
            continue;
        };
        if indent.bytes().all(|c| c == b' ') {
            lines.push((n as u32, starts as u32, indent.len() as u32));
        }
    }
    Some(Laid {
        text: output.to_string(),
        slots,
        lines,
    })
}

/// Whether two layouts of one class are alike: the same text between their words,
/// and doc lines going back before the same lines at the same indentation.
fn alike(a: &Laid, b: &Laid) -> bool {
    if a.slots.len() != b.slots.len() || a.lines.len() != b.lines.len() {
        return false;
    }
    let (mut at_a, mut at_b) = (0usize, 0usize);
    for (&(sa, ea), &(sb, eb)) in a.slots.iter().zip(&b.slots) {
        if a.text[at_a..sa as usize] != b.text[at_b..sb as usize] {
            return false;
        }
        (at_a, at_b) = (ea as usize, eb as usize);
    }
    if a.text[at_a..] != b.text[at_b..] {
        return false;
    }
    // the text between words is the same and no word holds a line break: a line
    // of one is the line of the other with as many breaks before it
    let line_of = |laid: &Laid, at: u32| newlines(&laid.text[..at as usize]);
    a.lines
        .iter()
        .zip(&b.lines)
        .all(|(x, y)| x.0 == y.0 && x.2 == y.2 && line_of(a, x.1) == line_of(b, y.1))
}

/// `laid` with `unit`'s own words and doc lines (at `docs`: see [`Laid::places`])
/// put back, appended to `out`.
fn put_back(laid: &Laid, unit: &Unit, docs: &[(u32, u32)], out: &mut String) {
    let mut at = 0usize;
    let (mut slots, mut docs) = (laid.slots.iter(), docs.iter());
    for m in &unit.masks {
        let own = &unit.text[m.start as usize..m.end as usize];
        if m.kind == Kind::DocLine {
            let Some(&(line, indent)) = docs.next() else {
                continue;
            };
            out.push_str(&laid.text[at..line as usize]);
            out.extend(std::iter::repeat_n(' ', indent as usize));
            out.push_str(own);
            at = line as usize;
        } else if let Some(&(s, e)) = slots.next() {
            out.push_str(&laid.text[at..s as usize]);
            out.push_str(own);
            at = e as usize;
        }
    }
    out.push_str(&laid.text[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use quote::{format_ident, quote};

    #[test]
    fn units_split_at_items_and_keep_use_runs_whole() {
        let units = units(vec![
            quote! { #![doc = " Module."] #![allow(dead_code)] use a::b; #[allow(unused)] use c::d; },
            quote! { pub struct A { x: u8 } impl A { fn f(&self) {} } const X: u8 = { 1 }; fn g() {} },
        ]);
        let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts.len(), 6, "{texts:#?}");
        assert!(units[0].inner && texts[0].starts_with("//! Module.\n#!"));
        assert!(
            units[1].masks.is_empty(),
            "a run of use items is never masked"
        );
        assert!(texts[1].contains("use a") && texts[1].contains("use c"));
        assert!(texts[4].starts_with("const X"));
    }

    #[test]
    fn a_shape_keeps_keywords_macros_and_attributes_and_widths() {
        let u = &units(vec![quote! {
            /// Docs here.
            #[serde(rename = "a-b")]
            pub fn get_thing(x: u32) -> String { format!("{}", x + 200) }
        }])[0];
        let (shape, offsets, anchors) = u.shape();
        // the doc line is left out; it goes back before the attribute's line
        assert_eq!(shape.len() + "/// Docs here.\n".len(), u.text.len());
        assert_eq!(anchors, vec![0]);
        assert!(shape.starts_with("#[serde(rename = \"xxx\")]"), "{shape}");
        assert!(
            shape.contains("pub fn xxxxxxxxx(x: xxx) -> xxxxxx { format!(\"xx\", x + 000) }"),
            "spaced as rustfmt spaces it: {shape}"
        );
        assert!(shape.contains(" 000"), "{shape}");
        assert_eq!(offsets.len() + anchors.len(), u.masks.len());
    }

    /// A token stream as a flat list: each word, literal and mark, and each
    /// group's delimiters (what a lexer reads, whatever the spacing).
    fn flat(tokens: TokenStream, out: &mut Vec<String>) {
        for t in tokens {
            match t {
                TokenTree::Group(g) => {
                    out.push(format!("{:?}(", g.delimiter()));
                    flat(g.stream(), out);
                    out.push(")".into());
                }
                TokenTree::Punct(p) => out.push(p.as_char().to_string()),
                other => out.push(other.to_string()),
            }
        }
    }

    #[test]
    fn the_writer_spaces_as_rustfmt_and_never_joins_two_tokens_into_one() {
        let cases = [
            quote! { fn c() { let a: Vec<u8> = x; } },
            quote! { fn c() { let b = x as ::std::primitive::u8; } },
            quote! { fn c() { let c = Vec::<Vec<u8>>::new(); } },
            quote! { fn c() { let d = &&x; let e = & &x; let f = &*x; } },
            quote! { fn c() { let g = a < b && c > d; let h = a<b; } },
            quote! { fn c() { let i = |x| x; let j = move || {}; let k = (|a, b| a | b)(1, 2); } },
            quote! { fn c() { let l = x..=y; let m = S { ..Default::default() }; let n = 1..2; } },
            quote! { fn c() { let o = x.0.1; let p = -1; let q = a - -b; let r = !x != y; } },
            quote! { impl<'a, T: ?Sized + 'a> X<'a> for Y<T> where T: Into<String> {} },
            quote! { fn s() -> impl Fn(u8) -> u8 { <T as X>::f() } },
            quote! { fn t() { match x { A | B => 1, _ => 2 } } },
            quote! { fn u(r#type: &'static str) -> Result<(), Box<dyn ::std::error::Error>> { Ok(b"x".len() as u8 == 'a' as u8)? } },
            quote! { fn v() { x >>= 1; y <<= 2; z = a >> b << c; w = a < -b; } },
            quote! { fn w() { let v = vec![1, 2]; let f = format!("{}", v[0]); } },
            quote! { pub(crate) struct Z(pub [u8; 4], pub ::std::vec::Vec<&'static str>); },
            quote! { use ::a::{b, c::*}; },
            quote! { fn y() { f(&<T as X>::g(), !-x, -!x, &|x| x, *&x, &mut [0u8; 2]); } },
        ];
        for case in cases {
            let (unit, plain) = written(
                &case.clone().into_iter().collect::<Vec<_>>(),
                Part::Item,
                true,
            );
            assert!(plain, "{case}");
            let read: TokenStream = unit.text.parse().expect("the text lexes");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            flat(case.clone(), &mut a);
            flat(read, &mut b);
            assert_eq!(a, b, "{}", unit.text);
            // rustfmt's own lexer and parser (rustc's) read the same syntax
            let laid = match format::wait(format::start(
                unit.text.clone(),
                Vec::new(),
                &mut format::Ready::default(),
            )) {
                Err(format::Failure::Missing(_)) => continue,
                other => other.unwrap_or_else(|e| panic!("rustfmt refuses {}: {e:?}", unit.text)),
            };
            {
                let again = syn::parse_file(&laid).expect("rustfmt's text parses");
                let expected = syn::parse2::<syn::File>(case.clone()).expect("the case parses");
                assert_eq!(
                    prettyplease::unparse(&again),
                    prettyplease::unparse(&expected),
                    "{}",
                    unit.text
                );
            }
        }
        let (unit, _) = written(
            &quote! { pub fn f<'a>(&'a self, x: Option<&str>) -> Result<Vec<u8>, E> { let y = self.g(x)?.h::<u8>(); y.i().await } }
                .into_iter()
                .collect::<Vec<_>>(),
            Part::Item,
            true,
        );
        assert_eq!(
            unit.text,
            "pub fn f<'a>(&'a self, x: Option<&str>) -> Result<Vec<u8>, E> { let y = self.g(x)?.h::<u8>(); y.i().await }\n"
        );
    }

    #[test]
    fn words_refuse_text_rustfmt_kept_as_written() {
        assert!(words("fn a(x: u8) -> u8 {\n    x.y()?\n}\n", true).is_some());
        assert!(words("fn a<T: ?Sized>() {}\n", true).is_some());
        assert!(words("let a = b . c ;\n", true).is_none());
        assert!(words("let a = b . c ;\n", false).is_some());
        assert!(words("#[derive(:: serde :: Serialize)]\n", true).is_none());
        assert!(words("warn ! (a , b);\n", true).is_none());
        assert!(words("let s = \"a , b\"; // x ,\n", true).is_some());
        let w = words("r#type 'a 'b' b\"x\" 1_000u8 /// doc\n", true).expect("words");
        assert_eq!(w.len(), 6);
        let w = words("f('\\'', '\\n', 'x')\n", true).expect("words");
        assert_eq!(w.len(), 4, "f and three chars");
    }

    /// The judge of a layout: rustfmt (not ours) leaves it as it is, and it holds
    /// the same tokens as what was emitted. `None`: no rustfmt on this machine.
    fn judge(emitted: &TokenStream, laid: &str) -> Option<Result<(), String>> {
        let body = laid
            .strip_prefix(super::super::GENERATED_HEADER)
            .unwrap_or(laid);
        let again = match format::wait(format::start(
            laid.to_string(),
            Vec::new(),
            &mut format::Ready::default(),
        )) {
            Err(format::Failure::Missing(_)) => return None,
            other => other.expect("rustfmt takes what it laid out"),
        };
        if again != laid {
            return Some(Err(format!(
                "rustfmt changes the layout:\n{laid}\n--- to ---\n{again}"
            )));
        }
        // the same syntax: both read back and printed by prettyplease (which also
        // settles what the layout may change, trailing commas and spaces)
        let parsed = syn::parse_file(body).map_err(|e| format!("{e}: {body}"));
        let expected = syn::parse2::<syn::File>(emitted.clone()).expect("emitted tokens parse");
        Some(parsed.and_then(|file| {
            let (a, b) = (
                prettyplease::unparse(&file),
                prettyplease::unparse(&expected),
            );
            (a == b)
                .then_some(())
                .ok_or_else(|| format!("the syntax differs:\n{a}\n{b}"))
        }))
    }

    /// The chunks laid out as one file, with classes of four shapes or more
    /// bracketed however little text there is.
    fn lay_out(chunks: Vec<TokenStream>) -> (String, Stats) {
        lay_out_bracketing(chunks, 0)
    }

    fn lay_out_bracketing(chunks: Vec<TokenStream>, from: usize) -> (String, Stats) {
        let mut layout = Layout::new().brackets_from(from);
        layout.add("src/x.rs".into(), units(chunks));
        let (mut files, _, _, stats) = layout.finish();
        (files.remove(0).contents, stats)
    }

    #[test]
    fn a_bracket_lays_out_every_shape_between_its_ends_as_rustfmt_does() {
        // names of 1 to 40 letters: many shapes of each class, some laid out on
        // one line, some past the widths where rustfmt breaks a chain, a call or
        // a signature
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut name = |most: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % most) as usize;
            let word: String = (0..len)
                .map(|i| (b'a' + ((seed >> (i % 60)) % 26) as u8) as char)
                .collect();
            format_ident!("q{}", word)
        };
        let methods: Vec<TokenStream> = (0..60)
            .map(|_| {
                let (m, a, b, t, v, r) =
                    (name(30), name(12), name(12), name(20), name(25), name(10));
                quote! {
                    /// Calls the server.
                    pub async fn #m(&self, #a: &str, #b: u64) -> Result<#t, Error<#v>> {
                        let #r = self.send(#a, #b).await.map_err(Error::#v)?;
                        Ok(#r)
                    }
                }
            })
            .collect();
        let mut chunks = vec![quote! { impl Client { #(#methods)* } }];
        for _ in 0..40 {
            let (f, t, s, r) = (name(30), name(40), name(40), name(8));
            chunks.push(quote! {
                async fn #f(api: &A, request: Request) -> Result<Response, Response> {
                    let (parts, path, #r) = begin(&*api, request, #t, #s).await?;
                    Ok(answer(parts, path, #r))
                }
            });
        }
        for _ in 0..30 {
            let (n, f, t) = (name(40), name(40), name(40));
            chunks.push(quote! {
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                pub struct #n { pub #f: Option<#t> }
            });
        }
        let emitted: TokenStream = chunks.iter().cloned().collect();
        let (bracketed, stats) = lay_out(chunks.clone());
        assert!(stats.asked < stats.shapes, "{stats:?}");
        assert!(
            stats.brackets > stats.brackets_split && stats.brackets_split > 0,
            "brackets alike and not: {stats:?}"
        );
        let (alone, by_shape) = lay_out_bracketing(chunks, usize::MAX);
        assert_eq!((by_shape.asked, by_shape.brackets), (by_shape.shapes, 0));
        assert_eq!(bracketed, alone, "bracketed and shape by shape");
        if let Some(verdict) = judge(&emitted, &bracketed) {
            verdict.expect("rustfmt's layout");
        }
    }

    #[test]
    fn shapes_laid_out_once_serve_every_unit_of_that_shape() {
        let items: Vec<TokenStream> = (0..20u32)
            .map(|i| {
                let name = format_ident!("Thing{}", i);
                let doc = format!(" Thing number {i}, é ünïcode and `code`.");
                let field = format_ident!("field_{}", i);
                quote! {
                    #[doc = #doc]
                    #[derive(Debug, Clone, ::serde::Serialize)]
                    pub struct #name { #[serde(rename = "f")] pub #field: Option<String> }
                }
            })
            .collect();
        let emitted: TokenStream = items.iter().cloned().collect();
        let (laid, stats) = lay_out(items);
        assert_eq!(stats.units, 20);
        assert_eq!(
            stats.shapes, 2,
            "ten names of one width, then ten of another"
        );
        assert_eq!(stats.units_retried, 0);
        if let Some(verdict) = judge(&emitted, &laid) {
            verdict.expect("rustfmt's layout");
            assert!(
                laid.contains("/// Thing number 13, é ünïcode and `code`.\n#[derive(Debug, Clone, ::serde::Serialize)]\npub struct Thing13 {\n    #[serde(rename = \"f\")]\n    pub field_13: Option<String>,\n}\n"),
                "{laid}"
            );
        }
    }

    #[test]
    fn docs_where_rustfmt_may_join_a_list_onto_one_line_stay_in_the_shape() {
        // a struct variant's fields and a tuple's: without their docs rustfmt puts
        // them on one line, so those docs cannot be left out (and need no retry)
        let chunks = vec![quote! {
            /// Responses.
            pub enum Response {
                /// First, so that the next is laid out as a piece of its own.
                Empty,
                /// Status 200.
                Status200 {
                    /// The body.
                    body: Vec<u8>,
                },
                /// Not found.
                NotFound,
            }
            /// A wrapper.
            pub struct Id(
                /// The id.
                pub u64,
            );
        }];
        let emitted: TokenStream = chunks.iter().cloned().collect();
        let (laid, stats) = lay_out(chunks);
        assert_eq!(stats.units_retried, 0, "{laid}");
        if let Some(verdict) = judge(&emitted, &laid) {
            verdict.expect("rustfmt's layout");
            assert!(
                laid.contains(
                    "    Status200 {\n        /// The body.\n        body: Vec<u8>,\n    },\n"
                ),
                "{laid}"
            );
        }
    }

    #[test]
    fn large_blocks_are_laid_out_member_by_member() {
        // an impl and a trait over SPLIT_AT: thirty members of two name widths and
        // one, two or three doc lines each
        let docs = |i: usize| -> Vec<String> {
            (0..1 + i % 3)
                .map(|k| format!(" Line {k} of {i}."))
                .collect()
        };
        let methods = (0..30usize).map(|i| {
            let name = format_ident!("{}", if i % 2 == 0 { format!("get_{i:02}") } else { format!("fetch_{i:02}") });
            let docs = docs(i);
            quote! {
                #(#[doc = #docs])*
                pub async fn #name(&self, id: i64, body: &types::Thing) -> Result<ApiResponse<types::Thing>, Error<::std::convert::Infallible>> {
                    let response = self.#name(id, body).await.map_err(Error::widen)?;
                    match response.status.as_u16() { 200 => Ok(typed(response.json()?, response)), _ => Err(Error::UnexpectedStatus(response)) }
                }
            }
        });
        let signatures = (0..30usize).map(|i| {
            let name = format_ident!("{}", if i % 2 == 0 { format!("op_{i:02}") } else { format!("operation_{i:02}") });
            let docs = docs(i);
            quote! {
                #(#[doc = #docs])*
                fn #name(&self, id: i64, query: Option<String>, body: ::axum::body::Bytes) -> impl ::std::future::Future<Output = Result<Response, Problem>> + Send;
            }
        });
        let chunks = vec![
            quote! { impl Client { #(#methods)* } },
            quote! { pub trait Api: Send + Sync + 'static { #(#signatures)* } },
        ];
        let emitted: TokenStream = chunks.iter().cloned().collect();
        let pieces = units(chunks.clone());
        assert_eq!(
            pieces.len(),
            (1 + 29 * 4 + 1) + (1 + 29 + 1),
            "the impl: head with its first method, each later method's head, its two \
             statements and its `}}`, the block's `}}`; the trait: head with its first \
             member, 29 members, `}}`"
        );
        assert!(pieces.iter().all(|u| u.len() < SPLIT_AT));
        let (laid, stats) = lay_out(chunks);
        assert_eq!(stats.units_retried, 0);
        // the impl: its head, later methods' heads and first statements in two
        // widths (doc lines do not make a shape), one `match` statement for all;
        // the trait: its head, later members in two widths; the `}`s need no rustfmt
        assert_eq!(stats.shapes, 9, "{stats:?}");
        if let Some(verdict) = judge(&emitted, &laid) {
            verdict.expect("rustfmt's layout");
            assert!(
                laid.contains(
                    "    /// Line 2 of 29.\n    pub async fn fetch_29(\n        &self,\n"
                ),
                "{laid}"
            );
        }
    }

    /// Names of every width and kind rustfmt may lay out differently, in items of
    /// the shapes the emitters write.
    fn item(names: &[String], text: &str, doc: &str, n: u32) -> TokenStream {
        let id = |i: usize| {
            let name = &names[i % names.len()];
            match name.strip_prefix("r#") {
                Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
                None => format_ident!("{}", name),
            }
        };
        let (a, b, c, d) = (id(0), id(1), id(2), id(3));
        let upper = format_ident!(
            "{}",
            heck::ToUpperCamelCase::to_upper_camel_case(
                names[4 % names.len()].trim_start_matches("r#")
            )
        );
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            pub enum #upper { #[doc = #doc] #a, #b { #[doc = #doc] #c: Option<Vec<String>> }, Undocumented(String) }
            impl #upper {
                #[doc = #doc]
                pub async fn #d(&self, #a: &str, #b: Option<&::std::collections::HashMap<String, u64>>) -> Result<u32, String> {
                    let mut __url = String::from(#text);
                    __url.push_str(&format!("{}/{}", #a, #n));
                    match self {
                        Self::#a => Ok(#n),
                        Self::#b { #c } => #c.as_ref().map(|v| v.len() as u32).ok_or_else(|| #text.to_string()),
                        Self::Undocumented(s) => Err(format!("{} {}", s, __url)),
                    }
                }
            }
            const #c: &[&[&str]] = &[&[#text, #text], &[#doc]];
            #[doc = #doc]
            pub struct #d(#[doc = #doc] pub String, pub #upper);
        }
    }

    /// A block over [`SPLIT_AT`] (laid out member by member) with the same names.
    fn block_item(names: &[String], doc: &str, members: usize) -> TokenStream {
        let upper = format_ident!(
            "{}",
            heck::ToUpperCamelCase::to_upper_camel_case(names[0].trim_start_matches("r#"))
        );
        let methods = (0..members).map(|k| {
            let name = format_ident!("{}_{}", names[k % names.len()].trim_start_matches("r#"), k);
            let arg = &names[(k + 1) % names.len()];
            let arg = match arg.strip_prefix("r#") {
                Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
                None => format_ident!("{}", arg),
            };
            let docs = vec![doc; 1 + k % 3];
            // every other method has statements before its tail (laid out one by one)
            let before = (k % 2 == 1).then(|| {
                quote! {
                    let #arg = #arg.filter(|m| !m.is_empty());
                    use ::std::collections::HashMap as _;
                    let _ = (#k, &#arg);
                }
            });
            quote! {
                #(#[doc = #docs])*
                pub fn #name(&self, #arg: Option<&::std::collections::HashMap<String, u64>>) -> Result<Vec<#upper>, String> {
                    #before
                    #arg.map(|m| m.len()).filter(|n| *n > #k).map(|_| Vec::new()).ok_or_else(|| String::from("none"))
                }
            }
        });
        // a struct and an enum (laid out field by field, variant by variant) and a
        // long function (statement by statement) with the same names
        let fields = names.iter().enumerate().map(|(k, n)| {
            let field = match n.strip_prefix("r#") {
                Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
                None => format_ident!("{}", n),
            };
            let variant = format_ident!(
                "V{}{}",
                k,
                heck::ToUpperCamelCase::to_upper_camel_case(n.trim_start_matches("r#"))
            );
            let ty = if k % 2 == 0 {
                quote!(Option<::std::collections::HashMap<String, Vec<u64>>>)
            } else {
                quote!(Box<dyn Fn(u8) -> #upper>)
            };
            (
                quote! { #[doc = #doc] #[serde(rename = #n)] pub #field: #ty, },
                quote! { #[doc = #doc] #variant { #[doc = #doc] #field: #ty }, },
                quote! { let #field = (#k, #n, #doc.len() > #k); },
            )
        });
        let (fields, (variants, statements)): (Vec<_>, (Vec<_>, Vec<_>)) =
            fields.map(|(f, v, s)| (f, (v, s))).unzip();
        let many = std::iter::repeat_n(&statements, 40).flatten();
        let k_last = members as u64;
        quote! {
            impl #upper { #(#methods)* }
            #[doc = #doc]
            pub struct #upper { #(#fields)* }
            pub enum Choice { #(#variants)* Plain(u8), Other, }
            fn statements() -> usize { #(#many)* 0 }
            impl ::axum::response::IntoResponse for #upper {
                fn into_response(self) -> ::axum::response::Response {
                    match self {
                        Self::#upper => status_of(200).into_response(),
                        Self::Other { body } => json_response(400, "application/json", &body),
                        Self::Plain(e) if e > #k_last => { e.into_response() }
                        Self::Undocumented(error) => error.into_response()
                    }
                }
            }
        }
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9_]{0,6}",
            "[a-z][a-z0-9_]{20,60}",
            Just("r#type".to_string()),
            Just("r#match".to_string()),
            Just("x".to_string()),
            Just("xx".to_string()),
        ]
        .prop_filter("not a keyword", |n| {
            !KEYWORDS.contains(&n.as_str()) && syn::parse_str::<syn::Ident>(n).is_ok()
                || n.starts_with("r#")
        })
    }

    #[test]
    fn hostile_names_get_rustfmts_layout_and_keep_their_tokens() {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(24);
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
        let mut runner = TestRunner::new_with_rng(config, rng);
        // the block item has pieces of every kind
        let names: Vec<String> = ["alpha", "r#type", "x", "a_much_longer_name_than_the_rest"]
            .map(String::from)
            .to_vec();
        let parts: Vec<Part> = units(vec![block_item(&names, " Doc.", 24)])
            .iter()
            .map(|u| u.part)
            .collect();
        for part in [
            Part::Open(1),
            Part::Member(Wrapper::Impl),
            Part::Head(Wrapper::Impl),
            Part::Head(Wrapper::Fn),
            Part::Statement(Wrapper::Impl),
            Part::Close(1),
            Part::Member(Wrapper::Struct),
            Part::Member(Wrapper::Enum),
            Part::Statement(Wrapper::Fn),
            Part::Close(0),
            Part::Open(3),
            Part::Arm,
            Part::Close(2),
        ] {
            assert!(parts.contains(&part), "no {part:?} in {parts:?}");
        }
        let strategy = (
            prop::collection::vec(name(), 5..9),
            "[ -~é\\\"]{0,90}",
            "[ -~é]{0,120}",
            any::<u32>(),
            1..4usize,
        );
        let result = runner.run(&strategy, |(names, text, doc, n, copies)| {
            let doc = format!(" {}", doc.trim());
            // the same item several times (one shape) and once with the names turned
            let mut chunks = vec![item(&names, &text, &doc, n); copies];
            let mut turned = names.clone();
            turned.rotate_left(1);
            chunks.push(item(&turned, &text, &doc, n));
            chunks.push(block_item(&names, &doc, 24));
            let emitted: TokenStream = chunks.iter().cloned().collect();
            let (laid, _) = lay_out(chunks.clone());
            let (alone, _) = lay_out_bracketing(chunks, usize::MAX);
            prop_assert_eq!(&laid, &alone, "bracketed and shape by shape");
            match judge(&emitted, &laid) {
                None => Ok(()),
                Some(verdict) => verdict.map_err(TestCaseError::fail),
            }
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
