//! `sopflow fmt`: lay `.sop` files out canonically, in place, as `cargo fmt`
//! does; `-` formats standard input to standard output; `--check` changes
//! nothing and prints a unified diff of what would change.
//!
//! The layout is [`sopflow::format::format`]'s. A file with syntax errors is
//! left as it is, and its diagnostics go to standard error. A file is
//! rewritten through a temporary file in the same directory, renamed over
//! the original (the target of a symbolic link), so an interrupted run
//! leaves either the old or the new text, never half of one.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::check::LangArg;
use super::walk;
use super::{ExitStatus, Terminal};
use sopflow::diagnostics::{Diagnostic, Diagnostics, Lang, RenderOptions, Source, SourceMap};

/// Shown at the end of `sopflow fmt --help`.
pub(super) const AFTER_HELP: &str = "\
Exit status:
  0  every file is formatted (with --check: none would change)
  1  a file has syntax errors (it is left as it is), or with --check a file would change
  2  usage error, or a path that cannot be read or written

The layout changes only spaces, indentation, blank lines and line ends: every word, comment and
punctuation mark stays as written (within or 时限, → or ->, : or ：).

Examples:
  sopflow fmt flows/                     Format every .sop file under flows/, in place
  sopflow fmt --check examples/          Change nothing; print a diff and exit 1 if a file would change
  sopflow fmt - < 新产品上市.sop         Format standard input to standard output
  sopflow fmt 新产品上市.sop             格式化一个文件（原地改写）";

/// The arguments of `sopflow fmt`.
#[derive(Debug, Args)]
pub(super) struct FmtArgs {
    /// Change no file: print a unified diff of each file that would change,
    /// and exit 1 if any would.
    #[arg(long)]
    check: bool,

    /// The language of diagnostics and messages: `zh` (中文) or `en`. By
    /// default the locale decides, as for `check`.
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<LangArg>,

    /// Files and directories to format, or `-` for standard input.
    /// Directories are searched recursively for *.sop files, as by `check`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// What became of the files, for the summary and the exit status.
#[derive(Debug, Default)]
struct Tally {
    /// Files rewritten (or, with `--check`, that would be).
    changed: usize,
    /// Files already formatted.
    unchanged: usize,
    /// Files left alone for syntax errors.
    invalid: usize,
    /// Paths that could not be read or written.
    failed: usize,
}

impl Tally {
    fn status(&self, check: bool) -> ExitStatus {
        if self.failed > 0 {
            ExitStatus::Error
        } else if self.invalid > 0 || (check && self.changed > 0) {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        }
    }

