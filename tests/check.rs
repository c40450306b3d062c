//! Snapshot tests of the diagnostics for invalid `.sop` files.
//!
//! Each `tests/fixtures/check/err_<CODE>_<what>.sop` (or `warn_<CODE>_…`) is
//! checked through [`sopflow::Loader`] and a [`sopflow::load::FsResolver`] and
//! rendered without colour at width 80. Cases that need several files live in
//! a directory `tests/fixtures/check/<case>/` whose `main.sop` is checked.
//! Every case must report the code its name carries, and every code has a case.
//! A line `# today: YYYY-MM-DD` checks the case as on that day (for W031).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sopflow::diagnostics::{Code, Lang, RenderOptions};
use sopflow::load::FsResolver;
use sopflow::Loader;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

/// The code a case's name carries: `err_E020_cycle.sop` → `E020`.
fn expected_code(case: &str) -> Code {
    let code = case
        .split('_')
        .nth(1)
        .unwrap_or_else(|| panic!("no code in the case name {case:?}"));
    code.parse()
        .unwrap_or_else(|e| panic!("case {case:?}: {e}"))
}

/// The date of a `# today: YYYY-MM-DD` line: the fixture is checked as on that day (W031).
fn today_of(source: &str) -> Option<chrono::NaiveDate> {
    source.lines().find_map(|line| {
        let date = line.strip_prefix("# today: ")?;
        Some(date.trim().parse().expect("`# today:` takes YYYY-MM-DD"))
    })
}

/// Checks a fixture and renders its diagnostics in English, with paths relative to the
/// fixtures directory.
fn render(path: &Path) -> (Vec<Code>, String) {
    render_in(path, Lang::En)
}

/// Checks a fixture and renders its diagnostics in `lang`, with paths relative to the
/// fixtures directory. Every message, label and help line must have a Chinese wording.
fn render_in(path: &Path, lang: Lang) -> (Vec<Code>, String) {
    let name = path.to_str().expect("fixture paths are UTF-8");
    let source = std::fs::read_to_string(path).expect("the fixture is readable");
    let mut loader =
        Loader::new(FsResolver::new(fixtures_dir()).expect("the fixtures directory exists"));
    if let Some(today) = today_of(&source) {
        loader = loader.today(today);
    }
    let checked = loader.check(name).expect("the fixture is readable");
    let codes = checked.diagnostics.iter().map(|d| d.code).collect();
    for d in &checked.diagnostics {
        let untranslated = !d.message.has_zh()
            || d.help.as_ref().is_some_and(|h| !h.has_zh())
            || d.labels
                .iter()
                .any(|l| !l.message.is_empty() && !l.message.has_zh());
        assert!(
            !untranslated,
            "{name}: {} has no Chinese wording: {d:#?}",
            d.code
        );
    }
    let rendered = checked.diagnostics.render(&RenderOptions {
        color: false,
        width: 80,
        lang,
    });
    let prefix = format!("{}/", fixtures_dir().display());
    (codes, rendered.replace(&prefix, ""))
}

fn assert_reports(case: &str, codes: &[Code], rendered: &str) {
    let expected = expected_code(case);
    assert!(
        codes.contains(&expected),
        "{case}: expected {expected}, got {codes:?}\n{rendered}"
    );
}

#[test]
fn single_file_cases() {
    insta::glob!("fixtures/check/*.sop", |path| {
        let source = std::fs::read_to_string(path).expect("the fixture is readable");
        assert!(
            source.starts_with('#'),
            "{}: start with a `#` comment saying what it tests",
            path.display()
        );
        let case = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 file name");
        let (codes, rendered) = render(path);
        assert_reports(case, &codes, &rendered);
        let (_, zh) = render_in(path, Lang::Zh);
        insta::with_settings!({ description => source, omit_expression => true }, {
            insta::assert_snapshot!(rendered);
            insta::assert_snapshot!("zh", zh);
        });
    });
}

#[test]
fn multi_file_cases() {
    insta::glob!("fixtures/check/*/main.sop", |path| {
        let dir = path.parent().expect("main.sop is in a case directory");
        let case = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 directory name");
        // The description shows every file of the case, main.sop first.
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("the case directory is readable")
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        files.sort_by_key(|f| (f.file_name() != Some("main.sop".as_ref()), f.clone()));
        let mut description = String::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("the fixture is readable");
            assert!(
                text.starts_with('#'),
                "{}: start with a `#` comment",
                file.display()
            );
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name");
            description.push_str(&format!("// {name}\n{text}"));
        }
        let (codes, rendered) = render(path);
        assert_reports(case, &codes, &rendered);
        let (_, zh) = render_in(path, Lang::Zh);
        insta::with_settings!({ description => description, omit_expression => true }, {
            insta::assert_snapshot!(rendered);
            insta::assert_snapshot!("zh", zh);
        });
    });
}

