//! `use` reads only `.sop` files inside a root directory, reading is bounded,
//! and nothing outside the project ever reaches the output (issue 8 §2).
//!
//! Each test builds a small project in a fresh temporary directory, with a
//! "secret" beside it, and runs the `sopflow` binary (or the library) on it.
//! The secrets carry canaries that must never appear in any output.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::Run;

use sopflow::diagnostics::Code;
use sopflow::load::{FsResolver, LoadError, Loader, MemoryResolver, MAX_USE_DEPTH};

/// A canary in a file outside the project.
const SECRET: &str = "department 机密CANARY部\n# SECRET-CANARY-7f3a\n";
/// A canary in the environment of the checked process.
const ENV_CANARY: &str = "ENV-CANARY-91c2";
const CLEAN: &str = "市场部 → 研发部 within 3d\n";

struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("sopflow-use-{}-{n}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("the temporary directory is writable");
        // The secret lives beside the project, never inside it.
        fs::write(dir.join("secret.sop"), SECRET).expect("writable");
        fs::write(dir.join("secret.txt"), SECRET).expect("writable");
        fs::create_dir_all(dir.join("proj")).expect("writable");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().expect("a parent")).expect("writable");
        fs::write(&path, text).expect("writable");
        path
    }

    #[cfg(unix)]
    fn symlink(&self, target: impl AsRef<Path>, link: &str) {
        std::os::unix::fs::symlink(target, self.0.join(link)).expect("symlinks can be created");
    }

    /// Runs `sopflow ARGS` in this directory.
    fn sopflow(&self, args: &[&str]) -> Run {
        sopflow_in(&self.0, args)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Checks on a run of the binary over a project with secrets beside it.
trait Canaries {
    /// Asserts that no canary reached the output.
    fn assert_no_secrets(&self);
}

impl Canaries for Run {
    fn assert_no_secrets(&self) {
        for canary in ["CANARY", "机密", ENV_CANARY, "root:x:", "root:*:"] {
            assert!(
                !self.stdout.contains(canary) && !self.stderr.contains(canary),
                "{canary} leaked: {self:#?}"
            );
        }
    }
}

/// Runs the binary in `dir` with a canary in its environment. A run that
/// has not ended after a minute is killed and fails the test (it would be
/// blocked on a FIFO or reading a device), so a regression cannot hang the
/// suite.
fn sopflow_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = common::command(args);
    command
        .current_dir(dir)
        .env("SOPFLOW_TEST_SECRET", ENV_CANARY);
    let run = common::run_or_kill_after(command, Duration::from_secs(60));
    assert!(!run.stderr.contains("overflow"), "{run:#?}");
    run
}

fn codes(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|line| {
            line.strip_prefix("error[")
                .or(line.strip_prefix("warning["))
        })
        .map(|rest| &rest[..4])
        .collect()
}

#[test]
fn absolute_paths_are_e019_and_not_read() {
    let dir = TempDir::new("absolute");
    let secret = dir.path().join("secret.sop");
    dir.write(
        "proj/main.sop",
        &format!(
            "use \"{}\"\nuse \"/etc/passwd\"\nuse \"/proc/self/environ\"\n{CLEAN}",
            secret.display()
        ),
    );
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(
        codes(&run.stdout),
        ["E019", "E019", "E019"],
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("an absolute path").count(), 3);
    run.assert_no_secrets();
}

#[test]
fn dot_dot_out_of_the_root_is_e019_whether_or_not_the_file_exists() {
    let dir = TempDir::new("dotdot");
    dir.write(
        "proj/flows/main.sop",
        &format!(
            "use \"../../secret.sop\"\nuse \"../sub/../../secret.sop\"\nuse \"../../missing.sop\"\n\
             use \"../../../../../../../../etc/passwd\"\nuse \"../../secret.txt\"\n{CLEAN}"
        ),
    );
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(codes(&run.stdout), ["E019"; 5], "{}", run.stdout);
    // A missing file outside is reported like an existing one: nothing is
    // learnt about what exists outside the root.
    assert_eq!(
        run.stdout
            .matches("leads outside the root directory")
            .count(),
        3,
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("not a `.sop` file").count(), 2);
    run.assert_no_secrets();
}

