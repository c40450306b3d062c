//! A stable fingerprint of a [`Definition`]: SHA-256 over a canonical form
//! that is versioned on purpose ([`CANONICAL_VERSION`]).
//!
//! Invariant: the canonical form names every field it hashes here, by
//! destructuring (without `..`), so that a field added to the model does not
//! change the fingerprint of existing SOPs by accident, and cannot be left
//! out by accident either: the build fails until it is placed here. Adding a
//! field that changes what an SOP means is a new canonical version.

use sha2::{Digest, Sha256};

use super::{
    Action, Anchor, Choice, Condition, Deadline, Definition, Department, Header, Ladder, Level,
    Role, SignMode, Sla, Step, Target, Warn,
};
use crate::calendar::BusinessDuration;

/// The version of the canonical form the fingerprint hashes. Stored
/// instances record the fingerprint; a new version strands them, so it
/// changes only when what a definition means changes.
pub const CANONICAL_VERSION: u32 = 1;

/// A canonical byte stream into SHA-256: every item is tagged or
/// length-prefixed, so that two different sequences never write the same bytes.
pub(crate) struct Canon(Sha256);

impl Canon {
    /// Starts a stream for one purpose (`domain`), so that streams of
    /// different purposes never collide.
    pub(crate) fn new(domain: &str) -> Self {
        let mut canon = Canon(Sha256::new());
        canon.str(domain);
        canon
    }

    pub(crate) fn u64(&mut self, n: u64) {
        self.0.update(n.to_le_bytes());
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.update(s.as_bytes());
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u64(0),
            Some(s) => {
                self.u64(1);
                self.str(s);
            }
        }
    }

    pub(crate) fn strs<S: AsRef<str>>(&mut self, items: &[S]) {
        self.u64(items.len() as u64);
        for item in items {
            self.str(item.as_ref());
        }
    }

    /// The first eight bytes of the digest, big-endian: what `{:016x}` prints
    /// are the first 16 hex digits of the SHA-256 digest.
    pub(crate) fn finish(self) -> u64 {
        let digest = self.0.finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    }

    fn duration(&mut self, d: BusinessDuration) {
        self.str(&d.to_string());
    }

    fn opt_duration(&mut self, d: Option<BusinessDuration>) {
        self.opt_str(d.map(|d| d.to_string()).as_deref());
    }

    fn ladder(&mut self, ladder: &Ladder) {
        let Ladder { warn, levels } = ladder;
        match warn {
            None => self.str("no warning"),
            Some(Warn::Percent(p)) => {
                self.str("warn percent");
                self.u64(u64::from(*p));
            }
            Some(Warn::Before(d)) => {
                self.str("warn before");
                self.duration(*d);
            }
        }
        self.u64(levels.len() as u64);
        for Level { after, actions } in levels {
            self.opt_duration(*after);
            self.u64(actions.len() as u64);
            for action in actions {
                let target = match action {
                    Action::Notify(t) => {
                        self.str("notify");
                        t
                    }
                    Action::Reassign(t) => {
                        self.str("reassign");
                        t
                    }
                };
                match target {
                    Target::Owner => self.str("owner"),
                    Target::Head => self.str("head"),
                    Target::Superior => self.str("superior"),
                    Target::Role(name) => {
                        self.str("role");
                        self.str(name);
                    }
                    Target::Department(name) => {
                        self.str("department");
                        self.str(name);
                    }
                }
            }
        }
    }

    fn deadline(&mut self, deadline: Option<&Deadline>) {
        match deadline {
            None => self.str("no deadline"),
            Some(Deadline::Within(Sla {
                default,
                by_priority,
            })) => {
                self.str("within");
                self.opt_duration(*default);
                self.u64(by_priority.len() as u64);
                for (priority, d) in by_priority {
                    self.str(priority);
                    self.duration(*d);
                }
            }
            Some(Deadline::By { anchor, minus }) => {
                self.str("by");
                match anchor {
                    Anchor::Date(date) => {
                        self.str("date");
                        self.str(&date.to_string());
                    }
                    Anchor::Attribute(name) => {
                        self.str("attribute");
                        self.str(name);
                    }
                }
                self.opt_duration(*minus);
            }
        }
    }
}

