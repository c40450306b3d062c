//! `sopflow check`: find `.sop` files, check each one, report, summarize.
//!
//! Each file is checked on its own with [`Loader::check`], so a file that is
//! only `use`d by others is checked too when it is among the paths. A problem
//! in a used file is then found both through the file that uses it and on
//! its own; it is reported once, where it is first found.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::root::RootArg;
use super::walk;
use super::{ExitStatus, Terminal};
use sopflow::diagnostics::{Diagnostic, Diagnostics, Lang, Record, RenderOptions};
use sopflow::load::{FsResolver, Loader};

/// Shown at the end of `sopflow check --help`.
pub(super) const AFTER_HELP: &str = "\
Exit status:
  0  no errors (warnings are allowed)
  1  at least one error diagnostic
  2  usage error, or a path that cannot be read (missing, unreadable, not UTF-8, not a
     regular file, or a symbolic link that leads outside the root)

`use` reads only .sop files inside the root: each directory named, or the directory of each
file named, or --root DIR for all of them (E019 otherwise).

Examples:
  sopflow check flows/                   Check every .sop file under flows/, recursively
  sopflow check 新产品上市.sop org.sop   Check two files
  sopflow check --format github .        Annotate a pull request in GitHub Actions
  sopflow check --format json flows/     Print all diagnostics as one JSON array
  sopflow check --today 2026-12-02 .     Check as on that date (W031: calendars ending soon)
  sopflow check --lang zh flows/         Diagnostics in Chinese (用中文显示诊断)";

/// The arguments of `sopflow check`.
#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// The language of diagnostics: `zh` (中文) or `en`. By default the
    /// locale decides: the first of LC_ALL, LC_MESSAGES and LANG that is set,
    /// Chinese when it starts with `zh`, English otherwise.
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<LangArg>,

    /// Check as on this date (YYYY-MM-DD) instead of today (UTC): the warning
    /// W031 says when a process calendar's holidays end before the deadlines
    /// of an instance started that day could reach.
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<chrono::NaiveDate>,

    /// Files and directories to check. Directories are searched recursively
    /// for *.sop files, skipping hidden directories and target/; a file named
    /// here is checked whatever its extension. A file named in several ways
    /// is checked once.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    root: RootArg,
}

/// The values of `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LangArg {
    /// 中文
    Zh,
    /// English
    En,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

/// The values of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Diagnostics with source excerpts, then a summary line, on stdout.
    Human,
    /// One JSON array of all diagnostics on stdout; the summary on stderr.
    Json,
    /// GitHub Actions workflow commands (annotations), then a summary line, on stdout.
    Github,
}

/// Checks the files that `args` names, writing diagnostics to `out` and
/// unreadable paths to `err`.
///
/// # Errors
/// When writing to `out` fails.
pub(super) fn run(
    args: &CheckArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> io::Result<ExitStatus> {
    let root = match args.root.canonical() {
        Ok(root) => root,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            return Ok(ExitStatus::Error);
        }
    };
    let found = walk::find(&args.paths, root.as_deref());
    let mut tally = Tally::default();
    for e in &found.errors {
        tally.unreadable += 1;
        // Nothing can be done about a failing standard error; carry on.
        let _ = writeln!(
            err,
            "error: cannot read `{}`: {}",
            e.path.display(),
            e.error
        );
    }
    if found.files.is_empty() && found.errors.is_empty() {
        let _ = writeln!(err, "warning: no .sop files found");
    }

    // `use` reads only inside each file's root.
    let today = args.today.unwrap_or_else(super::today);
    let loaders: Vec<io::Result<Loader<FsResolver>>> = found
        .roots
        .iter()
        .map(|root| FsResolver::new(root).map(|resolver| Loader::new(resolver).today(today)))
        .collect();
    let lang = args.lang.map_or(terminal.lang, Lang::from);
    let mut report = Report::new(args.format, terminal, lang);
    let mut seen = HashSet::new();
    for walk::FoundFile { path, root } in &found.files {
        let Some(name) = path.to_str() else {
            tally.unreadable += 1;
            let _ = writeln!(
                err,
                "error: cannot read `{}`: the path is not valid UTF-8",
                path.display()
            );
            continue;
        };
        let loader = match &loaders[*root] {
            Ok(loader) => loader,
            Err(e) => {
                tally.unreadable += 1;
                let _ = writeln!(err, "error: cannot read `{name}`: {e}");
                continue;
            }
        };
        let checked = match loader.check(name) {
            Ok(checked) => checked,
            Err(sopflow::load::LoadError::NotUtf8 { name, offset }) if lang == Lang::Zh => {
                tally.unreadable += 1;
                let _ = writeln!(
                    err,
                    "错误：`{name}` 不是 UTF-8 编码（第 {offset} 个字节无法识别），多半是 Windows 工具用 GBK 保存的。\n\
                     请把它重新保存为 UTF-8：在记事本里选“另存为”，编码选 UTF-8；WPS/Word 请另存为纯文本并选 UTF-8。"
                );
                continue;
            }
            Err(e) => {
                tally.unreadable += 1;
                let _ = writeln!(err, "error: {e}");
                continue;
            }
        };
        tally.files += 1;
        let diagnostics = first_seen(&checked.diagnostics, &mut seen);
        tally.errors += diagnostics.error_count();
        tally.warnings += diagnostics.warning_count();
        report.file(&diagnostics, out)?;
    }
    report.finish(&tally, out, err)?;
    Ok(tally.status())
}