#[test]
fn every_code_has_a_fixture() {
    let mut covered = BTreeSet::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("the fixtures directory is readable") {
        let entry = entry.expect("a directory entry");
        let name = entry.file_name().into_string().expect("a UTF-8 file name");
        if name.starts_with("err_") || name.starts_with("warn_") {
            let code = expected_code(&name);
            let prefix = if code.as_str().starts_with('W') {
                "warn_"
            } else {
                "err_"
            };
            assert!(
                name.starts_with(prefix),
                "{name}: {code} cases are named {prefix}…"
            );
            covered.insert(code);
        }
    }
    let missing: Vec<&str> = Code::all()
        .iter()
        .filter(|c| !covered.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn several_problems_are_all_reported() {
    let (codes, rendered) = render(&fixtures_dir().join("err_E001_several_problems.sop"));
    assert_eq!(
        codes,
        [Code::Syntax, Code::UnknownDepartment, Code::Syntax],
        "{rendered}"
    );
}

// ------------------------------------------------------------ one-line messages

/// The message of the only diagnostic of `source`.
fn message(source: &str) -> String {
    let checked = sopflow::check(source, "inline.sop");
    let all: Vec<_> = checked.diagnostics.iter().collect();
    assert_eq!(all.len(), 1, "expected one diagnostic: {all:#?}");
    all[0].message.en().to_owned()
}

#[test]
fn unknown_department() {
    insta::assert_snapshot!(message("department 市场部\n市场部 → 法务部 within 2d"), @"unknown department `法务部`");
}

#[test]
fn unknown_department_suggestion() {
    let checked = sopflow::check(
        "department 市场部\ndepartment 研发部\n市场部 → 研法部",
        "inline.sop",
    );
    let help = checked
        .diagnostics
        .iter()
        .next()
        .and_then(|d| d.help.as_ref().map(|h| h.en().to_owned()));
    insta::assert_snapshot!(help.unwrap_or_default(), @"did you mean `研发部`?");
}

#[test]
fn zero_duration() {
    insta::assert_snapshot!(message("市场部 → 研发部 within 0d"), @"deadline of step `研发部` must be positive");
}

#[test]
fn missing_target() {
    insta::assert_snapshot!(message("市场部 →"), @"expected a step, found the end of the statement");
}

#[test]
fn full_width_colon_is_accepted_but_full_width_brace_is_not() {
    insta::assert_snapshot!(message("step 研发部：评估 ｛ within 3d ｝\n市场部 → 研发部：评估"), @"full-width character `｛`");
}

#[test]
fn self_loop() {
    insta::assert_snapshot!(message("市场部 → 研发部\n研发部 → 研发部"), @"flow contains a cycle: 研发部 → 研发部");
}

#[test]
fn offset_without_unit() {
    insta::assert_snapshot!(message("process P { +2 notify head }\n市场部 → 研发部 within 1d"), @"escalation offset `+2` has no unit");
}

#[test]
fn group_otherwise_is_one_arrow() {
    let checked = sopflow::check(
        "法务部:审核 → 市场部:发布 when 通过\n法务部:审核 → {研发部, 财务部} otherwise",
        "inline.sop",
    );
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        checked.diagnostics.render(&RenderOptions::default())
    );
}

#[test]
fn group_when_is_one_arrow() {
    let checked = sopflow::check(
        "法务部:审核 → {研发部, 财务部} when 通过\n法务部:审核 → 市场部 otherwise",
        "inline.sop",
    );
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        checked.diagnostics.render(&RenderOptions::default())
    );
}

#[test]
fn unknown_step_block_does_not_move_the_start() {
    // The block comes first; it must not become the start and make the real start unreachable.
    let checked = sopflow::check(
        "step 研发部:评审 { within 1d }\n市场部 → 研发部:评估",
        "inline.sop",
    );
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E012"]);
}

#[test]
fn a_use_cycle_through_the_main_file_is_found_however_the_main_file_is_named() {
    let dir = fixtures_dir().join("err_E018_cycle_through_main");
    for name in [
        dir.join("main.sop"),
        dir.join(".").join("main.sop"),
        dir.join("../err_E018_cycle_through_main/main.sop"),
    ] {
        let checked =
            Loader::new(FsResolver::new(fixtures_dir()).expect("the fixtures directory exists"))
                .check(name.to_str().expect("a UTF-8 path"))
                .expect("readable");
        let codes: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["E018"],
            "{}: {}",
            name.display(),
            checked.diagnostics.render(&RenderOptions::default())
        );
    }
}

