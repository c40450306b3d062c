//! End-to-end tests of the `sopflow` binary: `sopflow check` on files written
//! to a fresh temporary directory, its three output formats, its exit status
//! (0 clean, 1 errors, 2 usage or I/O) and its handling of bad paths.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{sopflow_in, Run};

/// A clean file: two steps, the second due 72 hours after activation.
const CLEAN: &str = "市场部 → 研发部 within 3d\n";
/// One error: E030 (a zero deadline) at 1:18.
const ONE_ERROR: &str = "市场部 → 研发部 within 0d\n";
/// Two errors: E030 at 1:18, and E021 (a second start step `A`) at 2:1.
const TWO_ERRORS: &str = "市场部 → 研发部 within 0d\nA → B\n";
/// One warning and no error: W030 (an escalation ladder out of order).
const WARNING: &str =
    "ladder 标准 {\n  +2d notify head\n  +1d notify owner\n}\n市场部 → 研发部 within 3d\n";
/// Not `.sop` at all; an error if it were ever checked.
const GARBAGE: &str = "市场部 →\n";

/// A directory of its own under the system's temporary directory, removed
/// when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("sopflow-cli-{}-{n}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("the temporary directory is writable");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `bytes` to `relative` (creating parent directories) and returns its path.
    fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().expect("a file has a parent"))
            .expect("the temporary directory is writable");
        fs::write(&path, bytes).expect("the temporary directory is writable");
        path
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

/// Runs the binary in `dir` with the environment variables `env` set.
fn sopflow_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = common::command(args);
    command.current_dir(dir).envs(env.iter().copied());
    common::run(command)
}

