//! `sopflow fmt` end to end: in place, `--check` with a diff, `-` through
//! standard input and output, files with syntax errors left as they are.

mod common;

use std::path::{Path, PathBuf};

use sopflow_cli::{run_with, ExitStatus};

const MESSY: &str =
    "市场部→研发部   时限3天   # 评估\n\n\n\nstep 研发部:评估{\n\t交付物 《报告》 ,《原型》\n}\n";
const TIDY: &str =
    "市场部 → 研发部 时限3天  # 评估\n\nstep 研发部:评估 {\n  交付物 《报告》, 《原型》\n}\n";
const BROKEN: &str = "市场部 → \n";

/// A fresh directory with `files` in it.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fmt-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn run(args: &[&str]) -> (ExitStatus, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut all = vec!["sopflow"];
    all.extend(args);
    let status = run_with(all, &mut out, &mut err);
    (
        status,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn formats_a_directory_in_place_and_leaves_a_broken_file_alone() {
    let dir = scratch(
        "in-place",
        &[
            ("sub/messy.sop", MESSY),
            ("tidy.sop", TIDY),
            ("broken.sop", BROKEN),
            ("notes.txt", MESSY),
        ],
    );
    let (status, out, err) = run(&["fmt", "--lang", "en", dir.to_str().unwrap()]);
    assert_eq!(status, ExitStatus::Failure, "{err}");
    assert_eq!(out, "");
    assert_eq!(read(&dir, "sub/messy.sop"), TIDY);
    assert_eq!(read(&dir, "tidy.sop"), TIDY);
    assert_eq!(read(&dir, "broken.sop"), BROKEN);
    assert_eq!(
        read(&dir, "notes.txt"),
        MESSY,
        "only .sop files are searched for"
    );
    assert!(err.contains("error[E001]"), "{err}");
    assert!(
        err.ends_with("formatted 1 file, 1 file already formatted, 1 file with syntax errors left as they are\n"),
        "{err}"
    );
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.join("sub")).unwrap().collect();
    assert_eq!(left.len(), 1);

    // A second run changes nothing; without the broken file it succeeds.
    std::fs::remove_file(dir.join("broken.sop")).unwrap();
    let (status, _, err) = run(&["fmt", "--lang", "zh", dir.to_str().unwrap()]);
    assert_eq!(status, ExitStatus::Success);
    assert_eq!(err, "2 个文件无需改动\n");
}

#[test]
fn check_prints_a_diff_and_changes_nothing() {
    let dir = scratch("check", &[("a.sop", MESSY), ("b.sop", TIDY)]);
    let path = dir.join("a.sop");
    let (status, out, err) = run(&[
        "fmt",
        "--check",
        "--lang",
        "en",
        path.to_str().unwrap(),
        dir.join("b.sop").to_str().unwrap(),
    ]);
    assert_eq!(status, ExitStatus::Failure);
    assert_eq!(read(&dir, "a.sop"), MESSY);
    let out = out.replace(path.to_str().unwrap(), "a.sop");
    insta::assert_snapshot!(out, @r###"
    --- a.sop
    +++ a.sop (formatted)
    @@ -1,7 +1,5 @@
    -市场部→研发部   时限3天   # 评估
    +市场部 → 研发部 时限3天  # 评估
     
    -
    -
    -step 研发部:评估{
    -	交付物 《报告》 ,《原型》
    +step 研发部:评估 {
    +  交付物 《报告》, 《原型》
     }
    "###);
    assert!(err.ends_with("1 file would change, 1 file already formatted (run `sopflow fmt` on the same paths to fix)\n"), "{err}");

    let (status, out, _) = run(&["fmt", "--check", dir.join("b.sop").to_str().unwrap()]);
    assert_eq!((status, out.as_str()), (ExitStatus::Success, ""));
}

#[test]
fn a_missing_path_is_an_error() {
    let (status, _, err) = run(&["fmt", "no/such/dir.sop"]);
    assert_eq!(status, ExitStatus::Error);
    assert!(err.contains("cannot read `no/such/dir.sop`"), "{err}");
}

/// Runs the real binary with `stdin` as its standard input.
fn binary(args: &[&str], stdin: &str) -> (i32, String, String) {
    let run = common::run_with_stdin(common::command(args), stdin);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn dash_formats_standard_input_to_standard_output() {
    assert_eq!(
        binary(&["fmt", "-"], MESSY),
        (0, TIDY.to_owned(), String::new())
    );
    let (code, out, err) = binary(&["fmt", "--lang", "zh", "-"], BROKEN);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.contains("错误[E001]") && err.contains("<stdin>:1:"),
        "{err}"
    );
    let (code, out, _) = binary(&["fmt", "--check", "-"], MESSY);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("--- <stdin>\n+++ <stdin> (formatted)\n"),
        "{out}"
    );
    assert_eq!(binary(&["fmt", "--check", "-"], TIDY).0, 0);
}