#[test]
fn when_and_otherwise_on_one_arrow_in_either_order() {
    for source in [
        "A → C when y\nA → B otherwise\nA → B when x",
        "A → C when y\nA → B when x\nA → B otherwise",
    ] {
        let checked = sopflow::check(source, "inline.sop");
        assert!(
            checked.diagnostics.is_empty(),
            "{source}\n{}",
            checked.diagnostics.render(&RenderOptions::default())
        );
    }
}

/// A shared ladder in working days is fine on its own and where a calendar is in
/// scope; only a process without a calendar that uses it gets E032.
#[test]
fn shared_ladders_are_checked_where_they_are_used() {
    use sopflow::load::{Loader, MemoryResolver};
    let files = MemoryResolver::new()
        .with(
            "ladders.sop",
            "ladder L {\n  warn 1wd before\n  +2wd notify head\n}\n",
        )
        .with(
            "with.sop",
            "use \"ladders.sop\"\nprocess P {\n  calendar cn\n  ladder L\n}\nA → B within 3wd\n",
        )
        .with("unused.sop", "use \"ladders.sop\"\nA → B within 3d\n")
        .with(
            "without.sop",
            "use \"ladders.sop\"\nprocess P { ladder L }\nA → B within 3d\n",
        );
    let loader = Loader::new(files);
    for clean in ["ladders.sop", "with.sop", "unused.sop"] {
        let checked = loader.check(clean).unwrap();
        assert!(
            checked.diagnostics.is_empty(),
            "{clean}: {}",
            checked.diagnostics.render(&Default::default())
        );
    }
    let checked = loader.check("without.sop").unwrap();
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E032"]);
}

/// `when X otherwise` on one arrow is one error, not two.
#[test]
fn two_conditions_on_one_arrow_are_one_error() {
    let checked = sopflow::check("市场部:提交 → 法务部:审核 when 通过 otherwise\n", "x.sop");
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E015"]);
}

/// `calendar cn extends cn` in a shared file gives every process that says
/// `calendar cn` the added year, and a calendar that extends `cn` gets it
/// too, wherever the two are declared.
#[test]
fn an_extended_cn_reaches_every_process_and_every_extension() {
    use chrono::NaiveDate;
    use sopflow::load::{Loader, MemoryResolver};
    let files = MemoryResolver::new()
        .with(
            "org.sop",
            "calendar 公司 extends cn { hours 09:00-12:00, 13:30-18:00 }\n\
             calendar cn extends cn {\n  covers 2027\n  holiday 2027-01-01 \"元旦\"\n}\n",
        )
        .with(
            "a.sop",
            "use \"org.sop\"\nprocess A { calendar cn }\n市场部 → 研发部 within 3wd\n",
        )
        .with(
            "b.sop",
            "use \"org.sop\"\nprocess B { calendar 公司 }\n市场部 → 研发部 within 3wd\n",
        );
    let loader = Loader::new(files);
    let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    for (file, name, close) in [("a.sop", "cn", "18:00"), ("b.sop", "公司", "18:00")] {
        let checked = loader.check(file).unwrap();
        assert!(
            checked.diagnostics.is_empty(),
            "{file}: {}",
            checked.diagnostics.render(&RenderOptions::default())
        );
        let definition = checked.definition.unwrap();
        let calendar = definition.calendar().unwrap();
        assert_eq!(calendar.name(), name);
        assert_eq!(calendar.covers(), Some(2024..=2027), "{file}");
        assert!(!calendar.is_working_day(new_year));
        assert_eq!(calendar.label(new_year), Some("元旦"));
        // The built-in 2026 holidays are still there.
        assert_eq!(
            calendar.label(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
            Some("国庆节")
        );
        let hours: Vec<String> = calendar
            .hours()
            .map(|(from, to)| format!("{}-{}", from.format("%H:%M"), to.format("%H:%M")))
            .collect();
        assert_eq!(hours.last().map(|h| &h[6..]), Some(close));
        if name == "公司" {
            assert_eq!(hours, ["09:00-12:00", "13:30-18:00"]);
        }
    }
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    let checked = sopflow::check("\u{feff}市场部 → 研发部 within 0d\n", "bom.sop");
    let records = checked.diagnostics.records();
    assert_eq!(
        (records[0].line, records[0].column, records[0].end_column),
        (1, 18, 20)
    );
    assert!(checked
        .diagnostics
        .render_github()
        .contains(",line=1,col=18,"));
    let human = checked.diagnostics.render(&RenderOptions::default());
    assert!(human.contains(" --> bom.sop:1:18\n"), "{human}");
    assert!(
        human.contains("\n1 | 市场部 → 研发部 within 0d\n"),
        "{human}"
    );
    // A label on the mark itself still renders.
    let checked = sopflow::check("\u{feff}=", "bom.sop");
    let human = checked.diagnostics.render(&RenderOptions::default());
    assert!(human.contains(" --> bom.sop:1:1\n"), "{human}");
}
