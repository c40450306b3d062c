//! Finding the files to check: the paths named on the command line, and the
//! `*.sop` files under the directories among them.
//!
//! The order is deterministic: paths in command-line order, and inside a
//! directory its entries sorted by name, depth first. Symbolic links are
//! followed, but each directory is entered once, so a link back up the tree
//! ends the walk there instead of looping.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A path that could not be read while looking for files.
#[derive(Debug)]
pub(super) struct WalkError {
    /// The path as it would be shown.
    pub(super) path: PathBuf,
    /// Why it could not be read.
    pub(super) error: io::Error,
}

/// The files to check, and the paths that could not be read.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// Files in checking order, each once.
    pub(super) files: Vec<PathBuf>,
    /// Paths that do not exist or could not be listed.
    pub(super) errors: Vec<WalkError>,
}

/// Expands `paths`: a file is taken whatever its extension, a directory is
/// searched recursively for `*.sop` files, skipping hidden directories and
/// `target/`.
pub(super) fn find(paths: &[PathBuf]) -> Found {
    let mut walk = Walk::default();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk.dir(path),
            Ok(_) => walk.file(path.clone()),
            Err(error) => walk.found.errors.push(WalkError {
                path: path.clone(),
                error,
            }),
        }
    }
    walk.found
}

#[derive(Debug, Default)]
struct Walk {
    found: Found,
    /// Files already listed, as they are named.
    seen_files: HashSet<PathBuf>,
    /// Directories already entered, canonicalized, so that links cannot loop.
    seen_dirs: HashSet<PathBuf>,
}

impl Walk {
    fn file(&mut self, path: PathBuf) {
        if self.seen_files.insert(path.clone()) {
            self.found.files.push(path);
        }
    }

    fn dir(&mut self, dir: &Path) {
        let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.seen_dirs.insert(canonical) {
            return;
        }
        let listing = fs::read_dir(dir).and_then(|entries| {
            entries
                .map(|entry| entry.map(|entry| entry.file_name()))
                .collect::<io::Result<Vec<_>>>()
        });
        let mut names = match listing {
            Ok(names) => names,
            Err(error) => {
                self.found.errors.push(WalkError {
                    path: dir.to_path_buf(),
                    error,
                });
                return;
            }
        };
        names.sort();
        for name in names {
            // `check .` lists `a.sop`, not `./a.sop`.
            let path = if dir == Path::new(".") {
                PathBuf::from(&name)
            } else {
                dir.join(&name)
            };
            let is_dir = fs::metadata(&path).is_ok_and(|meta| meta.is_dir());
            if is_dir {
                if !is_skipped_dir(&name) {
                    self.dir(&path);
                }
            } else if is_sop(&path) {
                // A `.sop` file, or a broken link named like one: checking it
                // reports the problem.
                self.file(path);
            }
        }
    }
}

/// Whether a directory found while walking is left out: hidden ones
/// (`.git`) and cargo's `target`.
fn is_skipped_dir(name: &OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".") || name == "target"
}

/// Whether a file found while walking is a `.sop` file.
fn is_sop(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "sop")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_hidden_and_target_dirs() {
        assert!(is_skipped_dir(OsStr::new(".git")));
        assert!(is_skipped_dir(OsStr::new("target")));
        assert!(!is_skipped_dir(OsStr::new("flows")));
        assert!(!is_skipped_dir(OsStr::new("targets")));
    }

    #[test]
    fn only_sop_extension() {
        assert!(is_sop(Path::new("a/新产品上市.sop")));
        assert!(!is_sop(Path::new("a/notes.txt")));
        assert!(!is_sop(Path::new("a/sop")));
        assert!(!is_sop(Path::new("a/x.sop.bak")));
    }
}
