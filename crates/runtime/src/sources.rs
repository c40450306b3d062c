//! [`SopFiles`]: the text of a `.sop` file and of every file it `use`s, as
//! deployed and stored.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sopflow::load::{FsResolver, LoadError, Loader, MemoryResolver};

use crate::error::Result;

/// A main `.sop` file and the files it uses (`use "org.sop"`), by name. A
/// deployed version stores all of them, so that it loads again on restart
/// exactly as deployed, whatever happens to the files on disk.
///
/// # Example
/// ```
/// use sopflow_runtime::SopFiles;
/// let files = SopFiles::new("上新.sop", "use \"org.sop\"\n市场部 → 研发部 within 3d")
///     .with("org.sop", "department 市场部\ndepartment 研发部");
/// assert_eq!(files.main, "上新.sop");
/// assert_eq!(files.files.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SopFiles {
    /// The name of the main file (a path for files read from disk).
    pub main: String,
    /// Every file by name, the main file included.
    pub files: BTreeMap<String, String>,
}

impl SopFiles {
    /// A main file with its text.
    pub fn new(main: impl Into<String>, text: impl Into<String>) -> Self {
        let main = main.into();
        let files = BTreeMap::from([(main.clone(), text.into())]);
        SopFiles { main, files }
    }

    /// Adds a file that the main file (or another added file) uses.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.insert(name.into(), text.into());
        self
    }

    /// Reads `path` and, following `use`, every file it uses (as `sopflow
    /// check FILE` does: `use` reads only inside the file's directory).
    /// Files that cannot be read are left out; deploying then reports them
    /// as diagnostics.
    ///
    /// # Errors
    /// [`Error::Load`](crate::Error::Load) when `path` itself cannot be read.
    ///
    /// # Example
    /// ```no_run
    /// let files = sopflow_runtime::SopFiles::read("examples/新产品上市.sop")?;
    /// assert!(files.files.contains_key("examples/org.sop"));
    /// # Ok::<(), sopflow_runtime::Error>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let main = path.as_ref().to_string_lossy().into_owned();
        let root = match path.as_ref().parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let resolver = FsResolver::new(root).map_err(|source| LoadError::Io {
            name: main.clone(),
            source,
        })?;
        let checked = Loader::new(resolver).check(&main)?;
        let files = checked
            .diagnostics
            .sources()
            .iter()
            .map(|(_, source)| (source.name().to_owned(), source.text().to_owned()))
            .collect();
        Ok(SopFiles { main, files })
    }

    /// The main file's text.
    pub fn main_text(&self) -> &str {
        self.files.get(&self.main).map_or("", String::as_str)
    }

    pub(crate) fn resolver(&self) -> MemoryResolver {
        self.files
            .iter()
            .fold(MemoryResolver::new(), |r, (name, text)| r.with(name, text))
    }
}
