//! The pest binding: turns pairs into the AST and pest errors into diagnostics.
//!
//! [`Builder`] reads one statement at a time: here the statement and item
//! level (declarations, `use`); `flows.rs`, `fields.rs` and `values.rs` the
//! parts below; `errors.rs` and `hints.rs` turn a failed parse into one
//! diagnostic. Bad input never panics: every `expect` says why it cannot
//! fail (usually the grammar rule that guarantees it).

mod errors;
mod fields;
mod flows;
mod hints;
mod values;

use errors::{describe_zh, syntax_error};
use hints::{
    chinese_numeral, declared_name, describe_found, describe_found_zh, heading, is_space, join_or,
    join_or_zh, misspelt_keyword, other_date_format, unclosed_brace,
};
use values::weekday_of;

use chrono::{NaiveDate, NaiveTime, Weekday};
use pest::iterators::{FlatPairs, Pair, Pairs};
use pest::Parser as _;
use std::ops::Range;

use super::ast::*;
use super::MAX_NAME_CHARS;
use crate::calendar::Unit;
use crate::diagnostics::{tr, Code, Diagnostic, SourceId, Span, Text};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/sop.pest"]
struct SopParser;

/// The longest `holiday` or `workday` range accepted, in days.
const MAX_DATE_RANGE_DAYS: i64 = 366;

/// Builds the AST of one statement at a time, collecting diagnostics.
pub(crate) struct Builder<'t> {
    pub(crate) source: SourceId,
    /// The whole source as normalized by the lexer (comments are spaces).
    text: &'t str,
    /// Byte offset of the current statement in the whole source.
    offset: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Names longer than [`MAX_NAME_CHARS`]: where, and how many characters.
    pub(crate) long_names: std::cell::RefCell<Vec<(Span, usize)>>,
    /// Declarations skipped for a syntax error (see [`File::unparsed`]).
    pub(crate) unparsed: Vec<(DeclKind, Name)>,
}

impl<'t> Builder<'t> {
    pub(crate) fn new(source: SourceId, text: &'t str) -> Self {
        Builder {
            source,
            text,
            offset: 0,
            diagnostics: Vec::new(),
            long_names: std::cell::RefCell::default(),
            unparsed: Vec::new(),
        }
    }

    /// Parses one statement, `text`, found at `offset` in the source.
    ///
    /// `text` is the statement as normalized by the lexer (same length as
    /// `original`, see `split.rs`); messages quote `original`.
    pub(crate) fn statement(&mut self, text: &str, original: &str, offset: usize) -> Option<Item> {
        self.offset = offset;
        match SopParser::parse(Rule::statement, text) {
            Ok(pairs) => pairs
                .into_iter()
                .find(|p| p.as_rule() != Rule::EOI)
                .and_then(|pair| self.item(pair)),
            Err(error) => {
                let diagnostic = syntax_error(&error, original, offset, self.source);
                self.diagnostics.push(diagnostic);
                if let Some((kind, name)) = declared_name(text) {
                    let span = Span::new(offset + name.start, offset + name.end);
                    self.unparsed
                        .push((kind, Spanned::new(text[name].into(), span)));
                }
                None
            }
        }
    }

