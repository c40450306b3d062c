//! `sopflow graph`: a picture of a process as Mermaid, DOT or SVG.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::check::LangArg;
use super::root::RootArg;
use super::{ExitStatus, Terminal};
use sopflow::graph::{self, Diagram};

/// Shown at the end of `sopflow graph --help`.
pub(super) const AFTER_HELP: &str = "\
Draws one process: a swimlane per department, deadlines in the steps, outcome labels on the
arrows out of choices, joins, and rework (send-back) arrows dashed. Mermaid renders in GitHub,
GitLab and 飞书 docs (paste it in a ```mermaid block); DOT is for Graphviz; SVG is one
self-contained file (no fonts or scripts from the internet).

Exit status:
  0  the picture was written
  2  usage error, or a file that cannot be read, has errors, or cannot be written

Examples:
  sopflow graph examples/新产品上市.sop                      Mermaid on standard output
  sopflow graph examples/新产品上市.sop --format svg -o 新产品上市.svg
  sopflow graph examples/客户问题处理.sop --format dot | dot -Tpng -o flow.png";

/// The arguments of `sopflow graph`.
#[derive(Debug, Args)]
pub(super) struct GraphArgs {
    /// The .sop file of the process.
    #[arg(value_name = "FILE")]
    file: String,

    /// The drawing format.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    format: Format,

    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,

    /// The language of the labels (时限/within, 其他/otherwise, 退回/rework):
    /// `zh` or `en`. By default the locale decides.
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<LangArg>,

    #[command(flatten)]
    root: RootArg,
}

/// The values of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
    /// A standalone SVG document.
    Svg,
}

/// Loads the file and writes its picture.
///
/// # Errors
/// Only when writing to `out` or `err` fails.
pub(super) fn run(
    args: &GraphArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> io::Result<ExitStatus> {
    let Some(definition) = super::load_definition(&args.file, &args.root, "", err)? else {
        return Ok(ExitStatus::Error);
    };
    let lang = args.lang.map_or(terminal.lang, Into::into);
    let diagram = Diagram::new(&definition, lang);
    let text = match args.format {
        Format::Mermaid => graph::mermaid(&diagram),
        Format::Dot => graph::dot(&diagram),
        Format::Svg => graph::svg(&diagram),
    };
    match &args.output {
        None => out.write_all(text.as_bytes())?,
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                writeln!(err, "error: cannot write `{}`: {e}", path.display())?;
                return Ok(ExitStatus::Error);
            }
        }
    }
    Ok(ExitStatus::Success)
}
