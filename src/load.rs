//! Reading `.sop` files and resolving `use`: the core's only door to files.
//!
//! [`Loader`] parses a main file and every file it `use`s (transitively, each
//! once), reports unreadable files and import cycles as diagnostics at the
//! `use` that names them, and lowers the result into a
//! [`Definition`]. Files come from a [`Resolver`]:
//! [`FsResolver`] reads the file system under one root directory,
//! [`MemoryResolver`] a map of texts (for tests and for hosts that keep SOPs
//! in a database).
//!
//! # Confinement
//! `.sop` files come from strangers (pull requests checked in CI, sources
//! uploaded to a server), so what a `use` may read is limited, for every
//! resolver:
//!
//! - The [`Loader`] rejects a `use` path that is absolute (`/etc/passwd`,
//!   `C:\x.sop`) or does not name a `.sop` file, before asking the resolver
//!   ([`Code::UseForbidden`], E019).
//! - The resolver rejects a path that leaves its root: [`FsResolver`] after
//!   resolving `..` and symbolic links, [`MemoryResolver`] and [`NoFiles`]
//!   when `..` climbs above the top of their names (E019 too).
//! - The diagnostic names the path as written in the `use` and quotes nothing
//!   of the file it points to; only files read as `.sop` sources are ever
//!   quoted.
//! - [`FsResolver`] reads only regular files (never a device, FIFO or socket,
//!   which it recognizes from their metadata before opening them), and at
//!   most [`MAX_SOURCE_LEN`] + 1 bytes of each ([`Code::LimitExceeded`], E004,
//!   beyond the limit).
//! - `use` may nest at most [`MAX_USE_DEPTH`] files deep (E004 beyond).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::diagnostics::{
    tr, Code, Diagnostic, Diagnostics, Source, SourceId, SourceMap, Span, Text,
};
use crate::model::{self, Definition};
use crate::syntax::{self, ast, MAX_SOURCE_LEN};

/// How deep `use` may nest: the main file is at depth 0, a file it uses at
/// depth 1, and so on; a `use` in a file at this depth is
/// [`Code::LimitExceeded`] (E004).
///
/// Loading is recursive, and a limit keeps a chain of thousands of files from
/// exhausting the stack (and a cycle message from listing thousands of files).
pub const MAX_USE_DEPTH: usize = 100;

/// Why a file could not be read, or a `use` may not read it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file does not exist or cannot be read.
    #[error("cannot read `{name}`: {source}")]
    Io {
        /// The file as named.
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid UTF-8 (often GBK, as Windows tools save Chinese text).
    #[error("`{name}` is not UTF-8 text (invalid byte at offset {offset}); if a Windows tool saved it (as GBK), save it again as UTF-8: in Notepad, Save As with Encoding UTF-8")]
    NotUtf8 {
        /// The file as named.
        name: String,
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// The resolver has no files (see [`NoFiles`]).
    #[error("cannot read `{name}`: no files are available here; load with sopflow::load::Loader and a resolver")]
    NoFiles {
        /// The file as named.
        name: String,
    },
    /// A `use` path is absolute; `use` takes a path relative to the using file.
    #[error(
        "`{path}` is an absolute path; `use` takes a path relative to the file that contains it"
    )]
    Absolute {
        /// The path as written in the `use`.
        path: String,
    },
    /// A `use` path does not name a `.sop` file; `use` reads nothing else.
    #[error("`{path}` is not a `.sop` file; `use` loads only `.sop` files")]
    NotSop {
        /// The path as written in the `use`.
        path: String,
    },
    /// The file is outside the resolver's root (after resolving `..` and,
    /// for [`FsResolver`], symbolic links). Nothing was read.
    #[error("`{name}` is outside the root directory")]
    OutsideRoot {
        /// The file as named.
        name: String,
    },
    /// The path is a directory, a device, a FIFO or a socket. It was not
    /// opened: its metadata said so.
    #[error("cannot read `{name}`: it is {kind}, not a regular file")]
    NotAFile {
        /// The file as named.
        name: String,
        /// What it is instead: `a directory`, `a FIFO (named pipe)`, …
        kind: &'static str,
    },
    /// The file is larger than [`MAX_SOURCE_LEN`]; no more than the limit and
    /// one byte were read. [`Loader`] reports it as [`Code::LimitExceeded`].
    #[error("`{name}` is larger than the limit of {MAX_SOURCE_LEN} bytes")]
    TooLarge {
        /// The file as named.
        name: String,
    },
}

