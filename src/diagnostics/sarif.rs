//! SARIF 2.1.0 output, the format code-scanning platforms read (GitHub code
//! scanning, GitLab, Azure DevOps, SonarQube).
//!
//! One log holds one run of the tool `sopflow`: its rules (every [`Code`],
//! with its title as `shortDescription`, the "What" of its documentation as
//! `fullDescription`, the "Fix" as `help`, the whole documentation as
//! `help.markdown`, and its default level) and one result per diagnostic.
//! Each result points at the primary label; the other labels are its
//! `relatedLocations`.
//!
//! Positions: lines count from 1; columns count UTF-16 code units, from 1,
//! SARIF's default, said explicitly with `run.columnKind`
//! (`"utf16CodeUnits"`); a byte-order mark is not a column. The end column is
//! exclusive, as in SARIF. Artifact URIs are the source names as given
//! (relative to the working directory for the CLI), percent-encoded as URI
//! references; an absolute path becomes a `file://` URI.
//!
//! `run.language` is the language of messages and titles: `zh-CN` or `en`.

use serde_json::{json, Value};

use super::{Code, Diagnostic, Diagnostics, Lang, LineCol, Severity, Source};

/// The schema URI written in `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A SARIF 2.1.0 log being built from the diagnostics of several files.
///
/// # Example
/// ```
/// use sopflow::diagnostics::{Lang, SarifLog};
///
/// let checked = sopflow::check("市场部 → 研发部 within 0d", "flows/launch.sop");
/// let mut log = SarifLog::new("0.1.0", Lang::Zh);
/// log.add(&checked.diagnostics);
/// let sarif: serde_json::Value = serde_json::from_str(&log.to_json()).unwrap();
/// let run = &sarif["runs"][0];
/// assert_eq!(sarif["version"], "2.1.0");
/// assert_eq!(run["language"], "zh-CN");
/// assert_eq!(run["results"][0]["ruleId"], "E030");
/// assert_eq!(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"], 18);
/// ```
#[derive(Debug, Clone)]
pub struct SarifLog {
    tool_version: String,
    lang: Lang,
    results: Vec<Value>,
}

impl SarifLog {
    /// An empty log of the tool `sopflow` at `tool_version`, with messages in `lang`.
    pub fn new(tool_version: impl Into<String>, lang: Lang) -> Self {
        SarifLog {
            tool_version: tool_version.into(),
            lang,
            results: Vec::new(),
        }
    }

    /// Adds one result per diagnostic.
    pub fn add(&mut self, diagnostics: &Diagnostics) {
        for diagnostic in diagnostics {
            let result = result(diagnostics, diagnostic, self.lang);
            self.results.push(result);
        }
    }

    /// The number of results so far.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether the log has no results.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The log as a JSON value.
    pub fn to_value(&self) -> Value {
        let rules: Vec<Value> = Code::all().iter().map(|&c| rule(c, self.lang)).collect();
        json!({
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "sopflow",
                        "version": self.tool_version,
                        "semanticVersion": self.tool_version,
                        "language": language(self.lang),
                        "rules": rules,
                    }
                },
                "language": language(self.lang),
                "columnKind": "utf16CodeUnits",
                "results": self.results,
            }]
        })
    }

    /// The log as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_value())
            .expect("a JSON value built from strings and numbers always serializes")
    }
}

impl Diagnostics {
    /// These diagnostics as a SARIF 2.1.0 log (see [`SarifLog`]).
    pub fn to_sarif(&self, tool_version: &str, lang: Lang) -> String {
        let mut log = SarifLog::new(tool_version, lang);
        log.add(self);
        log.to_json()
    }
}

/// The RFC 5646 tag of `lang`, as SARIF's `language` takes it.
fn language(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    }
}

/// SARIF's name for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The `reportingDescriptor` of a code.
fn rule(code: Code, lang: Lang) -> Value {
    let docs = docs_markdown(code);
    let what = section(&docs, "What").unwrap_or_else(|| code.title().to_owned());
    let fix = section(&docs, "Fix").unwrap_or_else(|| what.clone());
    json!({
        "id": code.as_str(),
        "name": format!("{code:?}"),
        "shortDescription": { "text": code.title_in(lang) },
        "fullDescription": { "text": what },
        "help": { "text": fix, "markdown": docs },
        "defaultConfiguration": { "level": level(code.severity()) },
    })
}