impl Definition {
    /// A stable 64-bit fingerprint of the definition's content: the first
    /// 64 bits of the SHA-256 digest of its canonical form (version
    /// [`CANONICAL_VERSION`]).
    ///
    /// The canonical form holds what the SOP says, in a byte layout fixed
    /// here on purpose (not the JSON export, which may grow): the header,
    /// departments, roles, calendars (their saved form: zone, working week,
    /// hours, holidays, workdays, covered years), ladders, steps in
    /// topological order with their owners, sign mode, description,
    /// deliverables, acceptance criteria, deadline, effective ladder and
    /// choice, the arrows with their conditions, and the rework permissions.
    /// Source locations and file names are not part of it. The value is the
    /// same on every platform, every run and every release that keeps the
    /// canonical version, so executor instances record it and refuse to run
    /// against another definition. Printed as 16 hex digits (`{:016x}`), it
    /// is the start of the SHA-256 digest in hex.
    ///
    /// # Example
    /// ```
    /// let a = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
    /// let b = sopflow::parse("市场部 → 研发部   within 3d  # 注释", "a.sop").unwrap();
    /// let c = sopflow::parse("市场部 → 研发部 within 4d", "a.sop").unwrap();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// assert_ne!(a.fingerprint(), c.fingerprint());
    /// ```
    pub fn fingerprint(&self) -> u64 {
        let mut c = Canon::new("sopflow definition");
        c.u64(u64::from(CANONICAL_VERSION));
        let Definition {
            header,
            departments,
            roles,
            calendars,
            ladders,
            graph,
            order,
            start,
            reworks,
            warnings: _,
        } = self;
        let Header {
            name,
            description,
            version,
            zone,
            calendar,
            deadline,
            ladder,
        } = header;
        c.str(name);
        c.opt_str(description.as_deref());
        c.opt_str(version.as_deref());
        c.opt_str(zone.as_deref());
        c.opt_str(calendar.as_deref());
        c.deadline(deadline.as_ref());
        c.ladder(ladder);
        c.u64(departments.len() as u64);
        for Department {
            name,
            description,
            head,
            escalation,
        } in departments
        {
            c.str(name);
            c.opt_str(description.as_deref());
            c.opt_str(head.as_deref());
            c.strs(escalation);
        }
        c.u64(roles.len() as u64);
        for Role { name, description } in roles {
            c.str(name);
            c.opt_str(description.as_deref());
        }
        c.u64(calendars.len() as u64);
        for calendar in calendars {
            let saved = serde_json::to_string(calendar).expect(
                "a calendar serializes: its saved form has only strings, dates and numbers",
            );
            c.str(&saved);
        }
        c.u64(ladders.len() as u64);
        for (name, ladder) in ladders {
            c.str(name);
            c.ladder(ladder);
        }
        c.u64(order.len() as u64);
        for &id in order {
            let Step {
                key,
                department_len,
                owners,
                sign,
                description,
                deliverables,
                acceptance,
                deadline,
                ladder,
                choice,
                location: _,
            } = &graph[id.node()];
            c.str(key);
            c.u64(*department_len as u64);
            c.strs(owners);
            c.str(match sign {
                SignMode::All => "all",
                SignMode::Any => "any",
            });
            c.opt_str(description.as_deref());
            c.strs(deliverables);
            c.strs(acceptance);
            c.deadline(deadline.as_ref());
            c.ladder(ladder);
            match choice {
                None => c.str("no choice"),
                Some(Choice { multi, outcomes }) => {
                    c.str(if *multi { "choice any" } else { "choice one" });
                    c.strs(outcomes);
                }
            }
        }
        c.opt_str(start.map(|id| graph[id.node()].key.as_str()));
        // Arrows in the order they were written (their index): a step's
        // arrows are numbered in this order in saved instance states.
        let arrows: Vec<(&str, &str, &Condition)> = graph
            .edge_indices()
            .filter_map(|e| {
                let (from, to) = graph.edge_endpoints(e)?;
                Some((
                    graph[from].key.as_str(),
                    graph[to].key.as_str(),
                    &graph[e].condition,
                ))
            })
            .collect();
        c.u64(arrows.len() as u64);
        for (from, to, condition) in arrows {
            c.str(from);
            c.str(to);
            match condition {
                Condition::Always => c.str("always"),
                Condition::When(outcomes) => {
                    c.str("when");
                    c.strs(outcomes);
                }
                Condition::Otherwise => c.str("otherwise"),
            }
        }
        c.u64(reworks.len() as u64);
        for rework in reworks {
            c.str(&graph[rework.from.node()].key);
            c.str(&graph[rework.to.node()].key);
            c.u64(u64::from(rework.max));
        }
        c.finish()
    }
}
