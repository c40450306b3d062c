//! The `sopflow` command line: the only crate that prints or exits.
//!
//! The CLI is a thin shell over the public API: it parses arguments with
//! clap, finds files, hands each one to [`Loader`](sopflow::Loader) with an
//! [`FsResolver`](sopflow::load::FsResolver), and writes what the library
//! renders. It decides nothing about `.sop` files itself.
//!
//! [`run`] is the whole program (`src/main.rs` calls it);
//! [`run_with`] runs it on given arguments and writers, for tests and for
//! hosts that embed the command. It is its own crate (`sopflow-cli`, which
//! owns the `sopflow` binary), so the core library never depends on clap,
//! anstream, or the runtime.
//!
//! # Exit status
//! [`ExitStatus`]: 0 when there are no errors (warnings are allowed), 1 when
//! at least one file has an error diagnostic, 2 for usage errors and for
//! files that cannot be read.

mod check;
mod due;
mod fmt;
mod graph;
mod grid;
mod plan;
mod report;
mod root;
mod serve;
mod simulate;
mod walk;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use self::check::CheckArgs;
use sopflow::diagnostics::Lang;

/// How a run of `sopflow` ended; converts into the process [`ExitCode`].
///
/// The codes follow ruff and most linters: `Success` is 0, `Failure` is 1
/// and `Error` is 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// Everything was checked and nothing is an error (warnings are allowed). Exit code 0.
    Success,
    /// Everything was checked and at least one file has an error diagnostic. Exit code 1.
    Failure,
    /// The command line was wrong, or a file or directory could not be read. Exit code 2.
    Error,
}

impl ExitStatus {
    /// The numeric exit code: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// Runs `sopflow` with the process's arguments, standard output and standard error.
///
/// `--color auto` colours output that goes to a terminal (and honours
/// `NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE`); the `COLUMNS` environment
/// variable, when set, is the width that diagnostics are fitted to.
pub fn run() -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let terminal = Terminal {
        out_color: anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never,
        err_color: anstream::AutoStream::choice(&stderr) != anstream::ColorChoice::Never,
        width: std::env::var("COLUMNS")
            .ok()
            .and_then(|columns| columns.trim().parse().ok())
            .filter(|&columns: &usize| columns > 0)
            .unwrap_or(DEFAULT_WIDTH),
        lang: locale_lang(),
    };
    // Colour is decided before rendering (see `Terminal`), so the streams pass
    // escape codes through; on old Windows consoles anstream translates them.
    let mut out = anstream::AutoStream::always(stdout.lock());
    let mut err = anstream::AutoStream::always(stderr.lock());
    run_in(std::env::args_os(), &mut out, &mut err, terminal).into()
}

/// Runs `sopflow` with `args` (the first is the program name, as in
/// [`std::env::args_os`]), writing to `out` and `err` instead of the standard
/// streams.
///
/// Neither writer is a terminal, so `--color auto` means no colour, and
/// diagnostics are fitted to 140 columns. Help and `--version` go to `out`;
/// usage errors go to `err` and end with [`ExitStatus::Error`].
///
/// # Example
/// ```
/// use sopflow_cli::{run_with, ExitStatus};
///
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let status = run_with(["sopflow", "check"], &mut out, &mut err);
/// assert_eq!(status, ExitStatus::Error); // no PATH given
/// assert!(String::from_utf8(err).unwrap().contains("PATH"));
/// ```
pub fn run_with<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_in(args, out, err, Terminal::NONE)
}

/// The language the locale asks for: the first of `LC_ALL`, `LC_MESSAGES`
/// and `LANG` that is set decides (`zh…` is Chinese); English otherwise.
/// The only place the environment's locale is read.
fn locale_lang() -> Lang {
    let vars = ["LC_ALL", "LC_MESSAGES", "LANG"].map(|name| std::env::var(name).ok());
    Lang::from_locale(vars.iter().map(Option::as_deref))
}

/// Today's date in UTC, from the system clock: the only place the CLI reads
/// it (`check` without `--today`).
fn today() -> chrono::NaiveDate {
    #[allow(clippy::disallowed_methods)] // the CLI is where the real clock is read
    let now = std::time::SystemTime::now();
    chrono::DateTime::<chrono::Utc>::from(now).date_naive()
}

/// The width diagnostics are fitted to when the terminal's is unknown (rustc's default).
const DEFAULT_WIDTH: usize = 140;

/// Loads and validates one file for a command that needs its definition,
/// reading only inside `root` (see [`root`]); reports why not on `err`
/// (`hint` is appended to a read error).
fn load_definition(
    path: &str,
    root: &root::RootArg,
    hint: &str,
    err: &mut dyn Write,
) -> io::Result<Option<sopflow::Definition>> {
    if let Err(message) = root.canonical() {
        writeln!(err, "{message}")?;
        return Ok(None);
    }
    let resolver = match sopflow::load::FsResolver::new(root.for_file(Path::new(path))) {
        Ok(resolver) => resolver,
        Err(e) => {
            writeln!(err, "error: cannot read `{path}`: {e}{hint}")?;
            return Ok(None);
        }
    };
    let checked = match sopflow::Loader::new(resolver).check(path) {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "error: {e}{hint}")?;
            return Ok(None);
        }
    };
    match checked.definition {
        Some(definition) => Ok(Some(definition)),
        None => {
            write!(
                err,
                "{}",
                checked
                    .diagnostics
                    .render(&sopflow::diagnostics::RenderOptions::default())
            )?;
            writeln!(err, "error: `{path}` has errors")?;
            Ok(None)
        }
    }
}