#[test]
fn clean_file_exits_0_with_a_summary() {
    let dir = TempDir::new("clean");
    dir.write("ok.sop", CLEAN);
    let run = dir.sopflow(&["check", "ok.sop"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "checked 1 file: no problems\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn error_exits_1_and_shows_code_and_location() {
    let dir = TempDir::new("error");
    dir.write("bad.sop", ONE_ERROR);
    let run = dir.sopflow(&["check", "bad.sop"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.starts_with("error[E030]: "), "{}", run.stdout);
    assert!(run.stdout.contains(" --> bad.sop:1:18\n"), "{}", run.stdout);
    assert!(run.stdout.contains("= help: "), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("\n\nchecked 1 file: 1 error\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn warnings_alone_exit_0() {
    let dir = TempDir::new("warning");
    dir.write("ladder.sop", WARNING);
    let run = dir.sopflow(&["check", "ladder.sop"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.starts_with("warning[W030]: "), "{}", run.stdout);
    assert!(run.stdout.ends_with("checked 1 file: 1 warning\n"));
}

#[test]
fn json_is_one_array_of_records() {
    let dir = TempDir::new("json");
    dir.write("a.sop", TWO_ERRORS);
    dir.write("b.sop", WARNING);
    dir.write("c.sop", CLEAN);
    let run = dir.sopflow(&["check", "--format", "json", "a.sop", "b.sop", "c.sop"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    let records = value.as_array().expect("a JSON array");
    assert_eq!(records.len(), 3, "{records:#?}");
    for record in records {
        let object = record.as_object().expect("each record is an object");
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "file",
                "help",
                "lang",
                "line",
                "message",
                "severity"
            ]
        );
    }
    let first = &records[0];
    assert_eq!(first["file"], "a.sop");
    assert_eq!(first["line"], 1);
    assert_eq!(first["column"], 18);
    assert_eq!(first["end_line"], 1);
    assert_eq!(first["end_column"], 20);
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "E030");
    assert_eq!(first["lang"], "en");
    assert!(first["help"].is_string());
    assert_eq!(records[1]["code"], "E021");
    assert_eq!(records[2]["file"], "b.sop");
    assert_eq!(records[2]["severity"], "warning");
    assert_eq!(records[2]["code"], "W030");
    // The summary goes to stderr, so stdout stays parseable.
    assert_eq!(run.stderr, "checked 3 files: 2 errors, 1 warning\n");
}

#[test]
fn json_without_problems_is_an_empty_array() {
    let dir = TempDir::new("json-empty");
    dir.write("ok.sop", CLEAN);
    let run = dir.sopflow(&["check", "--format=json", "ok.sop"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "[]\n");
    assert_eq!(run.stderr, "checked 1 file: no problems\n");
}

#[test]
fn json_leaves_unreadable_paths_out_of_the_array() {
    let dir = TempDir::new("json-missing");
    dir.write("bad.sop", ONE_ERROR);
    let run = dir.sopflow(&["check", "--format", "json", "missing.sop", "bad.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(value.as_array().map(Vec::len), Some(1));
    assert!(run.stderr.starts_with("error: cannot read `missing.sop`: "));
    assert!(run
        .stderr
        .ends_with("checked 1 file: 1 error; 1 path could not be read\n"));
}

#[test]
fn github_writes_workflow_commands_then_the_summary() {
    let dir = TempDir::new("github");
    dir.write("bad.sop", TWO_ERRORS);
    dir.write("warn.sop", WARNING);
    let run = dir.sopflow(&["check", "--format", "github", "bad.sop", "warn.sop"]);
    assert_eq!(run.code, 1, "{run:#?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0]
        .starts_with("::error file=bad.sop,line=1,col=18,endLine=1,endColumn=20,title=E030::"));
    assert!(lines[1].starts_with("::error file=bad.sop,line=2,col=1,"));
    assert!(lines[2].starts_with("::warning file=warn.sop,line=3,col=3,"));
    assert!(lines[2].contains(",title=W030::"));
    assert_eq!(lines[3], "checked 2 files: 2 errors, 1 warning");
}

#[test]
fn directories_are_walked_recursively_for_sop_files() {
    let dir = TempDir::new("walk");
    dir.write("flows/b.sop", CLEAN);
    dir.write("flows/a.sop", WARNING);
    dir.write("flows/采购/c.sop", CLEAN);
    dir.write("flows/采购/deep/er/d.sop", ONE_ERROR);
    // Not checked: other extensions, hidden directories, `target/`.
    dir.write("flows/notes.txt", GARBAGE);
    dir.write("flows/a.sop.bak", GARBAGE);
    dir.write("flows/.drafts/x.sop", GARBAGE);
    dir.write("flows/target/y.sop", GARBAGE);
    let run = dir.sopflow(&["check", "flows"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run
        .stdout
        .ends_with("checked 4 files: 1 error, 1 warning\n"));
    let located: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix(" --> "))
        .collect();
    assert_eq!(
        located,
        ["flows/a.sop:3:3", "flows/采购/deep/er/d.sop:1:18"]
    );
    assert_eq!(run.stderr, "");

    // `check .` names files without a `./` prefix.
    let run = sopflow_in(&dir.path().join("flows"), &["check", "."]);
    assert!(run.stdout.contains(" --> a.sop:3:3\n"), "{}", run.stdout);
    assert!(run.stdout.contains(" --> 采购/deep/er/d.sop:1:18\n"));
}

#[test]
fn a_file_named_explicitly_is_checked_whatever_its_extension() {
    let dir = TempDir::new("explicit");
    dir.write("flow.txt", ONE_ERROR);
    let run = dir.sopflow(&["check", "flow.txt"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains(" --> flow.txt:1:18\n"));
}

#[test]
fn a_directory_without_sop_files_is_clean_with_a_warning() {
    let dir = TempDir::new("empty");
    dir.write("docs/readme.txt", GARBAGE);
    let run = dir.sopflow(&["check", "docs"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "checked 0 files: no problems\n");
    assert_eq!(run.stderr, "warning: no .sop files found\n");
}

#[test]
fn a_used_file_reports_its_problems_once() {
    let dir = TempDir::new("use");
    dir.write(
        "org.sop",
        "department 市场部\ndepartment 研发部\ndepartment 研发部\n",
    );
    dir.write("main.sop", "use \"org.sop\"\n市场部 → 研发部 within 3d\n");
    // org.sop's duplicate is found through main.sop and again on its own.
    let run = dir.sopflow(&["check", "."]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(
        run.stdout.matches("error[E015]").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("checked 2 files: 1 error\n"));
}

#[test]
fn a_flow_in_a_used_file_is_only_a_warning() {
    let dir = TempDir::new("w021");
    dir.write(
        "org.sop",
        "department 市场部\ndepartment 研发部\n市场部 → 研发部\n",
    );
    dir.write("main.sop", "use \"org.sop\"\n市场部 → 研发部 within 3d\n");
    let run = dir.sopflow(&["check", "main.sop"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.starts_with("warning[W021]: "), "{}", run.stdout);
    assert!(run.stdout.contains(" --> org.sop:3:1\n"));
    assert!(run.stdout.ends_with("checked 1 file: 1 warning\n"));
}

#[test]
fn a_missing_path_exits_2_after_checking_the_rest() {
    let dir = TempDir::new("missing");
    dir.write("bad.sop", ONE_ERROR);
    let run = dir.sopflow(&["check", "missing.sop", "bad.sop", "nodir/"]);
    assert_eq!(run.code, 2, "{run:#?}");
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].starts_with("error: cannot read `missing.sop`: "));
    assert!(errors[1].starts_with("error: cannot read `nodir/`: "));
    // bad.sop was still checked.
    assert!(run.stdout.starts_with("error[E030]"), "{}", run.stdout);
    assert!(run
        .stdout
        .ends_with("checked 1 file: 1 error; 2 paths could not be read\n"));
}

#[test]
fn a_file_that_is_not_utf8_exits_2_without_panicking() {
    let dir = TempDir::new("utf8");
    dir.write("flows/binary.sop", [0xff, 0xfe]);
    dir.write("flows/ok.sop", CLEAN);
    let run = dir.sopflow(&["check", "flows"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run
        .stderr
        .starts_with("error: `flows/binary.sop` is not UTF-8"));
    assert_eq!(
        run.stdout,
        "checked 1 file: no problems; 1 path could not be read\n"
    );
}

#[test]
fn missing_arguments_are_usage_errors() {
    let dir = TempDir::new("usage");
    let cases: [&[&str]; 4] = [
        &[],
        &["check"],
        &["check", "--format", "xml", "a.sop"],
        &["due"], // --calendar, --from and --within are required
    ];
    for args in cases {
        let run = dir.sopflow(args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "", "{args:?}");
        // clap shows the usage, or how to get it.
        assert!(run.stderr.contains("--help"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn help_has_examples_and_version_is_printed() {
    let dir = TempDir::new("help");
    for args in [&["--help"][..], &["check", "--help"]] {
        let run = dir.sopflow(args);
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert!(run.stdout.contains("Examples:"), "{}", run.stdout);
        assert!(run.stdout.contains("sopflow check --format github ."));
    }
    let run = dir.sopflow(&["--version"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!("sopflow {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn colour_follows_the_color_option() {
    let dir = TempDir::new("color");
    dir.write("bad.sop", ONE_ERROR);
    let escape = "\u{1b}[";
    // Piped output is not a terminal: `auto` means no colour.
    assert!(!dir.sopflow(&["check", "bad.sop"]).stdout.contains(escape));
    let always = dir.sopflow(&["check", "--color", "always", "bad.sop"]);
    assert!(always.stdout.contains(escape), "{}", always.stdout);
    let never = dir.sopflow(&["--color=never", "check", "bad.sop"]);
    assert!(!never.stdout.contains(escape));
}

#[cfg(unix)]
#[test]
fn symlink_loops_end_the_walk() {
    let dir = TempDir::new("symlink");
    dir.write("flows/sub/a.sop", CLEAN);
    std::os::unix::fs::symlink("..", dir.path().join("flows/sub/up"))
        .expect("symlinks can be created");
    let run = dir.sopflow(&["check", "flows"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "checked 1 file: no problems\n");
}

/// Runs `check --format FORMAT` on a two-error file named by its absolute
/// path, and replaces the temporary directory with `[TMP]`.
fn two_errors_output(format: &str) -> String {
    let dir = TempDir::new(&format!("snapshot-{format}"));
    let path = dir.write("two.sop", TWO_ERRORS);
    let path = path.to_str().expect("the temporary directory is UTF-8");
    let run = dir.sopflow(&["check", "--format", format, path]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.stderr, "");
    let tmp = dir
        .path()
        .to_str()
        .expect("the temporary directory is UTF-8");
    run.stdout.replace(tmp, "[TMP]")
}

#[test]
fn snapshot_human() {
    insta::assert_snapshot!("two_errors_human", two_errors_output("human"));
}

#[test]
fn snapshot_github() {
    insta::assert_snapshot!("two_errors_github", two_errors_output("github"));
}

#[test]
fn a_file_named_several_ways_is_checked_once_as_first_named() {
    let dir = TempDir::new("dedup");
    dir.write("dir/a.sop", ONE_ERROR);
    dir.write("dir/sub/keep", "");
    let run = sopflow_in(
        &dir.path().join("dir"),
        &[
            "check",
            "a.sop",
            "./a.sop",
            "../dir/a.sop",
            "sub/../a.sop",
            ".",
        ],
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(
        run.stdout.matches("error[E030]").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" --> a.sop:1:18\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("checked 1 file: 1 error\n"));
}

#[test]
fn lang_zh_renders_chinese_with_the_same_codes() {
    let dir = TempDir::new("lang-zh");
    dir.write("bad.sop", ONE_ERROR);
    let run = dir.sopflow(&["check", "--lang", "zh", "bad.sop"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.starts_with("错误[E030]: "), "{}", run.stdout);
    assert!(run.stdout.contains(" --> bad.sop:1:18\n"), "{}", run.stdout);
    assert!(run.stdout.contains("= 提示: "), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("\n\n检查了 1 个文件：1 个错误\n"),
        "{}",
        run.stdout
    );
    let json = dir.sopflow(&["check", "--lang", "zh", "--format", "json", "bad.sop"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("stdout is JSON");
    assert_eq!(value[0]["code"], "E030");
    assert_eq!(value[0]["lang"], "zh");
    assert!(
        value[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("必须大于零")),
        "{value:#}"
    );
    let github = dir.sopflow(&["check", "--lang", "zh", "--format", "github", "bad.sop"]);
    assert!(
        github.stdout.starts_with("::error file=bad.sop,"),
        "{}",
        github.stdout
    );
    assert!(github.stdout.contains("（提示："), "{}", github.stdout);
}

#[test]
fn the_locale_chooses_the_language_and_lang_overrides_it() {
    let dir = TempDir::new("lang-locale");
    dir.write("bad.sop", ONE_ERROR);
    let zh = |env: &[(&str, &str)], args: &[&str]| {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.push("bad.sop");
        let run = sopflow_with_env(&dir.0, &all, env);
        assert_eq!(run.code, 1, "{run:#?}");
        run.stdout.starts_with("错误[E030]")
    };
    assert!(!zh(&[], &[]), "no locale variable: English");
    assert!(zh(&[("LANG", "zh_CN.UTF-8")], &[]));
    assert!(zh(
        &[("LC_MESSAGES", "zh_TW.UTF-8"), ("LANG", "en_US.UTF-8")],
        &[]
    ));
    assert!(!zh(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")], &[]));
    assert!(zh(&[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "C")], &[]));
    assert!(!zh(&[("LANG", "zh_CN.UTF-8")], &["--lang", "en"]));
    assert!(zh(&[("LANG", "C.UTF-8")], &["--lang", "zh"]));
    let run = sopflow_in(&dir.0, &["check", "--lang", "fr", "bad.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn a_gbk_file_is_said_to_need_saving_as_utf8() {
    let dir = TempDir::new("gbk");
    // 市场部 → 研发部 in GBK, as Windows Notepad saves it with "ANSI" on a Chinese system.
    let gbk: &[u8] = b"\xca\xd0\xb3\xa1\xb2\xbf -> \xd1\xd0\xb7\xa2\xb2\xbf\n";
    std::fs::write(dir.0.join("gbk.sop"), gbk).unwrap();
    let run = dir.sopflow(&["check", "gbk.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    assert!(run.stderr.contains("GBK"), "{}", run.stderr);
    assert!(
        run.stderr.contains("save it again as UTF-8"),
        "{}",
        run.stderr
    );
    let run = dir.sopflow(&["check", "--lang", "zh", "gbk.sop"]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("重新保存为 UTF-8"), "{}", run.stderr);
    // A used file in GBK: E017 says the same.
    dir.write("main.sop", "use \"gbk.sop\"\n市场部 → 研发部\n");
    let run = dir.sopflow(&["check", "--lang", "zh", "main.sop"]);
    assert!(run.stdout.contains("错误[E017]"), "{}", run.stdout);
    assert!(run.stdout.contains("GBK"), "{}", run.stdout);
    assert!(run.stdout.contains("另存为"), "{}", run.stdout);
}
