//! [`Attributes`]: what an instance starts with (its priority and the dates
//! `by` deadlines name), and the check that they cover what the SOP needs.

use super::*;

/// The attributes an instance starts with: its priority (which selects SLAs
/// such as `within P1 2h, P2 1wd`) and the dates `by` deadlines refer to.
///
/// # Example
/// ```
/// use sopflow::exec::Attributes;
/// let attrs = Attributes::from_pairs([("priority", "P1"), ("上市日", "2026-06-30")]).unwrap();
/// assert_eq!(attrs.priority.as_deref(), Some("P1"));
/// assert_eq!(attrs.date("上市日").unwrap().to_string(), "2026-06-30");
/// assert!(Attributes::from_pairs([("上市日", "六月")]).is_err());
/// let json = serde_json::to_string(&attrs).unwrap();
/// assert_eq!(json, r#"{"priority":"P1","上市日":"2026-06-30"}"#);
/// assert_eq!(serde_json::from_str::<Attributes>(&json).unwrap(), attrs);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attributes {
    /// The priority, e.g. `P1`.
    pub priority: Option<String>,
    /// Date attributes, sorted by name.
    pub dates: Vec<(String, NaiveDate)>,
}

/// Attributes serialize as one flat JSON object of strings:
/// `{"priority":"P1","上市日":"2026-06-30"}`.
impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(
            self.dates.len() + usize::from(self.priority.is_some()),
        ))?;
        if let Some(priority) = &self.priority {
            map.serialize_entry("priority", priority)?;
        }
        for (name, date) in &self.dates {
            map.serialize_entry(name, &date.format("%Y-%m-%d").to_string())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = std::collections::BTreeMap::<String, String>::deserialize(deserializer)?;
        Attributes::from_pairs(pairs).map_err(serde::de::Error::custom)
    }
}

impl Attributes {
    /// No priority, no dates.
    pub fn new() -> Self {
        Attributes::default()
    }

    /// Sets the priority.
    ///
    /// # Example
    /// ```
    /// let attrs = sopflow::exec::Attributes::new().with_priority("P2");
    /// assert_eq!(attrs.priority.as_deref(), Some("P2"));
    /// ```
    pub fn with_priority(mut self, priority: impl Into<String>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Sets a date attribute (replacing one of the same name).
    ///
    /// # Example
    /// ```
    /// let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    /// let attrs = sopflow::exec::Attributes::new().with_date("上市日", date);
    /// assert_eq!(attrs.date("上市日"), Some(date));
    /// assert_eq!(attrs.date("交付日"), None);
    /// ```
    pub fn with_date(mut self, name: impl Into<String>, date: NaiveDate) -> Self {
        let name = name.into();
        match self.dates.binary_search_by(|(n, _)| n.as_str().cmp(&name)) {
            Ok(i) => self.dates[i].1 = date,
            Err(i) => self.dates.insert(i, (name, date)),
        }
        self
    }

    /// Builds attributes from `key=value` pairs: `priority` sets the priority,
    /// every other key is a date (`YYYY-MM-DD`).
    ///
    /// # Errors
    /// [`ExecError::InvalidAttribute`] for a value that is not a date.
    ///
    /// # Example
    /// ```
    /// use sopflow::exec::Attributes;
    /// assert!(Attributes::from_pairs([("priority", "P1")]).is_ok());
    /// assert!(Attributes::from_pairs([("上市日", "2026-02-30")]).is_err());
    /// ```
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ExecError> {
        let mut attrs = Attributes::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            if key == "priority" {
                attrs.priority = Some(value.to_owned());
            } else {
                let date = value
                    .parse::<NaiveDate>()
                    .map_err(|_| ExecError::InvalidAttribute {
                        name: key.to_owned(),
                        value: value.to_owned(),
                        reason: "expected a date YYYY-MM-DD".into(),
                    })?;
                attrs = attrs.with_date(key, date);
            }
        }
        Ok(attrs)
    }

    /// The date attribute `name`.
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        self.dates
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.dates[i].1)
    }
}

/// Checks that the attributes cover every date and priority the SOP needs.
///
/// Priorities: a process whose SLAs name priorities (`within P1 2h, P2
/// 1wd`) knows those names. An instance's priority must be one of them
/// ([`ExecError::InvalidAttribute`] lists them). An instance without a
/// priority is refused ([`ExecError::MissingAttribute`]) when some SLA has
/// no default entry, since that step would silently run without a deadline.
/// A known priority that one step's list leaves out takes that list's
/// default, and with no default that step has no deadline: the author's
/// choice.
pub(super) fn check_attributes(def: &Definition, attrs: &Attributes) -> Result<(), ExecError> {
    let deadlines = || {
        def.steps()
            .filter_map(|(_, s)| s.deadline.as_ref())
            .chain(def.header().deadline.as_ref())
    };
    let mut known: Vec<&str> = Vec::new();
    let mut needs_priority = false;
    for deadline in deadlines() {
        match deadline {
            crate::model::Deadline::By {
                anchor: crate::model::Anchor::Attribute(name),
                ..
            } if attrs.date(name).is_none() => {
                return Err(ExecError::MissingAttribute(name.clone()));
            }
            crate::model::Deadline::Within(sla) if !sla.by_priority.is_empty() => {
                needs_priority |= sla.default.is_none();
                for name in sla.by_priority.keys() {
                    if !known.contains(&name.as_str()) {
                        known.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    match &attrs.priority {
        Some(p) if !known.is_empty() && !known.contains(&p.as_str()) => {
            known.sort_unstable();
            Err(ExecError::InvalidAttribute {
                name: "priority".into(),
                value: p.clone(),
                reason: format!("the process knows the priorities {}", known.join(", ")),
            })
        }
        None if needs_priority => Err(ExecError::MissingAttribute("priority".into())),
        _ => Ok(()),
    }
}