/// Where `.sop` files come from.
///
/// A resolver decides which names exist and keeps `use` inside its root;
/// the [`Loader`] has already rejected absolute `use` paths and paths that
/// do not end in `.sop` before it calls [`locate`](Resolver::locate).
pub trait Resolver {
    /// The name of the file that `path` (as written in a `use` inside the file
    /// `from`) refers to. The loader reads the file by this name, tells files
    /// apart by it, and shows it in diagnostics.
    ///
    /// # Errors
    /// [`LoadError::OutsideRoot`] when `path` leads outside the files this
    /// resolver may serve; the loader reports it as E019 and reads nothing.
    fn locate(&self, from: &str, path: &str) -> Result<String, LoadError>;
    /// Reads a file by its name: the main file's name as given to
    /// [`Loader::check`], or a name from [`locate`](Resolver::locate).
    ///
    /// A resolver should return [`LoadError::TooLarge`] rather than more than
    /// [`MAX_SOURCE_LEN`] bytes; a longer text is reported as E004 all the same.
    ///
    /// # Errors
    /// [`LoadError`] when the file cannot or may not be read, or is not UTF-8.
    fn read(&self, name: &str) -> Result<String, LoadError>;
}

/// Reads `.sop` files from the file system, under one root directory.
///
/// `use` paths are relative to the using file. Every file read, the main file
/// included, must lie inside the root once `..` and symbolic links are
/// resolved (else [`LoadError::OutsideRoot`], before anything is opened), must
/// be a regular file (a device, FIFO or socket is refused from its metadata,
/// without opening it), and is read up to [`MAX_SOURCE_LEN`] bytes and no
/// further. Names stay as they are written (`flows/org.sop`), so diagnostics
/// show the paths the user gave.
///
/// There is no unconfined variant: a host that really means to let `use`
/// reach any file names `/` as the root, where a reviewer can see it.
///
/// # Example
/// ```
/// use sopflow::load::{FsResolver, Loader};
/// let checked = Loader::new(FsResolver::new("examples")?).check("examples/新产品上市.sop")?;
/// assert!(checked.definition.is_some());
/// // `examples/` is the root: the main file may not lie outside it.
/// assert!(Loader::new(FsResolver::new("examples")?).check("Cargo.toml").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FsResolver {
    /// The root, canonical (absolute, without symbolic links).
    root: PathBuf,
}

impl FsResolver {
    /// A resolver that reads only files inside the directory `root`.
    ///
    /// # Errors
    /// When `root` does not exist or is not a directory.
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        let root = fs::canonicalize(root.as_ref())?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "the root is not a directory",
            ));
        }
        Ok(FsResolver { root })
    }

    /// The root directory, canonical: absolute, with symbolic links resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `name` leads, if that is inside the root.
    fn confine(&self, name: &str) -> Result<PathBuf, LoadError> {
        let resolved = resolve(Path::new(name)).map_err(|source| LoadError::Io {
            name: name.to_owned(),
            source,
        })?;
        if resolved.starts_with(&self.root) {
            Ok(resolved)
        } else {
            Err(LoadError::OutsideRoot {
                name: name.to_owned(),
            })
        }
    }
}

impl Resolver for FsResolver {
    fn locate(&self, from: &str, path: &str) -> Result<String, LoadError> {
        let name = relative_to(from, path);
        // Judged here, so that a `use` leading out gets E019 whether or not
        // the file exists (and says nothing about which files exist outside).
        self.confine(&name)?;
        Ok(name)
    }

    fn read(&self, name: &str) -> Result<String, LoadError> {
        // The resolved path is what is checked, so it is what is opened.
        let real = self.confine(name)?;
        read_regular_file(&real, name, MAX_SOURCE_LEN)
    }
}

/// `path` with `..` and symbolic links resolved as far as it exists, and the
/// rest (names that do not exist yet) appended: absolute and canonical.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let lexical = normalize(path);
    let mut existing = if lexical.as_os_str().is_empty() {
        Path::new(".")
    } else {
        lexical.as_path()
    };
    let mut missing = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(mut real) => {
                real.extend(missing.iter().rev());
                return Ok(real);
            }
            Err(e) => {
                // After `normalize`, `..` can only lead the path, and a
                // leading `..` always exists; so each name dropped here is a
                // plain one, which cannot climb out of its parent.
                let (Some(parent), Some(file)) = (existing.parent(), existing.file_name()) else {
                    return Err(e);
                };
                missing.push(file.to_owned());
                existing = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
            }
        }
    }
}

