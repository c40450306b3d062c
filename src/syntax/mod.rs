//! Text → AST: the pest binding, spans, and [`parse`].
//!
//! Invariants: this module knows nothing of petgraph, calendars or execution;
//! it never panics on any input, and no grammar rule is recursive, so the
//! parser's stack depth does not grow with the input.

pub mod ast;
mod parser;
mod split;

pub use ast::{File, Item, Name, Spanned};

use crate::diagnostics::{Code, Diagnostic, SourceId, Span};

/// The largest source accepted, in bytes (32 MiB). Larger files get [`Code::LimitExceeded`].
pub const MAX_SOURCE_LEN: usize = 32 * 1024 * 1024;

/// The longest name accepted, in characters. Longer names get [`Code::LimitExceeded`].
pub const MAX_NAME_CHARS: usize = 256;

/// Parses one `.sop` source into its syntax tree.
///
/// Every statement is parsed, even after an error, so the diagnostics
/// describe all syntax problems at once. Statements with errors are left out
/// of the returned [`File`].
///
/// # Example
/// ```
/// use sopflow::diagnostics::SourceId;
/// let (file, diagnostics) = sopflow::syntax::parse("市场部 → 研发部 within 3d", SourceId(0));
/// assert!(diagnostics.is_empty());
/// assert_eq!(file.items.len(), 1);
///
/// let (_, diagnostics) = sopflow::syntax::parse("市场部 → ", SourceId(0));
/// assert_eq!(diagnostics[0].code.as_str(), "E001");
/// ```
pub fn parse(source: &str, source_id: SourceId) -> (File, Vec<Diagnostic>) {
    if source.len() > MAX_SOURCE_LEN {
        let diagnostic = Diagnostic::new(
            Code::LimitExceeded,
            format!("file is {} bytes, more than the limit of {MAX_SOURCE_LEN}", source.len()),
            source_id,
            Span::new(0, 0),
            "file too large",
        )
        .with_help("split the process into several files, or move shared declarations into a file loaded with `use`");
        return (File::default(), vec![diagnostic]);
    }
    let lexed = split::lex(source);
    let mut builder = parser::Builder::new(source_id, &lexed.text);
    let mut items = Vec::with_capacity(lexed.statements.len());
    for range in lexed.statements {
        let start = range.start;
        let (text, original) = (&lexed.text[range.clone()], &source[range]);
        if let Some(item) = builder.statement(text, original, start) {
            items.push(item);
        }
    }
    let mut diagnostics = builder.diagnostics;
    check_name_lengths(&items, source_id, &mut diagnostics);
    (File { items }, diagnostics)
}

fn check_name_lengths(items: &[Item], source: SourceId, diagnostics: &mut Vec<Diagnostic>) {
    let mut check = |name: &Name| {
        // A name has at most as many characters as bytes: most need no count.
        if name.node.len() <= MAX_NAME_CHARS {
            return;
        }
        let chars = name.node.chars().count();
        if chars > MAX_NAME_CHARS {
            diagnostics.push(
                Diagnostic::new(
                    Code::LimitExceeded,
                    format!(
                        "name is {chars} characters long, more than the limit of {MAX_NAME_CHARS}"
                    ),
                    source,
                    name.span,
                    "name too long",
                )
                .with_help("use a shorter name; put details in a `description`"),
            );
        }
    };
    let check_ref = |r: &ast::StepRef, check: &mut dyn FnMut(&Name)| {
        r.owners.iter().chain(&r.action).for_each(check);
    };
    for item in items {
        match item {
            Item::Decl(decl) => {
                check(&decl.name);
                decl.fields
                    .iter()
                    .for_each(|f| field_names(&f.node, &mut check));
            }
            Item::Step(block) => {
                check_ref(&block.step, &mut check);
                block
                    .fields
                    .iter()
                    .for_each(|f| field_names(&f.node, &mut check));
            }
            Item::Flow(flow) => {
                for node in &flow.nodes {
                    node.steps.iter().for_each(|r| check_ref(r, &mut check));
                    if let Some(Spanned {
                        node: ast::Condition::When(names),
                        ..
                    }) = &node.condition
                    {
                        names.iter().for_each(&mut check);
                    }
                    node.deadlines
                        .iter()
                        .for_each(|f| field_names(&f.node, &mut check));
                }
            }
            Item::Rework(rework) => {
                check_ref(&rework.from, &mut check);
                check_ref(&rework.to, &mut check);
            }
            Item::Use(_) => {}
        }
    }
}

/// Calls `f` on every name written in a field.
fn field_names(field: &ast::Field, f: &mut dyn FnMut(&Name)) {
    use ast::Field;
    match field {
        Field::Calendar(name) | Field::Ladder(name) => f(name),
        Field::Within(slas) => slas.iter().filter_map(|s| s.priority.as_ref()).for_each(f),
        Field::Level { actions, .. } => actions.iter().for_each(|a| f(&a.target)),
        Field::Escalate(names) | Field::Owner(names) => names.iter().for_each(f),
        Field::Outcomes { names, .. } => names.iter().for_each(f),
        Field::Rework { to, .. } => to.owners.iter().chain(&to.action).for_each(f),
        _ => {}
    }
}
