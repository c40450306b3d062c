//! Reading `.sop` files and resolving `use`: the core's only door to files.
//!
//! [`Loader`] parses a main file and every file it `use`s (transitively, each
//! once), reports unreadable files and import cycles as diagnostics at the
//! `use` that names them, and lowers the result into a
//! [`Definition`]. Files come from a [`Resolver`]:
//! [`FsResolver`] reads the file system, [`MemoryResolver`] a map of texts
//! (for tests and for hosts that keep SOPs in a database).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Source, SourceId, SourceMap};
use crate::model::{self, Definition};
use crate::syntax::{self, ast};

/// Why a file could not be read.
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
    /// The file is not valid UTF-8.
    #[error("`{name}` is not UTF-8 text (invalid byte at offset {offset})")]
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
}

/// Where `.sop` files come from.
pub trait Resolver {
    /// The canonical name of the file that `path` (as written in a `use` inside `from`) refers to.
    fn locate(&self, from: &str, path: &str) -> String;
    /// Reads a file by its canonical name.
    ///
    /// # Errors
    /// [`LoadError`] when the file cannot be read or is not UTF-8.
    fn read(&self, name: &str) -> Result<String, LoadError>;
}

/// Reads files from the file system; `use` paths are relative to the using file.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsResolver;

impl Resolver for FsResolver {
    fn locate(&self, from: &str, path: &str) -> String {
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        normalize(&base.join(path)).to_string_lossy().into_owned()
    }

    fn read(&self, name: &str) -> Result<String, LoadError> {
        let bytes = std::fs::read(name).map_err(|source| LoadError::Io {
            name: name.to_owned(),
            source,
        })?;
        String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
            name: name.to_owned(),
            offset: e.utf8_error().valid_up_to(),
        })
    }
}

/// Removes `.` and resolvable `..` components without touching the file system.
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
            other => out.push(other),
        }
    }
    out
}

/// Serves files from memory, by name; `use` paths are relative to the using file.
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
    fn locate(&self, from: &str, path: &str) -> String {
        FsResolver.locate(from, path)
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
    fn locate(&self, from: &str, path: &str) -> String {
        FsResolver.locate(from, path)
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
        let text = self.resolver.read(name)?;
        Ok(self.check_source(name, &text))
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
        // The canonical name, so that a `use` leading back to the main file
        // (`./main.sop`, `../x/main.sop`) is seen as a cycle, not read again.
        let mut stack = vec![self.resolver.locate("", name)];
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
        let mut all = session.diags;
        all.extend(diags);
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
    fn imports(
        &mut self,
        from: &str,
        file: &ast::File,
        from_id: SourceId,
        stack: &mut Vec<String>,
    ) {
        for item in &file.items {
            let ast::Item::Use(path) = item else { continue };
            let name = self.resolver.locate(from, &path.node);
            if let Some(pos) = stack.iter().position(|s| *s == name) {
                let chain: Vec<&str> = stack[pos..]
                    .iter()
                    .map(String::as_str)
                    .chain([name.as_str()])
                    .collect();
                self.diags.push(
                    Diagnostic::new(
                        Code::UseCycle,
                        format!("files use each other in a cycle: {}", chain.join(" → ")),
                        from_id,
                        path.span,
                        "closes the cycle",
                    )
                    .with_help(
                        "move the shared declarations into a file that neither of them uses back",
                    ),
                );
                continue;
            }
            if self.ids.contains_key(&name) {
                continue; // already loaded through another `use`
            }
            let text = match self.resolver.read(&name) {
                Ok(t) => t,
                Err(e) => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::UseUnreadable,
                            format!("cannot use `{}`", path.node),
                            from_id,
                            path.span,
                            e.to_string(),
                        )
                        .with_help(
                            "check the path; it is relative to the file that contains the `use`",
                        ),
                    );
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