/// Reads a regular file of at most `limit` bytes as UTF-8, refusing
/// anything else before reading it; `name` is how errors name it.
///
/// The file's metadata is checked before it is opened (so a FIFO is never
/// opened, and opening cannot block) and again on the open file; at most
/// `limit + 1` bytes are read whatever the metadata says (files in `/proc`
/// report a length of 0).
///
/// # Errors
/// [`LoadError::NotAFile`] for directories, FIFOs, devices and sockets,
/// [`LoadError::TooLarge`] past `limit`, [`LoadError::NotUtf8`], and
/// [`LoadError::Io`] for everything the operating system refuses.
pub fn read_regular_file(path: &Path, name: &str, limit: usize) -> Result<String, LoadError> {
    let io_error = |source| LoadError::Io {
        name: name.to_owned(),
        source,
    };
    let regular = |meta: &fs::Metadata| match not_regular(&meta.file_type()) {
        Some(kind) => Err(LoadError::NotAFile {
            name: name.to_owned(),
            kind,
        }),
        None => Ok(()),
    };
    let too_large = || LoadError::TooLarge {
        name: name.to_owned(),
    };
    regular(&fs::metadata(path).map_err(io_error)?)?;
    let file = fs::File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    regular(&meta)?;
    let limit = u64::try_from(limit).expect("usize fits in u64 on every supported platform");
    if meta.len() > limit {
        return Err(too_large());
    }
    let expected = usize::try_from(meta.len()).expect("at most `limit`, a usize");
    let mut bytes = Vec::with_capacity(expected + 1);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
        name: name.to_owned(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// What a file that is not a regular file is, for an error message; `None`
/// for a regular file.
fn not_regular(file_type: &fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// The name that `path`, written in a `use` inside `from`, refers to.
fn relative_to(from: &str, path: &str) -> String {
    let base = Path::new(from).parent().unwrap_or(Path::new(""));
    normalize(&base.join(path)).to_string_lossy().into_owned()
}

/// [`relative_to`] for resolvers whose names form one tree: `..` may not
/// climb above its top.
fn relative_in_tree(from: &str, path: &str) -> Result<String, LoadError> {
    let name = relative_to(from, path);
    if Path::new(&name)
        .components()
        .any(|c| c == Component::ParentDir)
    {
        return Err(LoadError::OutsideRoot { name });
    }
    Ok(name)
}

/// Removes `.` and resolvable `..` components without touching the file
/// system; `..` can then only appear at the start.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            // `/..` is `/`.
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::RootDir)) => {}
            other => out.push(other),
        }
    }
    out
}

/// Rejects `use` paths that no resolver may follow: absolute ones, and ones
/// that do not name a `.sop` file.
fn check_use_path(path: &str) -> Result<(), LoadError> {
    let p = Path::new(path);
    let absolute = p.is_absolute()
        || p.has_root()
        || p.components().any(|c| matches!(c, Component::Prefix(_)));
    if absolute {
        return Err(LoadError::Absolute {
            path: path.to_owned(),
        });
    }
    if p.extension().is_none_or(|ext| ext != "sop") {
        return Err(LoadError::NotSop {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// Serves files from memory, by name; `use` paths are relative to the using file.
///
/// The names form one tree: a `use` whose `..` climbs above its top
/// (`use "../org.sop"` in `flow.sop`) is [`LoadError::OutsideRoot`] (E019).
///
/// # Example
/// ```
/// use sopflow::load::{Loader, MemoryResolver};
/// let files = MemoryResolver::new()
///     .with("org.sop", "department 市场部\ndepartment 研发部")
///     .with("flow.sop", "use \"org.sop\"\n市场部 → 研发部 within 3d");
/// let checked = Loader::new(files).check("flow.sop").unwrap();
/// assert!(checked.diagnostics.is_empty());
/// assert_eq!(checked.definition.unwrap().steps().len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryResolver {
    files: HashMap<String, String>,
}

impl MemoryResolver {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a file.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.insert(name.into(), text.into());
        self
    }
}

impl Resolver for MemoryResolver {
    fn locate(&self, from: &str, path: &str) -> Result<String, LoadError> {
        relative_in_tree(from, path)
    }

    fn read(&self, name: &str) -> Result<String, LoadError> {
        self.files.get(name).cloned().ok_or_else(|| LoadError::Io {
            name: name.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        })
    }
}

/// A resolver with no files: every `use` fails. [`crate::parse`] uses it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl Resolver for NoFiles {
    fn locate(&self, from: &str, path: &str) -> Result<String, LoadError> {
        relative_in_tree(from, path)
    }
    fn read(&self, name: &str) -> Result<String, LoadError> {
        Err(LoadError::NoFiles {
            name: name.to_owned(),
        })
    }
}

/// The result of checking a file: a definition when there are no errors, and all diagnostics.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The definition; `None` when `diagnostics` has errors.
    pub definition: Option<Definition>,
    /// Every error and warning, with the sources they point into.
    pub diagnostics: Diagnostics,
}

