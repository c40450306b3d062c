//! Every ```sop example in grammar/LANGUAGE.md and README.md checks exactly as the document says:
//! a block tagged with codes (```sop E020) produces exactly those codes; an untagged
//! block produces no diagnostic at all. A line `# file: NAME` starts another file
//! of a multi-file block (the first file is the main one); `use "org.sop"` without
//! an org.sop in the block gets examples/org.sop. A line `# today: YYYY-MM-DD` checks
//! the block as on that day (the calendar warning W031 depends on it).

use std::collections::BTreeSet;

use sopflow::load::{Loader, MemoryResolver};

fn blocks(doc: &str) -> Vec<(BTreeSet<String>, String)> {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```sop") else {
            continue;
        };
        let want = info.split_whitespace().map(str::to_owned).collect();
        let mut body = String::new();
        for line in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        out.push((want, body));
    }
    out
}

#[test]
fn every_example_in_the_language_reference_checks_as_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut doc = std::fs::read_to_string(format!("{root}/grammar/LANGUAGE.md")).unwrap();
    // The README's tour and the Chinese diagnostics page are held to the same standard.
    doc.push_str(&std::fs::read_to_string(format!("{root}/README.md")).unwrap());
    doc.push_str(&std::fs::read_to_string(format!("{root}/grammar/LANGUAGE.zh.md")).unwrap());
    let org = std::fs::read_to_string(format!("{root}/examples/org.sop")).unwrap();
    let blocks = blocks(&doc);
    assert!(blocks.len() >= 40, "found only {} examples", blocks.len());
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for (n, (want, body)) in blocks.iter().enumerate() {
        let mut files: Vec<(String, String)> = vec![("main.sop".to_owned(), String::new())];
        for line in body.lines() {
            if let Some(name) = line.strip_prefix("# file: ") {
                files.push((name.trim().to_owned(), String::new()));
            } else {
                let last = files.last_mut().expect("one file at least");
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
        if files[0].1.trim().is_empty() && files.len() > 1 {
            files.remove(0);
        }
        let main = files[0].0.clone();
        let mut resolver = MemoryResolver::new();
        if body.contains("use \"org.sop\"") && !files.iter().any(|(f, _)| f == "org.sop") {
            resolver = resolver.with("org.sop", org.clone());
        }
        for (name, text) in files {
            resolver = resolver.with(name, text);
        }
        // `# today: YYYY-MM-DD` checks the example as on that day (for W031).
        let mut loader = Loader::new(resolver);
        if let Some(today) = body.lines().find_map(|l| l.strip_prefix("# today: ")) {
            loader = loader.today(today.trim().parse().expect("`# today:` takes YYYY-MM-DD"));
        }
        let checked = loader.check(&main).unwrap();
        let got: BTreeSet<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_owned())
            .collect();
        seen.extend(got.iter().cloned());
        if &got != want {
            failures.push(format!(
                "example {} (expected {want:?}, got {got:?}):\n{body}\n{}",
                n + 1,
                checked.diagnostics
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    for code in sopflow::Code::all() {
        assert!(
            seen.contains(code.as_str()) || code.as_str() == "E017",
            "no example triggers {code}"
        );
    }
}

#[test]
fn the_chinese_diagnostics_page_has_every_code_with_its_chinese_title() {
    use sopflow::diagnostics::{Code, Lang};
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/grammar/LANGUAGE.zh.md")).unwrap();
    for code in Code::all() {
        let lower = code.as_str().to_lowercase();
        let row = format!("| [{code}](#{lower}) | {} |", code.title_in(Lang::Zh));
        assert!(doc.contains(&row), "LANGUAGE.zh.md: no table row `{row}`");
        let heading = format!("\n### {code}\n");
        assert!(doc.contains(&heading), "LANGUAGE.zh.md: no section {code}");
    }
}
