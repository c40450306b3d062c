//! `check --format sarif`: the SARIF 2.1.0 log of [`sopflow::diagnostics::SarifLog`],
//! validated against the official SARIF 2.1.0 JSON schema and snapshotted.
//!
//! The schema, tests/fixtures/sarif-schema-2.1.0.json, is a verbatim copy of
//! `src/schema.json` of the crate `serde-sarif` 0.8.0 on crates.io (MIT),
//! which vendors the OASIS file `Schemata/sarif-schema-2.1.0.json` of
//! oasis-tcs/sarif-spec (its `$id` says so); sha256
//! af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea.

use std::path::Path;

use serde_json::Value;
use sopflow::diagnostics::{Code, Lang, SarifLog};
use sopflow::load::FsResolver;
use sopflow::Loader;

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(path).unwrap();
    // The official schema's `language` patterns (of `run` and
    // `toolComponent`) are not valid regexes (a stray `]`, a known erratum
    // of the 2.1.0 file); the validator refuses them, so the test uses the
    // pattern the spec means (an RFC 5646 tag such as `zh-CN`).
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(bad).count(), 2);
    let text = text.replace(bad, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The SARIF log of some fixtures of tests/fixtures/check, named relative to that directory.
fn log_of(cases: &[&str], lang: Lang) -> SarifLog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let loader = Loader::new(FsResolver::new(&dir).unwrap());
    let mut log = SarifLog::new("0.1.0", lang);
    for case in cases {
        let text = std::fs::read_to_string(dir.join(case)).unwrap();
        log.add(&loader.check_source(case, &text).diagnostics);
    }
    log
}

#[test]
fn every_fixture_in_both_languages_is_valid_sarif() {
    let validator = schema();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".sop"))
        .collect();
    cases.sort();
    let cases: Vec<&str> = cases.iter().map(String::as_str).collect();
    for lang in Lang::ALL {
        let log = log_of(&cases, lang);
        assert!(log.len() > cases.len(), "{} results", log.len());
        let value = log.to_value();
        assert_valid(&validator, &value);

        let run = &value["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Code::all().len());
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let region = &result["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1);
        }
        let expected = if lang == Lang::Zh { "zh-CN" } else { "en" };
        assert_eq!(run["language"], expected);
        assert_eq!(run["columnKind"], "utf16CodeUnits");
    }
}

#[test]
fn a_log_without_results_is_valid() {
    assert_valid(&schema(), &SarifLog::new("0.1.0", Lang::En).to_value());
}

#[test]
fn a_schema_violation_is_caught() {
    // The validator does reject what the schema forbids.
    let mut log = log_of(&["err_E020_cycle_three_steps.sop"], Lang::En).to_value();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema().is_valid(&log));
}

#[test]
fn snapshot_of_a_cycle_in_chinese() {
    let log = log_of(
        &[
            "err_E020_cycle_three_steps.sop",
            "warn_W030_levels_out_of_order.sop",
        ],
        Lang::Zh,
    );
    let mut value = log.to_value();
    // The rules are the same in every log; the snapshot shows two of them.
    let rules = &mut value["runs"][0]["tool"]["driver"]["rules"];
    let shown: Vec<Value> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == "E020" || r["id"] == "W030")
        .cloned()
        .collect();
    *rules = Value::Array(shown);
    insta::assert_json_snapshot!(value);
}
