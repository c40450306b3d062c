//! The first pass: collects the declarations of every file (departments,
//! roles, calendars, ladders, the process header), reporting names given
//! twice, and fills the indexes that the later passes look names up in.
//!
//! Nothing here reads a flow; a declaration skipped for a syntax error is
//! remembered (`unparsed`) so that later passes do not call its name unknown.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn declarations(&mut self, input: Input<'a>, imported: bool) {
        let source = input.source;
        for (kind, name) in &input.file.unparsed {
            self.unparsed.insert((*kind, name.node.as_str().to_owned()));
        }
        let mut ignored: Option<Span> = None;
        for item in &input.file.items {
            match item {
                Item::Decl(decl) => {
                    let at = Location {
                        source,
                        span: decl.name.span,
                    };
                    let name = decl.name.node.as_str().to_owned();
                    match decl.kind {
                        DeclKind::Department => {
                            if let Some(first) = self.first_definition(&name) {
                                self.duplicate("department", &name, source, decl.name.span, first);
                                continue;
                            }
                            let mut dep = Department {
                                name: name.clone(),
                                description: None,
                                head: None,
                                escalation: Vec::new(),
                            };
                            let mut seen: HashMap<&'static str, Span> = HashMap::new();
                            for field in &decl.fields {
                                if let Some(prev) = seen.insert(field.node.keyword(), field.span) {
                                    self.duplicate_field(field, source, prev);
                                    continue;
                                }
                                match &field.node {
                                    Field::Description(d) => dep.description = Some(d.clone()),
                                    Field::Head(h) => dep.head = Some(h.clone()),
                                    Field::Escalate(chain) => {
                                        dep.escalation = chain
                                            .iter()
                                            .map(|n| n.node.as_str().to_owned())
                                            .collect()
                                    }
                                    _ => {}
                                }
                            }
                            self.department_index.insert(name, self.departments.len());
                            self.departments.push((dep, at, Some(decl)));
                        }
                        DeclKind::Role => {
                            if let Some(first) = self.first_definition(&name) {
                                self.duplicate("role", &name, source, decl.name.span, first);
                                continue;
                            }
                            let description = decl.fields.iter().find_map(|f| match &f.node {
                                Field::Description(d) => Some(d.clone()),
                                _ => None,
                            });
                            self.role_index.insert(name.clone(), self.roles.len());
                            self.roles.push((Role { name, description }, at));
                        }
                        DeclKind::Calendar => {
                            // `calendar X extends X` extends the calendar X that
                            // exists without it; each name has one of each.
                            let extends_itself = decl.fields.iter().any(
                                |f| matches!(&f.node, Field::Extends(base) if base.node == decl.name.node),
                            );
                            let index = if extends_itself {
                                &self.calendar_extensions
                            } else {
                                &self.calendar_index
                            };
                            if let Some(&i) = index.get(&name).filter(|_| extends_itself) {
                                let (first, s) = self.calendar_decls[i];
                                self.push(
                                    Diagnostic::new(
                                        Code::Duplicate,
                                        tr!("calendar `{name}` is extended twice", "日历 `{name}` 被扩展了两次"),
                                        source,
                                        decl.name.span,
                                        tr!("extended again here", "这里又扩展了一次"),
                                    )
                                    .with_label(s, first.name.span, tr!("first extended here", "第一次扩展在这里"))
                                    .with_help(tr!(
                                        "put all additions into one `calendar {name} extends {name} {{ … }}`",
                                        "把要补充的内容都写进同一个 `calendar {name} extends {name} {{ … }}`"
                                    )),
                                );
                                continue;
                            }
                            if let Some(&i) = index.get(&name) {
                                let (first, s) = self.calendar_decls[i];
                                self.duplicate(
                                    "calendar",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                                continue;
                            }
                            if name == "cn" && !extends_itself {
                                self.push(
                                    Diagnostic::new(
                                        Code::Duplicate,
                                        tr!("calendar `cn` is built in", "日历 `cn` 是内置的"),
                                        source,
                                        decl.name.span,
                                        tr!("redefines the built-in calendar", "这里重新定义了内置日历"),
                                    )
                                    .with_help(tr!(
                                        "to add a year or holidays to it, write `calendar cn extends cn {{ … }}`; otherwise choose another name",
                                        "要给它补充一年或几个假日，请写 `calendar cn extends cn {{ … }}`；否则请换一个名称"
                                    )),
                                );
                                continue;
                            }
                            let i = self.calendar_decls.len();
                            if extends_itself {
                                self.calendar_extensions.insert(name, i);
                            } else {
                                self.calendar_index.insert(name, i);
                            }
                            self.calendar_decls.push((decl, source));
                        }
                        DeclKind::Ladder => {
                            if let Some(&i) = self.ladder_index.get(&name) {
                                let (first, s) = self.ladder_decls[i];
                                self.duplicate(
                                    "ladder",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                                continue;
                            }
                            self.ladder_index.insert(name, self.ladder_decls.len());
                            self.ladder_decls.push((decl, source));
                        }
                        DeclKind::Process => {
                            if imported {
                                ignored.get_or_insert(decl.span);
                            } else if let Some((first, s)) = self.header {
                                self.duplicate(
                                    "process",
                                    &name,
                                    source,
                                    decl.name.span,
                                    Location {
                                        source: s,
                                        span: first.name.span,
                                    },
                                );
                            } else {
                                self.header = Some((decl, source));
                            }
                        }
                    }
                }
                Item::Step(b) if imported => {
                    ignored.get_or_insert(b.span);
                }
                Item::Flow(f) if imported => {
                    ignored.get_or_insert(f.span);
                }
                Item::Rework(r) if imported => {
                    ignored.get_or_insert(r.span);
                }
                _ => {}
            }
        }
        if let Some(span) = ignored {
            self.push(
                Diagnostic::new(
                    Code::IgnoredFlow,
                    tr!(
                        "process and flow statements in a used file are ignored",
                        "被 `use` 引入的文件里的流程和 `process` 不起作用"
                    ),
                    source,
                    span,
                    tr!("ignored", "这里会被忽略"),
                )
                .with_help(tr!(
                    "a file loaded with `use` shares only departments, roles, calendars and ladders; move the flow into its own file",
                    "用 `use` 引入的文件只提供部门、角色、日历和升级阶梯；请把流程挪到单独的文件里"
                )),
            );
        }
    }

    /// Where a department or role of this name was first defined.
    fn first_definition(&self, name: &str) -> Option<Location> {
        if let Some(&i) = self.department_index.get(name) {
            return Some(self.departments[i].1);
        }
        self.role_index.get(name).map(|&i| self.roles[i].1)
    }

    pub(super) fn duplicate_field(
        &mut self,
        field: &Spanned<Field>,
        source: SourceId,
        first: Span,
    ) {
        self.push(duplicate_field(field, source, first));
    }

    pub(super) fn header(&mut self, default_name: &str) {
        self.name = match self.header {
            Some((decl, _)) => decl.name.node.as_str().to_owned(),
            None => default_name.to_owned(),
        };
    }
}