/// Identifies a diagnostic across checks: where it points and what it says.
type Key = (String, usize, usize, usize, usize, &'static str, String);

/// The diagnostics not reported before (by the `seen` keys), which are then
/// marked as seen.
fn first_seen(diagnostics: &Diagnostics, seen: &mut HashSet<Key>) -> Diagnostics {
    let fresh: Vec<Diagnostic> = diagnostics
        .iter()
        .zip(diagnostics.records())
        .filter(|(_, r)| {
            seen.insert((
                r.file.clone(),
                r.line,
                r.column,
                r.end_line,
                r.end_column,
                r.code.as_str(),
                r.message.clone(),
            ))
        })
        .map(|(d, _)| d.clone())
        .collect();
    Diagnostics::new(diagnostics.sources().clone(), fresh)
}

/// What was checked and found, for the summary and the exit status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    /// Files read and checked.
    files: usize,
    /// Error diagnostics.
    errors: usize,
    /// Warning diagnostics.
    warnings: usize,
    /// Paths that could not be read.
    unreadable: usize,
}

impl Tally {
    fn status(&self) -> ExitStatus {
        if self.unreadable > 0 {
            ExitStatus::Error
        } else if self.errors > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        }
    }

    /// The summary in `lang`: `checked 4 files: 2 errors, 1 warning`, or
    /// `检查了 4 个文件：2 个错误，1 个警告`.
    fn summary_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.summary();
        }
        let problems = match (self.errors, self.warnings) {
            (0, 0) => "没有发现问题".to_owned(),
            (e, 0) => format!("{e} 个错误"),
            (0, w) => format!("{w} 个警告"),
            (e, w) => format!("{e} 个错误，{w} 个警告"),
        };
        let mut line = format!("检查了 {} 个文件：{problems}", self.files);
        if self.unreadable > 0 {
            line.push_str(&format!("；{} 个路径无法读取", self.unreadable));
        }
        line
    }

    /// `checked 4 files: 2 errors, 1 warning`, `checked 1 file: no problems`.
    fn summary(&self) -> String {
        let problems = match (self.errors, self.warnings) {
            (0, 0) => "no problems".to_owned(),
            (e, 0) => count(e, "error", "errors"),
            (0, w) => count(w, "warning", "warnings"),
            (e, w) => format!(
                "{}, {}",
                count(e, "error", "errors"),
                count(w, "warning", "warnings")
            ),
        };
        let mut line = format!("checked {}: {problems}", count(self.files, "file", "files"));
        if self.unreadable > 0 {
            line.push_str(&format!(
                "; {} could not be read",
                count(self.unreadable, "path", "paths")
            ));
        }
        line
    }
}