/// A code's documentation as Markdown, without the one leading space that
/// each `///` line carries.
fn docs_markdown(code: Code) -> String {
    code.docs()
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the `# heading` section of `docs`, its lines joined into
/// paragraphs; `None` when there is no such section.
fn section(docs: &str, heading: &str) -> Option<String> {
    let title = format!("# {heading}");
    let mut lines = docs.lines().skip_while(|line| line.trim() != title).skip(1);
    let mut text = String::new();
    for line in lines.by_ref() {
        if line.starts_with("# ") {
            break;
        }
        let line = line.trim();
        if line.is_empty() {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str("\n\n");
            }
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(line);
        }
    }
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// The `result` of one diagnostic.
fn result(diagnostics: &Diagnostics, diagnostic: &Diagnostic, lang: Lang) -> Value {
    let mut message = diagnostic.message.get(lang).to_owned();
    if let Some(help) = &diagnostic.help {
        message.push_str(match lang {
            Lang::En => "\nhelp: ",
            Lang::Zh => "\n提示：",
        });
        message.push_str(help.get(lang));
    }
    let rule_index = Code::all()
        .iter()
        .position(|&c| c == diagnostic.code)
        .expect("every code is in Code::all()");
    let mut labels = diagnostic.labels.iter().filter_map(|label| {
        let source = diagnostics.sources().get(label.source)?;
        Some((label, location(source, label.span)))
    });
    let mut result = json!({
        "ruleId": diagnostic.code.as_str(),
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity()),
        "message": { "text": message },
    });
    if let Some((_, primary)) = labels.next() {
        result["locations"] = json!([primary]);
    }
    let related: Vec<Value> = labels
        .enumerate()
        .map(|(i, (label, mut location))| {
            location["id"] = json!(i);
            let text = label.message.get(lang);
            if !text.is_empty() {
                location["message"] = json!({ "text": text });
            }
            location
        })
        .collect();
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

/// A `location` of a span of `source`.
fn location(source: &Source, span: super::Span) -> Value {
    let (text, index) = (source.text(), source.lines());
    let start = index.line_col(text, span.start);
    let end = index.line_col(text, span.end.max(span.start));
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(source.name()) },
            "region": {
                "startLine": start.line,
                "startColumn": utf16_column(source, start),
                "endLine": end.line,
                "endColumn": utf16_column(source, end),
            }
        }
    })
}

/// The column of `at` in UTF-16 code units, from 1 (`at.column` counts characters).
fn utf16_column(source: &Source, at: LineCol) -> usize {
    let line = source.lines().line_span(at.line);
    let text = source.text().get(line.start..line.end).unwrap_or("");
    let text = if at.line == 1 {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    };
    1 + text
        .chars()
        .take(at.column - 1)
        .map(char::len_utf16)
        .sum::<usize>()
}

/// A source name as a URI reference: `/` separators, and every byte outside
/// the unreserved characters and `/` percent-encoded; an absolute path
/// becomes a `file://` URI.
pub(crate) fn uri(name: &str) -> String {
    let name = name.replace('\\', "/");
    let (prefix, path) = if name.starts_with('/') {
        ("file://", name.as_str())
    } else if name.as_bytes().get(1) == Some(&b':') && name.as_bytes()[0].is_ascii_alphabetic() {
        // A Windows drive, `C:/flows/a.sop`.
        ("file:///", name.as_str())
    } else {
        ("", name.as_str())
    };
    let mut out = String::from(prefix);
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || (b == b':' && !prefix.is_empty()) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{SourceMap, Span};

    #[test]
    fn uris() {
        assert_eq!(uri("flows/a b.sop"), "flows/a%20b.sop");
        assert_eq!(uri("新.sop"), "%E6%96%B0.sop");
        assert_eq!(uri("/srv/flows/a.sop"), "file:///srv/flows/a.sop");
        assert_eq!(uri("C:\\flows\\a.sop"), "file:///C:/flows/a.sop");
        assert_eq!(uri("../a:b.sop"), "../a%3Ab.sop");
    }

    #[test]
    fn columns_count_utf16_code_units_and_skip_the_bom() {
        let text = "\u{feff}𝄞市场部 → 法务部\nx";
        let mut sources = SourceMap::new();
        let id = sources.add(Source::new("a.sop", text));
        let source = sources.get(id).unwrap();
        let start = text.find("法务部").unwrap();
        let at = source.lines().line_col(text, start);
        // 𝄞 is two UTF-16 code units; the BOM is not a column.
        assert_eq!((at.column, utf16_column(source, at)), (8, 9));
        let value = location(source, Span::new(start, start + "法务部".len()));
        assert_eq!(value["physicalLocation"]["region"]["endColumn"], 12);
    }

    #[test]
    fn every_rule_has_its_documentation() {
        for &code in Code::all() {
            let rule = rule(code, Lang::En);
            let full = rule["fullDescription"]["text"].as_str().unwrap();
            let help = rule["help"]["text"].as_str().unwrap();
            assert!(
                full.len() > 20 && help.len() > 10,
                "{code}: {full} / {help}"
            );
            assert!(!full.contains("# "), "{code}: {full}");
        }
    }
}
