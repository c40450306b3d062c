//! Finding the files to check: the paths named on the command line, and the
//! `*.sop` files under the directories among them.
//!
//! The order is deterministic: paths in command-line order, and inside a
//! directory its entries sorted by name, depth first. Each file is listed
//! once, however many names lead to it (`a.sop ./a.sop ../dir/a.sop`): files
//! are told apart by their canonical path and shown as first named.
//!
//! Every file belongs to a root directory (see [`super::root`]), and the walk
//! stays inside it: a symbolic link is followed only when it leads to a place
//! inside the root; a `.sop` link or a directory link that leads out of it is
//! reported and not read. Each directory is entered once, so a link back up
//! the tree ends the walk there instead of looping.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::root::directory_of;

/// A path that could not be read while looking for files.
#[derive(Debug)]
pub(super) struct WalkError {
    /// The path as it would be shown.
    pub(super) path: PathBuf,
    /// Why it could not be read.
    pub(super) error: io::Error,
}

/// A file to check.
#[derive(Debug)]
pub(super) struct FoundFile {
    /// The path as named or found, for display.
    pub(super) path: PathBuf,
    /// Its root directory, an index into [`Found::roots`].
    pub(super) root: usize,
}

/// The files to check, their roots, and the paths that could not be read.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// Files in checking order, each once.
    pub(super) files: Vec<FoundFile>,
    /// The root directories of the files, canonical, each once.
    pub(super) roots: Vec<PathBuf>,
    /// Paths that do not exist, could not be listed, or lead outside their root.
    pub(super) errors: Vec<WalkError>,
}

/// Expands `paths`: a file is taken whatever its extension, a directory is
/// searched recursively for `*.sop` files, skipping hidden directories and
/// `target/`. `root` (canonical) is the root of every path; without it, a
/// directory is its own root and a file's directory is the file's.
pub(super) fn find(paths: &[PathBuf], root: Option<&Path>) -> Found {
    let mut walk = Walk::default();
    for path in paths {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(error) => {
                walk.error(path, error);
                continue;
            }
        };
        let own_root = if meta.is_dir() {
            path.as_path()
        } else {
            directory_of(path)
        };
        let root = match root {
            Some(root) => root.to_path_buf(),
            None => match fs::canonicalize(own_root) {
                Ok(root) => root,
                Err(error) => {
                    walk.error(path, error);
                    continue;
                }
            },
        };
        match fs::canonicalize(path) {
            Ok(real) if real.starts_with(&root) => {}
            Ok(_) => {
                walk.error(path, outside("it"));
                continue;
            }
            Err(error) => {
                walk.error(path, error);
                continue;
            }
        }
        let root = walk.root(root);
        if meta.is_dir() {
            walk.dir(path, root);
        } else {
            walk.file(path.clone(), root);
        }
    }
    walk.found
}

/// The error for a path that leads outside its root.
fn outside(what: &str) -> io::Error {
    io::Error::other(format!(
        "{what} leads outside the root directory \
         (the directory checked, the file's directory, or --root DIR)"
    ))
}

#[derive(Debug, Default)]
struct Walk {
    found: Found,
    /// Files already listed, canonicalized (or as named when that fails).
    seen_files: HashSet<PathBuf>,
    /// Directories already entered, canonicalized, so that links cannot loop.
    seen_dirs: HashSet<PathBuf>,
}

impl Walk {
    fn error(&mut self, path: &Path, error: io::Error) {
        self.found.errors.push(WalkError {
            path: path.to_path_buf(),
            error,
        });
    }

    /// The index of a root, adding it the first time.
    fn root(&mut self, root: PathBuf) -> usize {
        match self.found.roots.iter().position(|r| *r == root) {
            Some(index) => index,
            None => {
                self.found.roots.push(root);
                self.found.roots.len() - 1
            }
        }
    }

    fn file(&mut self, path: PathBuf, root: usize) {
        // A broken link has no canonical path; reading it reports the problem.
        let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.seen_files.insert(key) {
            self.found.files.push(FoundFile { path, root });
        }
    }

    fn dir(&mut self, dir: &Path, root: usize) {
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
                self.error(dir, error);
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
            let wanted = if is_dir {
                !is_skipped_dir(&name)
            } else {
                is_sop(&path)
            };
            if !wanted {
                continue;
            }
            if self.leads_outside(&path, root) {
                let what = if is_dir {
                    "it is a symbolic link to a directory that"
                } else {
                    "it is a symbolic link that"
                };
                self.error(&path, outside(what));
            } else if is_dir {
                self.dir(&path, root);
            } else {
                // A `.sop` file, or a broken link named like one: checking it
                // reports the problem.
                self.file(path, root);
            }
        }
    }

    /// Whether `path` is a symbolic link whose target lies outside the root.
    fn leads_outside(&self, path: &Path, root: usize) -> bool {
        let is_link = fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
        is_link
            && fs::canonicalize(path)
                .is_ok_and(|target| !target.starts_with(&self.found.roots[root]))
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
