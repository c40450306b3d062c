//! Calendar declarations in dependency order: each `calendar X extends Y`
//! chain is walked once with an explicit stack (a file may chain thousands),
//! a chain that comes back to itself is a cycle (E028), and each calendar is
//! built by `lower_calendar` after the one it extends.

use super::*;

impl<'a> Lowerer<'a> {
    /// Whether a calendar of this name exists: declared, or the built-in `cn`.
    pub(super) fn calendar_known(&self, name: &str) -> bool {
        name == "cn"
            || self.calendar_index.contains_key(name)
            || self.calendar_extensions.contains_key(name)
    }

    /// Builds every declared calendar, each after the one it extends.
    ///
    /// A declaration depends on at most one other, so the dependencies form
    /// chains: each chain is walked once, with an explicit stack (a file may
    /// chain thousands of calendars), and a chain that comes back to itself
    /// is a cycle (E028).
    pub(super) fn calendars(&mut self) {
        /// What a declaration starts from.
        #[derive(Clone, Copy)]
        enum Base {
            /// Nothing: a calendar declared in full.
            Nothing,
            /// The built-in `cn`.
            BuiltIn,
            /// Another declaration, by index.
            Decl(usize),
            /// A name that is not a calendar (E013, already reported).
            Unknown,
        }
        let decls = self.calendar_decls.clone();
        let mut bases = Vec::with_capacity(decls.len());
        for (i, &(decl, source)) in decls.iter().enumerate() {
            let base = decl.fields.iter().find_map(|f| match &f.node {
                Field::Extends(name) => Some(name),
                _ => None,
            });
            let Some(base) = base else {
                bases.push(Base::Nothing);
                continue;
            };
            let name = base.node.as_str();
            let own = name == decl.name.node.as_str();
            // `X extends X` starts from the X declared in full (or built in);
            // `Y extends X` from the final X, with its own extension.
            let found = if own {
                self.calendar_index.get(name).copied()
            } else {
                self.calendar_extensions
                    .get(name)
                    .or_else(|| self.calendar_index.get(name))
                    .copied()
            };
            bases.push(match found {
                Some(j) if j != i => Base::Decl(j),
                _ if name == "cn" => Base::BuiltIn,
                _ => {
                    let known: Vec<&str> = self
                        .calendar_index
                        .keys()
                        .chain(self.calendar_extensions.keys())
                        .map(String::as_str)
                        .filter(|k| *k != name && *k != decl.name.node.as_str())
                        .chain(["cn"])
                        .collect();
                    let help = if own {
                        tr!(
                            "`calendar {name} extends {name}` adds to a calendar `{name}` declared in full, here or in a used file, or to the built-in `cn`; declare `calendar {name} {{ … }}` or extend `cn`",
                            "`calendar {name} extends {name}` 是给一个已经完整声明过的日历 `{name}`（在本文件或被 `use` 的文件里）或内置的 `cn` 补充内容；请先声明 `calendar {name} {{ … }}`，或者扩展 `cn`"
                        )
                    } else {
                        tr!(
                            "extend a declared calendar or the built-in `cn`",
                            "请扩展一个声明过的日历，或者内置日历 `cn`"
                        )
                    };
                    let d = self.unknown(
                        "calendar",
                        name,
                        source,
                        base.span,
                        if own { None } else { suggest(name, known) },
                        help,
                    );
                    if let Some(d) = d {
                        self.push(d);
                    }
                    Base::Unknown
                }
            });
        }

        // 0: not built yet; 1: on the current chain; 2: done.
        let mut state = vec![0u8; decls.len()];
        let mut built: Vec<Option<BusinessCalendar>> = vec![None; decls.len()];
        let cn = BusinessCalendar::cn();
        for first in 0..decls.len() {
            if state[first] != 0 {
                continue;
            }
            let mut chain = Vec::new();
            let mut at = first;
            loop {
                state[at] = 1;
                chain.push(at);
                match bases[at] {
                    Base::Decl(next) if state[next] == 0 => at = next,
                    Base::Decl(next) if state[next] == 1 => {
                        // A cycle: the chain from `next` on.
                        let from = chain
                            .iter()
                            .position(|&c| c == next)
                            .expect("a declaration on the current chain is in it");
                        let names: Vec<&str> = chain[from..]
                            .iter()
                            .chain([&next])
                            .map(|&c| decls[c].0.name.node.as_str())
                            .collect();
                        let (decl, source) = decls[at];
                        let span = decl
                            .fields
                            .iter()
                            .find(|f| matches!(f.node, Field::Extends(_)))
                            .map_or(decl.name.span, |f| f.span);
                        self.push(
                            Diagnostic::new(
                                Code::CalendarCycle,
                                {
                                    let names = names.join(" → ");
                                    tr!(
                                        "calendars extend each other in a cycle: {names}",
                                        "日历之间互相 `extends`，绕成了一个圈：{names}"
                                    )
                                },
                                source,
                                span,
                                tr!("closes the cycle", "这里又回到了开头的日历"),
                            )
                            .with_help(tr!(
                                "let one of them extend `cn` or declare it in full",
                                "让其中一个改为扩展 `cn`，或者把它完整地写出来"
                            )),
                        );
                        for &c in &chain[from..] {
                            state[c] = 2;
                        }
                        chain.truncate(from);
                        break;
                    }
                    _ => break,
                }
            }
            // Build the chain from its end, each on its base.
            for &c in chain.iter().rev() {
                state[c] = 2;
                let (decl, source) = decls[c];
                let base = match bases[c] {
                    Base::Nothing => None,
                    Base::BuiltIn => Some(&cn),
                    Base::Decl(j) => match &built[j] {
                        Some(base) => Some(base),
                        // The base has errors, reported where it is declared.
                        None => continue,
                    },
                    Base::Unknown => continue,
                };
                built[c] = super::lower_calendar::calendar(decl, source, base, &mut self.diags);
            }
        }

        // The definition lists the final calendar of each name.
        for (i, calendar) in built.into_iter().enumerate() {
            let name = decls[i].0.name.node.as_str();
            let last = self
                .calendar_extensions
                .get(name)
                .or_else(|| self.calendar_index.get(name));
            if let (Some(calendar), Some(&last)) = (calendar, last) {
                if last == i {
                    self.built_calendars.push(calendar);
                }
            }
        }
    }
}