/// `1 file`, `2 files`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes diagnostics in one format as files are checked.
#[derive(Debug)]
struct Report {
    format: Format,
    options: RenderOptions,
    /// Whether `human` output has printed a diagnostic yet.
    printed: bool,
    /// The `json` records, printed as one array at the end.
    records: Vec<Record>,
}

impl Report {
    fn new(format: Format, terminal: Terminal, lang: Lang) -> Self {
        Report {
            format,
            options: RenderOptions {
                color: terminal.out_color,
                width: terminal.width,
                lang,
            },
            printed: false,
            records: Vec::new(),
        }
    }

    /// Reports the diagnostics of one file.
    fn file(&mut self, diagnostics: &Diagnostics, out: &mut dyn Write) -> io::Result<()> {
        if diagnostics.is_empty() {
            return Ok(());
        }
        match self.format {
            Format::Human => {
                if self.printed {
                    out.write_all(b"\n")?;
                }
                out.write_all(diagnostics.render(&self.options).as_bytes())?;
                self.printed = true;
            }
            Format::Json => self
                .records
                .extend(diagnostics.records_in(self.options.lang)),
            Format::Github => {
                out.write_all(diagnostics.render_github_in(self.options.lang).as_bytes())?
            }
        }
        Ok(())
    }

    /// Writes what is left and the summary line.
    fn finish(self, tally: &Tally, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<()> {
        let summary = tally.summary_in(self.options.lang);
        match self.format {
            Format::Human => {
                if self.printed {
                    out.write_all(b"\n")?;
                }
                writeln!(out, "{summary}")?;
            }
            Format::Json => {
                let json = serde_json::to_string_pretty(&self.records).expect(
                    "records hold only strings, integers and unit enums, which always serialize",
                );
                writeln!(out, "{json}")?;
                let _ = writeln!(err, "{summary}");
            }
            Format::Github => writeln!(out, "{summary}")?,
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(files: usize, errors: usize, warnings: usize, unreadable: usize) -> String {
        Tally {
            files,
            errors,
            warnings,
            unreadable,
        }
        .summary()
    }

    #[test]
    fn summary_counts_are_singular_or_plural() {
        assert_eq!(summary(1, 0, 0, 0), "checked 1 file: no problems");
        assert_eq!(summary(0, 0, 0, 0), "checked 0 files: no problems");
        assert_eq!(summary(4, 2, 1, 0), "checked 4 files: 2 errors, 1 warning");
        assert_eq!(summary(2, 1, 0, 0), "checked 2 files: 1 error");
        assert_eq!(summary(2, 0, 3, 0), "checked 2 files: 3 warnings");
        assert_eq!(
            summary(3, 0, 0, 1),
            "checked 3 files: no problems; 1 path could not be read"
        );
        assert_eq!(
            summary(1, 1, 1, 2),
            "checked 1 file: 1 error, 1 warning; 2 paths could not be read"
        );
        let tally = Tally {
            files: 3,
            errors: 2,
            warnings: 1,
            unreadable: 1,
        };
        assert_eq!(
            tally.summary_in(Lang::Zh),
            "检查了 3 个文件：2 个错误，1 个警告；1 个路径无法读取"
        );
        assert_eq!(tally.summary_in(Lang::En), tally.summary());
    }

    #[test]
    fn status_prefers_io_errors_to_diagnostics() {
        let tally = |errors, unreadable| Tally {
            files: 1,
            errors,
            warnings: 1,
            unreadable,
        };
        assert_eq!(tally(0, 0).status(), ExitStatus::Success);
        assert_eq!(tally(1, 0).status(), ExitStatus::Failure);
        assert_eq!(tally(1, 1).status(), ExitStatus::Error);
    }

    #[test]
    fn a_diagnostic_is_reported_once() {
        let checked = sopflow::check("A → B\nC → D", "a.sop");
        assert!(checked.diagnostics.has_errors());
        let mut seen = HashSet::new();
        let first = first_seen(&checked.diagnostics, &mut seen);
        assert_eq!(first.len(), checked.diagnostics.len());
        assert!(first_seen(&checked.diagnostics, &mut seen).is_empty());
    }
}