impl Checked {
    /// The definition, or the diagnostics when there are errors.
    ///
    /// # Errors
    /// The diagnostics, when they contain an error.
    pub fn into_result(self) -> Result<Definition, Diagnostics> {
        match self.definition {
            Some(mut d) => {
                d.warnings = self.diagnostics;
                Ok(d)
            }
            None => Err(self.diagnostics),
        }
    }
}

/// Loads `.sop` files through a [`Resolver`], following `use`.
#[derive(Debug, Clone, Default)]
pub struct Loader<R> {
    resolver: R,
    today: Option<NaiveDate>,
}

impl<R: Resolver> Loader<R> {
    /// A loader that reads through `resolver`.
    pub fn new(resolver: R) -> Self {
        Loader {
            resolver,
            today: None,
        }
    }

    /// Checks against the date `today` too: a process whose calendar's
    /// holiday data ends before the deadlines of an instance started that day
    /// could reach gets the warning W031 (see [`Code::CalendarEnding`] for how
    /// the reach is estimated). The loader reads no clock; without this, no
    /// W031 is reported, so the result depends on the files alone.
    ///
    /// # Example
    /// ```
    /// use chrono::NaiveDate;
    /// use sopflow::load::{Loader, MemoryResolver};
    ///
    /// let files = MemoryResolver::new().with(
    ///     "新品.sop",
    ///     "process 新品 { calendar cn; within 60wd }\n市场部 → 研发部 within 3wd\n",
    /// );
    /// let loader = Loader::new(files);
    /// assert!(loader.check("新品.sop")?.diagnostics.is_empty());
    ///
    /// let december = loader.today(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
    /// let checked = december.check("新品.sop")?;
    /// let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    /// assert_eq!(codes, ["W031"]); // 60 working days from 2026-12-02 reach 2027
    /// assert!(checked.definition.is_some()); // a warning, not an error
    /// # Ok::<(), sopflow::load::LoadError>(())
    /// ```
    #[must_use]
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// Reads, parses and validates the file `name` and the files it uses.
    ///
    /// # Errors
    /// [`LoadError`] when the main file itself cannot be read; problems in
    /// used files are diagnostics.
    pub fn check(&self, name: &str) -> Result<Checked, LoadError> {
        match self.resolver.read(name) {
            Ok(text) => Ok(self.check_source(name, &text)),
            Err(LoadError::TooLarge { .. }) => Ok(too_large(name)),
            Err(e) => Err(e),
        }
    }

    /// Like [`check`](Self::check), for a main file whose text is already in memory.
    pub fn check_source(&self, name: &str, text: &str) -> Checked {
        let mut session = Session {
            resolver: &self.resolver,
            sources: SourceMap::new(),
            files: Vec::new(),
            diags: Vec::new(),
            ids: HashMap::new(),
        };
        let main = session.sources.add(Source::new(name, text));
        let (main_file, diags) = syntax::parse(text, main);
        session.diags.extend(diags);
        // The name as a resolver's `locate` would give it, so that a `use`
        // leading back to the main file (`./main.sop`, `../x/main.sop`) is
        // seen as a cycle, not read again.
        let mut stack = vec![relative_to("", name)];
        session.imports(name, &main_file, main, &mut stack);
        let imports: Vec<model::lower::Input<'_>> = session
            .files
            .iter()
            .map(|(f, id)| model::lower::Input {
                file: f,
                source: *id,
            })
            .collect();
        let stem = Path::new(name)
            .file_stem()
            .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
        let (definition, diags) = model::lower(
            model::lower::Input {
                file: &main_file,
                source: main,
            },
            &imports,
            &stem,
            self.today,
        );
        // A statement skipped for a syntax error may be the flow itself: then "the
        // process has no steps" (W022) would be false, and only confuse.
        let skipped_in_main = session.diags.iter().any(|d| {
            d.primary().source == main && matches!(d.code, Code::Syntax | Code::FullWidth)
        });
        let mut all = session.diags;
        all.extend(
            diags
                .into_iter()
                .filter(|d| !(skipped_in_main && d.code == Code::EmptyProcess)),
        );
        let has_errors = all
            .iter()
            .any(|d| d.severity() == crate::diagnostics::Severity::Error);
        let diagnostics = Diagnostics::new(session.sources, all);
        let definition = if has_errors { None } else { definition };
        let definition = definition.map(|mut d| {
            d.warnings = diagnostics.clone();
            d
        });
        Checked {
            definition,
            diagnostics,
        }
    }