/// What `--color auto` means for each stream, how wide diagnostics may be,
/// and the language the locale asks for.
#[derive(Debug, Clone, Copy)]
struct Terminal {
    /// Whether standard output takes colour.
    out_color: bool,
    /// Whether standard error takes colour.
    err_color: bool,
    /// The width that diagnostics are fitted to.
    width: usize,
    /// The language of diagnostics when `--lang` is not given (from the locale).
    lang: Lang,
}

impl Terminal {
    /// Writers that are not terminals.
    const NONE: Terminal = Terminal {
        out_color: false,
        err_color: false,
        width: DEFAULT_WIDTH,
        lang: Lang::En,
    };
}

/// Parses `args` and runs the command they name.
fn run_in<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write, terminal: Terminal) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e, out, err, terminal),
    };
    let color = |auto: bool| match cli.color {
        ColorChoice::Auto => auto,
        ColorChoice::Always => true,
        ColorChoice::Never => false,
    };
    let terminal = Terminal {
        out_color: color(terminal.out_color),
        err_color: color(terminal.err_color),
        width: terminal.width,
        lang: terminal.lang,
    };
    let result = match &cli.command {
        Command::Check(args) => check::run(args, out, err, terminal),
        Command::Fmt(args) => fmt::run(args, out, err, terminal),
        Command::Due(args) => due::run(args, out, err),
        Command::Calendar(args) => grid::run(args, out, err),
        Command::Simulate(args) => simulate::run(args, out, err),
        Command::Report(args) => report::run(args, out, err, terminal),
        Command::Graph(args) => graph::run(args, out, err, terminal),
        Command::Plan(args) => plan::run(args, out, err, terminal),
        Command::Serve(args) => serve::run(args, out, err),
    };
    result.unwrap_or_else(|e| {
        // Standard output is gone (a closed pipe, a full disk); say so if
        // standard error is still there, quietly for `sopflow check … | head`.
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "error: cannot write output: {e}");
        }
        ExitStatus::Error
    })
}

/// Prints clap's help, version or usage error to the stream clap asks for.
fn clap_exit(
    e: &clap::Error,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> ExitStatus {
    let color = if e.use_stderr() {
        terminal.err_color
    } else {
        terminal.out_color
    };
    let text = e.render();
    let text = if color {
        text.ansi().to_string()
    } else {
        text.to_string()
    };
    // A failing stream cannot report its own failure; the exit status still tells.
    let _ = if e.use_stderr() {
        err.write_all(text.as_bytes())
    } else {
        out.write_all(text.as_bytes())
    };
    if e.exit_code() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

/// Examples shown at the end of `sopflow --help`.
const EXAMPLES: &str = "\
Examples:
  sopflow check flows/                   Check every .sop file under flows/
  sopflow check 新产品上市.sop org.sop   Check two files
  sopflow check --format github .        Annotate a pull request in GitHub Actions
  sopflow check --format json flows/     Print all diagnostics as one JSON array
  sopflow fmt flows/                     Lay out every .sop file under flows/ canonically
  sopflow calendar cn 2026               Print 2026 of the built-in calendar as month grids";

/// Cross-department standard operating procedures as deadline-checked workflows.
#[derive(Debug, Parser)]
#[command(name = "sopflow", version, about, after_help = EXAMPLES)]
struct Cli {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Check .sop files for errors and warnings.
    #[command(after_help = check::AFTER_HELP)]
    Check(CheckArgs),
    /// Lay .sop files out canonically, in place (`-`: standard input to standard output).
    #[command(after_help = fmt::AFTER_HELP)]
    Fmt(fmt::FmtArgs),
    /// Print the deadline of a duration started at an instant, on a business calendar.
    #[command(after_help = due::AFTER_HELP)]
    Due(due::DueArgs),
    /// Print a year of a business calendar as month grids, marking holidays and 调休 days.
    #[command(after_help = grid::AFTER_HELP)]
    Calendar(grid::CalendarArgs),
    /// Run one instance of a process on a virtual clock and print its events as JSON lines.
    #[command(after_help = simulate::AFTER_HELP)]
    Simulate(simulate::SimulateArgs),
    /// Print the cross-department scorecard of an event log: table, JSON, CSV or HTML.
    #[command(after_help = report::AFTER_HELP)]
    Report(report::ReportArgs),
    /// Draw a process as a Mermaid, Graphviz DOT or SVG diagram with swimlanes by department.
    #[command(after_help = graph::AFTER_HELP)]
    Graph(graph::GraphArgs),
    /// Print the schedule of a process if every step takes its full deadline: critical path, slack, feasibility.
    #[command(after_help = plan::AFTER_HELP)]
    Plan(plan::PlanArgs),
    /// Deploy .sop files and serve the HTTP API, with durable instances and timers.
    #[command(after_help = serve::AFTER_HELP)]
    Serve(serve::ServeArgs),
}

/// The values of `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// Colour output that goes to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_and_version_go_to_out_and_succeed() {
        for flag in ["--help", "--version"] {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            assert_eq!(
                run_with(["sopflow", flag], &mut out, &mut err),
                ExitStatus::Success
            );
            assert!(!out.is_empty() && err.is_empty(), "{flag}");
        }
    }

    #[test]
    fn no_subcommand_is_a_usage_error() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run_with(["sopflow"], &mut out, &mut err), ExitStatus::Error);
        assert!(out.is_empty() && !err.is_empty());
    }

    #[test]
    fn exit_codes() {
        assert_eq!(ExitStatus::Success.code(), 0);
        assert_eq!(ExitStatus::Failure.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
    }
}