#[test]
fn dot_dot_inside_the_root_is_fine_and_root_widens_it() {
    let dir = TempDir::new("inside");
    dir.write("proj/org.sop", "department 市场部\ndepartment 研发部\n");
    dir.write(
        "proj/flows/main.sop",
        &format!("use \"../org.sop\"\nuse \"./sub/../../org.sop\"\n{CLEAN}"),
    );
    // Checking proj: proj is the root and ../org.sop is inside it.
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "checked 2 files: no problems\n");
    // Checking proj/flows: ../org.sop is outside that root …
    let run = dir.sopflow(&["check", "proj/flows"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(codes(&run.stdout), ["E019", "E019"], "{}", run.stdout);
    assert!(run.stdout.contains("--root DIR"), "{}", run.stdout);
    // … unless --root says the project is wider.
    for args in [
        &["check", "--root", "proj", "proj/flows"][..],
        &["check", "--root", "proj", "proj/flows/main.sop"],
    ] {
        let run = dir.sopflow(args);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
    }
}

#[test]
fn a_path_named_outside_the_root_is_refused() {
    let dir = TempDir::new("named-outside");
    dir.write("proj/a.sop", CLEAN);
    dir.write("other/b.sop", CLEAN);
    let run = dir.sopflow(&["check", "--root", "proj", "proj/a.sop", "other/b.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .starts_with("error: cannot read `other/b.sop`: it leads outside the root directory"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stdout,
        "checked 1 file: no problems; 1 path could not be read\n"
    );
    let run = dir.sopflow(&["check", "--root", "missing", "proj"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.starts_with("error: invalid --root `missing`: "));
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_neither_used_nor_walked() {
    let dir = TempDir::new("symlink");
    dir.symlink("../secret.sop", "proj/link.sop");
    dir.symlink("..", "proj/up");
    dir.symlink("/etc", "proj/etc");
    dir.write(
        "proj/sub/main.sop",
        &format!("use \"../link.sop\"\n{CLEAN}"),
    );
    dir.write(
        "proj/sub/via_dir.sop",
        &format!("use \"../up/secret.sop\"\n{CLEAN}"),
    );
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 2, "{run:#?}");
    // The walk reports the links that lead out and does not enter them.
    let refused: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(refused.len(), 3, "{}", run.stderr);
    assert!(refused[0].starts_with(
        "error: cannot read `proj/etc`: it is a symbolic link to a directory that leads outside"
    ));
    assert!(refused[1].starts_with(
        "error: cannot read `proj/link.sop`: it is a symbolic link that leads outside"
    ));
    assert!(refused[2].starts_with("error: cannot read `proj/up`: "));
    // The uses through links are E019.
    assert_eq!(codes(&run.stdout), ["E019", "E019"], "{}", run.stdout);
    assert!(run
        .stdout
        .ends_with("checked 2 files: 2 errors; 3 paths could not be read\n"));
    run.assert_no_secrets();

    // A link named on the command line is judged by where it leads, too.
    let run = dir.sopflow(&["check", "proj/link.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
    run.assert_no_secrets();
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_followed() {
    let dir = TempDir::new("symlink-inside");
    dir.write(
        "proj/shared/org.sop",
        "department 市场部\ndepartment 研发部\n",
    );
    dir.symlink("shared/org.sop", "proj/org.sop");
    dir.symlink("shared", "proj/common");
    dir.write("proj/a.sop", &format!("use \"org.sop\"\n{CLEAN}"));
    dir.write("proj/b.sop", &format!("use \"common/org.sop\"\n{CLEAN}"));
    for file in ["proj/a.sop", "proj/b.sop"] {
        let run = dir.sopflow(&["check", file]);
        assert_eq!(run.code, 0, "{file}: {run:#?}");
    }
    // Walking: shared/org.sop, org.sop and common/org.sop are one file.
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "checked 3 files: no problems\n");
}

#[cfg(target_os = "linux")]
#[test]
fn proc_self_environ_never_reaches_the_output() {
    let dir = TempDir::new("environ");
    dir.symlink("/proc/self/environ", "proj/env.sop");
    dir.write(
        "proj/main.sop",
        &format!(
            "use \"/proc/self/environ\"\nuse \"env.sop\"\nuse \"../../../../../../../../proc/self/environ\"\n{CLEAN}"
        ),
    );
    for args in [
        &["check", "proj"][..],
        &["check", "proj/main.sop"],
        &["check", "proj/env.sop"],
        &["check", "--format", "json", "proj"],
        &["check", "--format", "github", "proj"],
    ] {
        let run = dir.sopflow(args);
        assert_ne!(run.code, 0, "{args:?}: {run:#?}");
        run.assert_no_secrets();
    }
    let run = dir.sopflow(&["check", "proj/main.sop"]);
    assert_eq!(
        codes(&run.stdout),
        ["E019", "E019", "E019"],
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn a_sop_link_to_dev_zero_ends_with_an_error() {
    let dir = TempDir::new("zero");
    dir.symlink("/dev/zero", "proj/zero.sop");
    dir.write("proj/main.sop", &format!("use \"zero.sop\"\n{CLEAN}"));
    // The default root: the link leads outside it.
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("`proj/zero.sop`: it is a symbolic link that leads outside"),
        "{}",
        run.stderr
    );
    assert_eq!(codes(&run.stdout), ["E019"], "{}", run.stdout);
    // With the whole file system as the root, the device itself is refused
    // before it is opened.
    let run = dir.sopflow(&["check", "--root", "/", "proj"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains(
            "error: cannot read `proj/zero.sop`: it is a character device, not a regular file"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(codes(&run.stdout), ["E017"], "{}", run.stdout);
    assert!(run
        .stdout
        .contains("a character device, not a regular file"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = TempDir::new("fifo");
    let fifo = dir.path().join("proj/pipe.sop");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    dir.write("proj/main.sop", &format!("use \"pipe.sop\"\n{CLEAN}"));
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr.contains(
            "error: cannot read `proj/pipe.sop`: it is a FIFO (named pipe), not a regular file"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(codes(&run.stdout), ["E017"], "{}", run.stdout);
    // The library says the same, also without blocking.
    let resolver = FsResolver::new(dir.path().join("proj")).expect("the project exists");
    let name = fifo.to_str().expect("a UTF-8 path");
    match Loader::new(resolver).check(name) {
        Err(LoadError::NotAFile { kind, .. }) => assert_eq!(kind, "a FIFO (named pipe)"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_file_over_the_limit_is_e004_without_being_read() {
    let dir = TempDir::new("huge");
    // A sparse file of 4 GiB: reading it whole would take gigabytes.
    let huge = fs::File::create(dir.path().join("proj/huge.sop")).expect("writable");
    huge.set_len(4 << 30).expect("sparse files can be made");
    dir.write("proj/main.sop", &format!("use \"huge.sop\"\n{CLEAN}"));
    let run = dir.sopflow(&["check", "proj"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(codes(&run.stdout), ["E004", "E004"], "{}", run.stdout);
    assert!(run
        .stdout
        .contains("file is larger than the limit of 33554432 bytes"));
    assert!(run
        .stdout
        .contains("larger than the limit of 33554432 bytes"));
}

#[test]
fn a_use_chain_twenty_thousand_files_deep_stops_at_the_limit() {
    let dir = TempDir::new("chain");
    let depth = 20_000;
    for i in 0..depth {
        dir.write(
            &format!("proj/f{i}.sop"),
            &format!("use \"f{}.sop\"\nrole R{i}\n", i + 1),
        );
    }
    dir.write(&format!("proj/f{depth}.sop"), "role Last\n");
    let run = dir.sopflow(&["check", "proj/f0.sop"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(codes(&run.stdout), ["E004"], "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "`use` nested more than {MAX_USE_DEPTH} files deep"
        )),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains(&format!(" --> proj/f{MAX_USE_DEPTH}.sop:1:5")));
    // A chain of exactly the limit is fine.
    let run = dir.sopflow(&["check", &format!("proj/f{}.sop", depth - MAX_USE_DEPTH)]);
    assert_eq!(run.code, 0, "{run:#?}");
}

#[test]
fn the_examples_still_use_org_sop() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let run = sopflow_in(root, &["check", "examples"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let run = sopflow_in(root, &["check", "examples/新产品上市.sop"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let run = sopflow_in(
        root,
        &[
            "due",
            "--calendar",
            "examples/org.sop#公司",
            "--from",
            "2026-03-02T09:00:00+08:00",
            "--within",
            "1wd",
        ],
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let checked = Loader::new(FsResolver::new(root.join("examples")).expect("examples/ exists"))
        .check(
            root.join("examples/新产品上市.sop")
                .to_str()
                .expect("UTF-8"),
        )
        .expect("readable");
    assert!(checked.definition.is_some(), "{}", checked.diagnostics);
}

#[test]
fn the_library_confines_every_resolver() {
    // FsResolver: the main file must be inside the root too.
    let dir = TempDir::new("library");
    dir.write("proj/main.sop", CLEAN);
    let resolver = FsResolver::new(dir.path().join("proj")).expect("the project exists");
    let outside = dir.path().join("secret.sop");
    match Loader::new(resolver.clone()).check(outside.to_str().expect("UTF-8")) {
        Err(e @ LoadError::OutsideRoot { .. }) => {
            assert!(
                e.to_string().ends_with("is outside the root directory"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(FsResolver::new(dir.path().join("proj/main.sop")).is_err());
    assert!(FsResolver::new(dir.path().join("missing")).is_err());

    // MemoryResolver: `..` may not climb above the top of the names.
    let files = MemoryResolver::new()
        .with("secret.sop", SECRET)
        .with(
            "flows/main.sop",
            format!("use \"../../secret.sop\"\nuse \"../org.sop\"\n{CLEAN}"),
        )
        .with("org.sop", "department 市场部\ndepartment 研发部\n");
    let checked = Loader::new(files)
        .check("flows/main.sop")
        .expect("in memory");
    let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UseForbidden], "{}", checked.diagnostics);
    assert!(!checked.diagnostics.to_string().contains("CANARY"));
}
