//! `--root DIR`: the directory tree that `use` may read.
//!
//! Every command that loads `.sop` files reads them through an
//! [`FsResolver`](sopflow::load::FsResolver) confined to a root directory. By
//! default the root is the tree being checked: a directory named on the
//! command line is its own root, and a file named is confined to its own
//! directory. `--root DIR` sets one root for every path instead (and then
//! every path named must lie inside it).

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;

/// The `--root` option, shared by `check`, `simulate` and `due`.
#[derive(Debug, Args)]
pub(super) struct RootArg {
    /// The directory that `use` may read from; the paths named must lie
    /// inside it too. Default: each directory named is its own root, and a
    /// file named is confined to its own directory.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

impl RootArg {
    /// The root given with `--root`, canonical; an error message when it
    /// cannot be used.
    pub(super) fn canonical(&self) -> Result<Option<PathBuf>, String> {
        let Some(root) = &self.root else {
            return Ok(None);
        };
        match fs::canonicalize(root) {
            Ok(canonical) if canonical.is_dir() => Ok(Some(canonical)),
            Ok(_) => Err(format!(
                "error: invalid --root `{}`: not a directory",
                root.display()
            )),
            Err(e) => Err(format!("error: invalid --root `{}`: {e}", root.display())),
        }
    }

    /// The root for the file `path`: `--root`, or the file's directory.
    pub(super) fn for_file(&self, path: &Path) -> PathBuf {
        self.root
            .clone()
            .unwrap_or_else(|| directory_of(path).to_path_buf())
    }
}

/// The directory a file is in: `.` for a bare file name.
pub(super) fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
