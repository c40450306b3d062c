//! Name resolution: owners and notification targets resolve to declared
//! departments and roles, with "did you mean" suggestions, and W010 for two
//! undeclared department names one edit apart.
//!
//! A name whose declaration was skipped for a syntax error is never reported
//! unknown: the syntax error is the problem.

use super::*;

impl<'a> Lowerer<'a> {
    /// W010: without declared departments, two department names one edit
    /// apart (`研发部`, `研法部`) are probably one department misspelt.
    pub(super) fn similar_departments(&mut self) {
        if self.explicit_departments {
            return;
        }
        // The first place each name owns a step, in order of appearance, and
        // how many steps it owns.
        let mut first: Vec<(&str, Location, usize)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for s in &self.steps {
            for o in &s.owners {
                let name = o.node.as_str();
                if self.role_index.contains_key(name) {
                    continue;
                }
                match index.get(name) {
                    Some(&i) => first[i].2 += 1,
                    None => {
                        index.insert(name, first.len());
                        let at = Location {
                            source: s.location.source,
                            span: o.span,
                        };
                        first.push((name, at, 1));
                    }
                }
            }
        }
        // A typo owns one step beside a name that owns several; two names that
        // each own one step (法务部, 财务部) are as likely two departments.
        // Names one edit apart share a name with one character deleted (or are
        // that name): index the names that own several steps by those, so that
        // the search stays linear in the number of names.
        const MAX_CHARS: usize = 16;
        let deletions = |name: &str| -> Vec<String> {
            let chars: Vec<char> = name.chars().collect();
            (0..chars.len())
                .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect())
                .collect()
        };
        let mut by_variant: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, &(name, _, count)) in first.iter().enumerate() {
            let chars = name.chars().count();
            if count > 1 && (2..=MAX_CHARS).contains(&chars) {
                for variant in deletions(name).into_iter().chain([name.to_owned()]) {
                    by_variant.entry(variant).or_default().push(i);
                }
            }
        }
        let mut warnings = Vec::new();
        for &(name, at, count) in &first {
            if count != 1 || by_variant.is_empty() || name.chars().count() > MAX_CHARS + 1 {
                continue;
            }
            let found = deletions(name)
                .into_iter()
                .chain([name.to_owned()])
                .filter_map(|variant| by_variant.get(&variant))
                .flatten()
                .copied()
                .filter(|&i| edit_distance(first[i].0, name) == 1)
                .min();
            let Some(i) = found else { continue };
            let (other, other_at, _) = first[i];
            warnings.push(
                Diagnostic::new(
                    Code::SimilarDepartments,
                    tr!(
                        "departments `{other}` and `{name}` differ in one character",
                        "部门 `{other}` 和 `{name}` 只差一个字"
                    ),
                    at.source,
                    at.span,
                    tr!("a second department?", "这是另一个部门吗？"),
                )
                .with_label(other_at.source, other_at.span, tr!("first named here", "第一次出现在这里"))
                .with_help(tr!(
                    "if both mean one department, correct the spelling; otherwise declare the departments (`department {other}`, `department {name}`), and later typos become errors",
                    "如果指的是同一个部门，请改正错字；如果确实是两个部门，请在文件开头声明它们（`部门 {other}`、`部门 {name}`），以后再打错字就会直接报错"
                )),
            );
        }
        self.diags.extend(warnings);
    }

    pub(super) fn resolve_names(&mut self) {
        let explicit = self.explicit_departments;
        // Implicit departments: every department a step names, in order of appearance.
        if !explicit {
            for s in &self.steps {
                for o in &s.owners {
                    if !self.department_index.contains_key(o.node.as_str())
                        && !self.role_index.contains_key(o.node.as_str())
                    {
                        let at = Location {
                            source: s.location.source,
                            span: o.span,
                        };
                        self.department_index
                            .insert(o.node.as_str().to_owned(), self.departments.len());
                        self.departments.push((
                            Department {
                                name: o.node.as_str().to_owned(),
                                description: None,
                                head: None,
                                escalation: Vec::new(),
                            },
                            at,
                            None,
                        ));
                    }
                }
            }
        }
        let mut pending = Vec::new();
        for s in &self.steps {
            for owner in &s.owners {
                if self.role_index.contains_key(owner.node.as_str()) {
                    pending.push(
                        {
                            let role = &owner.node;
                            Diagnostic::new(
                                Code::NoOwner,
                                tr!("role `{role}` cannot own a step", "角色 `{role}` 不能负责步骤"),
                                s.location.source,
                                owner.span,
                                tr!("a role, not a department", "这是角色，不是部门"),
                            )
                            .with_help(tr!(
                                "roles such as `{role}` own no step; name the department that does the work, and reach the role through an escalation ladder",
                                "像 `{role}` 这样的角色不负责具体步骤；请写实际干活的部门，需要找这个角色时用升级阶梯通知它"
                            ))
                        },
                    );
                } else if explicit && !self.department_index.contains_key(owner.node.as_str()) {
                    let known: Vec<&str> =
                        self.departments.iter().map(|d| d.0.name.as_str()).collect();
                    pending.extend(self.unknown(
                        "department",
                        &owner.node,
                        s.location.source,
                        owner.span,
                        suggest(&owner.node, known),
                        tr!(
                            "declare it with `department NAME`",
                            "请先在文件开头声明：`部门 NAME`"
                        ),
                    ));
                }
            }
        }
        // Escalation chains name roles or departments.
        for (dep, _, decl) in &self.departments {
            let Some(decl) = decl else { continue };
            for field in &decl.fields {
                if let Field::Escalate(chain) = &field.node {
                    for n in chain {
                        if !self.role_index.contains_key(n.node.as_str())
                            && !self.department_index.contains_key(n.node.as_str())
                        {
                            let known = self.roles.iter().map(|r| r.0.name.as_str()).collect();
                            let src = self.departments[self.department_index[&dep.name]].1.source;
                            pending.extend(self.unknown(
                                "role",
                                &n.node,
                                src,
                                n.span,
                                suggest(&n.node, known),
                                tr!("declare it with `role NAME`", "请先声明：`角色 NAME`"),
                            ));
                        }
                    }
                }
            }
        }
        self.diags.extend(pending);
    }

    /// [`unknown`], unless a declaration of this name was skipped for a
    /// syntax error: that error is the problem, "unknown" would be false.
    pub(super) fn unknown(
        &self,
        what: &str,
        name: &str,
        source: SourceId,
        span: Span,
        suggestion: Option<&str>,
        otherwise: Text,
    ) -> Option<Diagnostic> {
        let kinds: &[DeclKind] = match what {
            "department" => &[DeclKind::Department],
            "role" => &[DeclKind::Role, DeclKind::Department],
            "calendar" => &[DeclKind::Calendar],
            "ladder" => &[DeclKind::Ladder],
            _ => &[],
        };
        let unparsed = kinds
            .iter()
            .any(|&kind| self.unparsed.contains(&(kind, name.to_owned())));
        (!unparsed).then(|| unknown(what, name, source, span, suggestion, otherwise))
    }

    pub(super) fn target(&mut self, name: &Name, source: SourceId) -> Option<Target> {
        Some(match name.node.as_str() {
            "owner" => Target::Owner,
            "head" => Target::Head,
            "superior" => Target::Superior,
            n if self.role_index.contains_key(n) => Target::Role(n.to_owned()),
            n if self.department_index.contains_key(n) => Target::Department(n.to_owned()),
            n => {
                let known = self
                    .roles
                    .iter()
                    .map(|r| r.0.name.as_str())
                    .chain(self.departments.iter().map(|d| d.0.name.as_str()))
                    .collect();
                let d = self.unknown(
                    "role",
                    n,
                    source,
                    name.span,
                    suggest(n, known),
                    tr!(
                        "name `owner`, `head`, `superior`, a declared role or a department",
                        "请写 `owner`（负责人）、`head`（部门负责人）、`superior`（上级）、一个声明过的角色或一个部门"
                    ),
                );
                if let Some(d) = d {
                    self.push(d);
                }
                return None;
            }
        })
    }
}