    /// Reads, parses and validates; the definition or every diagnostic.
    ///
    /// # Errors
    /// [`LoadError`] when the main file cannot be read; the diagnostics (in
    /// `Ok(Err(…))`) when the file has errors.
    pub fn load(&self, name: &str) -> Result<Result<Definition, Diagnostics>, LoadError> {
        Ok(self.check(name)?.into_result())
    }
}

struct Session<'r, R> {
    resolver: &'r R,
    sources: SourceMap,
    /// Used files in post-order (a file's own uses come before it).
    files: Vec<(ast::File, SourceId)>,
    diags: Vec<Diagnostic>,
    ids: HashMap<String, SourceId>,
}

impl<R: Resolver> Session<'_, R> {
    /// Loads the files that `file` (named `from`) uses, depth first; `stack`
    /// holds the files being loaded, the main file first, `from` last.
    fn imports(
        &mut self,
        from: &str,
        file: &ast::File,
        from_id: SourceId,
        stack: &mut Vec<String>,
    ) {
        for item in &file.items {
            let ast::Item::Use(path) = item else { continue };
            let located =
                check_use_path(&path.node).and_then(|()| self.resolver.locate(from, &path.node));
            let name = match located {
                Ok(name) => name,
                Err(e) => {
                    self.diags
                        .push(use_failed(&e, &path.node, from_id, path.span));
                    continue;
                }
            };
            if let Some(pos) = stack.iter().position(|s| *s == name) {
                let chain: Vec<&str> = stack[pos..]
                    .iter()
                    .map(String::as_str)
                    .chain([name.as_str()])
                    .collect();
                self.diags.push(
                    Diagnostic::new(
                        Code::UseCycle,
                        {
                            let chain = chain.join(" → ");
                            tr!(
                                "files use each other in a cycle: {chain}",
                                "文件之间互相 `use`，绕成了一个圈：{chain}"
                            )
                        },
                        from_id,
                        path.span,
                        tr!("closes the cycle", "这里又回到了开头的文件"),
                    )
                    .with_help(tr!(
                        "move the shared declarations into a file that neither of them uses back",
                        "把共用的声明挪到第三个文件里，让这几个文件都去 `use` 它，而它不再 `use` 它们"
                    )),
                );
                continue;
            }
            if self.ids.contains_key(&name) {
                continue; // already loaded through another `use`
            }
            if stack.len() > MAX_USE_DEPTH {
                self.diags.push(
                    Diagnostic::new(
                        Code::LimitExceeded,
                        tr!(
                            "`use` nested more than {MAX_USE_DEPTH} files deep",
                            "`use` 一层套一层，超过了 {MAX_USE_DEPTH} 层"
                        ),
                        from_id,
                        path.span,
                        tr!(
                            "this file is {MAX_USE_DEPTH} `use` steps from the main file",
                            "这个文件离主文件已有 {MAX_USE_DEPTH} 层 `use`"
                        ),
                    )
                    .with_help(tr!(
                        "use the shared files directly from the main file instead of through a chain",
                        "请在主文件里直接 `use` 需要的共用文件，不要一个套一个"
                    )),
                );
                continue;
            }
            let text = match self.resolver.read(&name) {
                Ok(text) if text.len() <= MAX_SOURCE_LEN => text,
                Ok(_) => {
                    let e = LoadError::TooLarge { name };
                    self.diags
                        .push(use_failed(&e, &path.node, from_id, path.span));
                    continue;
                }
                Err(e) => {
                    self.diags
                        .push(use_failed(&e, &path.node, from_id, path.span));
                    continue;
                }
            };
            let id = self.sources.add(Source::new(name.as_str(), text.as_str()));
            self.ids.insert(name.clone(), id);
            let (parsed, diags) = syntax::parse(&text, id);
            self.diags.extend(diags);
            stack.push(name.clone());
            self.imports(&name, &parsed, id, stack);
            stack.pop();
            self.files.push((parsed, id));
        }
    }
}