    /// `formatted 2 files, 3 already formatted`, in `lang`.
    fn summary(&self, check: bool, lang: Lang) -> String {
        let mut parts = Vec::new();
        let zh = lang == Lang::Zh;
        if self.changed > 0 || self.unchanged == 0 {
            parts.push(match (check, zh) {
                (false, false) => format!("formatted {}", files(self.changed)),
                (false, true) => format!("格式化了 {} 个文件", self.changed),
                (true, false) => format!("{} would change", files(self.changed)),
                (true, true) => format!("{} 个文件需要格式化", self.changed),
            });
        }
        if self.unchanged > 0 {
            parts.push(if zh {
                format!("{} 个文件无需改动", self.unchanged)
            } else {
                format!("{} already formatted", files(self.unchanged))
            });
        }
        if self.invalid > 0 {
            parts.push(if zh {
                format!("{} 个文件有语法错误，未改动", self.invalid)
            } else {
                format!(
                    "{} with syntax errors left as they are",
                    files(self.invalid)
                )
            });
        }
        if self.failed > 0 {
            parts.push(if zh {
                format!("{} 个路径无法读写", self.failed)
            } else {
                format!(
                    "{} could not be read or written",
                    plural(self.failed, "path", "paths")
                )
            });
        }
        let mut line = parts.join(if zh { "，" } else { ", " });
        if check && self.changed > 0 {
            line.push_str(if zh {
                "（运行 `sopflow fmt` 加上同样的路径即可改好）"
            } else {
                " (run `sopflow fmt` on the same paths to fix)"
            });
        }
        line
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn files(n: usize) -> String {
    plural(n, "file", "files")
}

/// Formats what `args` names; the formatted text of `-` and the diffs of
/// `--check` go to `out`, diagnostics and the summary to `err`.
///
/// # Errors
/// When writing to `out` fails.
pub(super) fn run(
    args: &FmtArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> io::Result<ExitStatus> {
    let lang = args.lang.map_or(terminal.lang, Lang::from);
    let options = RenderOptions {
        color: terminal.err_color,
        width: terminal.width,
        lang,
    };
    let mut tally = Tally::default();
    let (stdin, paths): (Vec<&PathBuf>, Vec<PathBuf>) = {
        let (dash, rest): (Vec<&PathBuf>, Vec<&PathBuf>) =
            args.paths.iter().partition(|p| p.as_os_str() == "-");
        (dash, rest.into_iter().cloned().collect())
    };
    if !stdin.is_empty() {
        let mut text = String::new();
        match io::stdin().read_to_string(&mut text) {
            Ok(_) => {
                let formatted = format_one("<stdin>", &text, &options, &mut tally, err);
                if let Some(formatted) = formatted {
                    if args.check {
                        write_diff("<stdin>", &text, &formatted, out)?;
                    } else {
                        out.write_all(formatted.as_bytes())?;
                    }
                }
            }
            Err(e) => {
                tally.failed += 1;
                let _ = writeln!(err, "error: cannot read standard input: {e}");
            }
        }
    }
    if !paths.is_empty() {
        let found = walk::find(&paths, None);
        for e in &found.errors {
            tally.failed += 1;
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
        for file in &found.files {
            format_file(&file.path, args.check, &options, &mut tally, out, err)?;
        }
    }
    // The formatted text of `-` is the output; the summary would only be noise.
    if !paths.is_empty() {
        let _ = writeln!(err, "{}", tally.summary(args.check, lang));
    }
    out.flush()?;
    Ok(tally.status(args.check))
}

/// Formats one file in place, or with `check` prints its diff.
fn format_file(
    path: &Path,
    check: bool,
    options: &RenderOptions,
    tally: &mut Tally,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let name = path.display().to_string();
    let text = match sopflow::load::read_regular_file(path, &name, sopflow::syntax::MAX_SOURCE_LEN)
    {
        Ok(text) => text,
        Err(e) => {
            tally.failed += 1;
            let _ = writeln!(err, "error: {e}");
            return Ok(());
        }
    };
    let Some(formatted) = format_one(&name, &text, options, tally, err) else {
        return Ok(());
    };
    if formatted == text {
        return Ok(());
    }
    if check {
        return write_diff(&name, &text, &formatted, out);
    }
    if let Err(e) = replace(path, &formatted) {
        tally.changed -= 1;
        tally.failed += 1;
        let _ = writeln!(err, "error: cannot write `{name}`: {e}");
    }
    Ok(())
}

/// Formats `text`, counting the outcome; prints the diagnostics of a text
/// with syntax errors to `err` and returns `None` for it.
fn format_one(
    name: &str,
    text: &str,
    options: &RenderOptions,
    tally: &mut Tally,
    err: &mut dyn Write,
) -> Option<String> {
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new(name, text));
    match sopflow::format::format(text, id) {
        Ok(formatted) => {
            if formatted == text {
                tally.unchanged += 1;
            } else {
                tally.changed += 1;
            }
            Some(formatted)
        }
        Err(errors) => {
            tally.invalid += 1;
            let diagnostics: Vec<Diagnostic> = errors;
            let rendered = Diagnostics::new(sources, diagnostics).render(options);
            let _ = err.write_all(rendered.as_bytes());
            None
        }
    }
}

/// Writes the unified diff from `old` to `new`, with 3 lines of context.
fn write_diff(name: &str, old: &str, new: &str, out: &mut dyn Write) -> io::Result<()> {
    let diff = similar::TextDiff::from_lines(old, new);
    let header = (name.to_owned(), format!("{name} (formatted)"));
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&header.0, &header.1)
            .missing_newline_hint(true)
    )
}

/// Replaces the file at `path` (the target, if it is a symbolic link) with
/// `text`: written to a temporary file beside it, given the original's
/// permissions, and renamed over it.
fn replace(path: &Path, text: &str) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let permissions = fs::metadata(&target)?.permissions();
    let file_name = target.file_name().unwrap_or_default().to_string_lossy();
    let temporary = target.with_file_name(format!(".{file_name}.sopflow-fmt.tmp"));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::set_permissions(&temporary, permissions)?;
        fs::rename(&temporary, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let tally = Tally {
            changed: 2,
            unchanged: 1,
            invalid: 1,
            failed: 0,
        };
        assert_eq!(
            tally.summary(false, Lang::En),
            "formatted 2 files, 1 file already formatted, 1 file with syntax errors left as they are"
        );
        assert_eq!(
            tally.summary(true, Lang::Zh),
            "2 个文件需要格式化，1 个文件无需改动，1 个文件有语法错误，未改动（运行 `sopflow fmt` 加上同样的路径即可改好）"
        );
        assert_eq!(tally.status(false), ExitStatus::Failure);
        let clean = Tally {
            unchanged: 3,
            ..Tally::default()
        };
        assert_eq!(clean.summary(true, Lang::En), "3 files already formatted");
        assert_eq!(clean.status(true), ExitStatus::Success);
    }
}