    /// Parses consecutive `statements` in one pest pass and appends their
    /// items, if that text has no syntax error and pest's statements are
    /// exactly the splitter's; otherwise returns `false` having built and
    /// reported nothing, and the caller parses them one by one.
    ///
    /// One pass saves the setup pest does per call (its state, token queue
    /// and line index), which is most of its cost on short statements.
    /// Whether a statement is parsed alone or among others gives the same
    /// tree: no rule looks past a statement's end except to see a separator,
    /// which ends it in both cases (a property test compares the two paths).
    pub(crate) fn statements(
        &mut self,
        statements: &[Range<usize>],
        items: &mut Vec<Item>,
    ) -> bool {
        let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
            return true;
        };
        self.offset = first.start;
        let Ok(pairs) = SopParser::parse(Rule::file, &self.text[first.start..last.end]) else {
            return false;
        };
        let mut expected = statements.iter();
        for pair in pairs.clone() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            let span = self.span(&pair);
            match expected.next() {
                Some(range) if (span.start, span.end) == (range.start, range.end) => {}
                _ => return false,
            }
        }
        if expected.next().is_some() {
            return false;
        }
        items.extend(
            pairs
                .filter(|p| p.as_rule() != Rule::EOI)
                .filter_map(|pair| self.item(pair)),
        );
        true
    }

    /// The span of `pair`, without the white space that pest's implicit
    /// `WHITESPACE` leaves at the end of a rule whose last optional part
    /// matched nothing (`A → B within 3d # note` would otherwise underline the
    /// comment too: the lexer has turned comments into spaces).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let whole = pair.as_span();
        self.span_of(whole.start(), whole.end())
    }

    /// [`Builder::span`] of the bytes `start..end` of the text pest parsed.
    fn span_of(&self, start: usize, end: usize) -> Span {
        let start = self.offset + start;
        let mut end = self.offset + end;
        let bytes = self.text.as_bytes();
        while end > start && bytes.get(end - 1) == Some(&b' ') {
            end -= 1;
        }
        Span::new(start, end)
    }

    fn spanned(&self, pair: &Pair<'_, Rule>) -> Name {
        self.name(pair.as_str(), self.span(pair))
    }

    /// A name; one of more than [`MAX_NAME_CHARS`] characters is noted in
    /// `long_names` (checked here, while the text is in cache: a name has at
    /// most as many characters as bytes, so most need no count).
    fn name(&self, text: &str, span: Span) -> Name {
        if text.len() > MAX_NAME_CHARS {
            let chars = text.chars().count();
            if chars > MAX_NAME_CHARS {
                self.long_names.borrow_mut().push((span, chars));
            }
        }
        Spanned::new(text.into(), span)
    }

    fn error(&mut self, code: Code, message: Text, span: Span, label: Text, help: Text) {
        self.diagnostics
            .push(Diagnostic::new(code, message, self.source, span, label).with_help(help));
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            Rule::use_stmt => {
                let string = significant(pair).nth(1).expect("grammar: use has a string");
                Item::Use(Spanned::new(self.string(&string), self.span(&string)))
            }
            Rule::department => self.decl(DeclKind::Department, pair, span),
            Rule::role => self.decl(DeclKind::Role, pair, span),
            Rule::calendar => self.decl(DeclKind::Calendar, pair, span),
            Rule::ladder => self.decl(DeclKind::Ladder, pair, span),
            Rule::process => self.decl(DeclKind::Process, pair, span),
            Rule::step_block => {
                let mut inner = significant(pair);
                inner.next(); // `step`
                let step = self.step_ref(inner.next().expect("grammar: step has a reference"));
                let fields = inner.filter_map(|p| self.field(p)).collect();
                Item::Step(Box::new(StepBlock { step, fields, span }))
            }
            Rule::rework_stmt => {
                let mut inner = significant(pair);
                inner.next(); // `rework`
                let from = self.step_ref(inner.next().expect("grammar: rework has a source"));
                let to = self.step_ref(inner.next().expect("grammar: rework has a target"));
                let max = inner.next().map(|p| self.max(p));
                Item::Rework(Box::new(Rework {
                    from,
                    to,
                    max,
                    span,
                }))
            }
            Rule::flow => {
                let nodes = significant(pair).map(|p| self.flow_node(p)).collect();
                Item::Flow(Box::new(Flow { nodes, span }))
            }
            _ => return None,
        })
    }

    fn decl(&mut self, kind: DeclKind, pair: Pair<'_, Rule>, span: Span) -> Item {
        let mut inner = significant(pair);
        inner.next(); // the keyword
        let name = self.spanned(&inner.next().expect("grammar: a declaration has a name"));
        let mut fields = Vec::new();
        for p in inner {
            if p.as_rule() == Rule::string {
                // `department 研发部 "…"` and `role PMO "…"`: a description.
                let s = self.span(&p);
                fields.push(Spanned::new(Field::Description(self.string(&p)), s));
            } else if let Some(field) = self.field(p) {
                fields.push(field);
            }
        }
        Item::Decl(Box::new(Decl {
            kind,
            name,
            fields,
            span,
        }))
    }
}

/// The inner pairs that carry meaning (not punctuation).
fn significant(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::arrow
                | Rule::colon
                | Rule::comma
                | Rule::amp
                | Rule::bar
                | Rule::open
                | Rule::close
                | Rule::minus
                | Rule::dash
        )
    })
}

fn names(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() == Rule::name)
}