/// The diagnostic for a `use "written"` that cannot or may not be read. It
/// names the path as written and quotes nothing of the file it points to.
fn use_failed(e: &LoadError, written: &str, source: SourceId, span: Span) -> Diagnostic {
    let message = tr!("cannot use `{written}`", "无法引入 `{written}`");
    let (code, label, help) = match e {
        LoadError::Absolute { .. } => (
            Code::UseForbidden,
            tr!("an absolute path", "这是绝对路径"),
            tr!(
                "write the path relative to the file that contains the `use`",
                "请写相对路径：从写着这条 `use` 的文件所在的文件夹算起"
            ),
        ),
        LoadError::NotSop { .. } => (
            Code::UseForbidden,
            tr!("not a `.sop` file", "不是 `.sop` 文件"),
            tr!(
                "`use` loads only `.sop` files; give the shared file a name that ends in `.sop`",
                "`use` 只能引入 `.sop` 文件；请把共用的文件改名为以 `.sop` 结尾"
            ),
        ),
        LoadError::OutsideRoot { .. } => (
            Code::UseForbidden,
            tr!("leads outside the root directory", "指向了根目录之外"),
            tr!(
                "`use` reads only files under the root directory (by default the directory being \
                 checked; `sopflow check --root DIR` widens it); keep shared files inside it",
                "`use` 只能读取根目录下的文件（默认是被检查的文件夹，可用 `sopflow check --root 文件夹` \
                 放宽）；请把共用文件放在根目录里"
            ),
        ),
        LoadError::TooLarge { .. } => (
            Code::LimitExceeded,
            tr!(
                "larger than the limit of {MAX_SOURCE_LEN} bytes",
                "超过了上限 {MAX_SOURCE_LEN} 字节"
            ),
            tr!(
                "split the used file into several smaller files",
                "把被引入的文件拆成几个小一些的文件"
            ),
        ),
        LoadError::NotUtf8 { offset, .. } => (
            Code::UseUnreadable,
            tr!(
                "not UTF-8 text (invalid byte at offset {offset}); probably saved as GBK",
                "文件不是 UTF-8 编码（第 {offset} 个字节无法识别），多半是用 GBK 保存的"
            ),
            tr!(
                "save the file again as UTF-8: in Notepad, Save As with Encoding UTF-8",
                "请把文件重新保存为 UTF-8 编码：在记事本里选“另存为”，编码选 UTF-8；WPS/Word 请另存为纯文本并选 UTF-8"
            ),
        ),
        other => (
            Code::UseUnreadable,
            Text::new(other.to_string(), format!("无法读取：{other}")),
            tr!(
                "check the path; it is relative to the file that contains the `use`",
                "请检查路径是否写对；路径从写着这条 `use` 的文件所在的文件夹算起"
            ),
        ),
    };
    Diagnostic::new(code, message, source, span, label).with_help(help)
}

/// The result of checking a main file larger than [`MAX_SOURCE_LEN`]: E004,
/// as [`syntax::parse`] reports it for a text in memory.
fn too_large(name: &str) -> Checked {
    let mut sources = SourceMap::new();
    let id = sources.add(Source::new(name, ""));
    let diagnostic = Diagnostic::new(
        Code::LimitExceeded,
        tr!(
            "file is larger than the limit of {MAX_SOURCE_LEN} bytes",
            "文件超过了上限 {MAX_SOURCE_LEN} 字节"
        ),
        id,
        Span::new(0, 0),
        tr!("file too large", "文件太大"),
    )
    .with_help(tr!(
        "split the process into several files, or move shared declarations into a file loaded with `use`",
        "把流程拆成几个文件，或者把共用的声明放进另一个文件，再用 `use` 引入"
    ));
    Checked {
        definition: None,
        diagnostics: Diagnostics::new(sources, vec![diagnostic]),
    }
}
