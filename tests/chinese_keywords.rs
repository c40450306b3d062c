//! Chinese keyword spellings (grammar/LANGUAGE.md, "Chinese keywords"): every example
//! written with them lowers to the same definition as written in English, and Chinese
//! keywords never take a name's place.
//!
//! `to_chinese` rewrites English keywords outside strings and comments into their
//! Chinese spellings; the two texts must give the same definition JSON.

use sopflow::load::{Loader, MemoryResolver};
use sopflow::Definition;

/// How `within D` is written in Chinese.
#[derive(Clone, Copy, PartialEq)]
enum Within {
    /// `时限 D`.
    Prefix,
    /// `D内` where a single duration follows (`时限 P1 2h, P2 1wd` otherwise).
    Suffix,
}

fn word_zh(word: &str, previous: &str) -> Option<&'static str> {
    Some(match word {
        "use" => "引入",
        "department" => "部门",
        "role" => "角色",
        "calendar" => "日历",
        "ladder" => "阶梯",
        "process" => "流程",
        "step" => "步骤",
        "rework" => "退回",
        "within" => "时限",
        "by" => "截止",
        "when" => "结果为",
        "otherwise" => "否则",
        "max" => "最多",
        "description" => "说明",
        "version" => "版本",
        "zone" => "时区",
        "head" if matches!(previous, "notify" | "reassign") => "部门负责人",
        "head" => "负责人",
        "owner" | "owners" => "负责部门",
        "superior" => "上级",
        "escalate" => "升级",
        "week" => "工作周",
        "hours" => "工作时间",
        "holiday" => "放假",
        "workday" => "调休上班",
        "covers" => "覆盖",
        "extends" => "扩展",
        "deliver" => "交付物",
        "accept" => "验收标准",
        "outcomes" => "结果",
        "any" if previous == "outcomes" => "多选",
        "one" if previous == "outcomes" => "单选",
        "notify" => "通知",
        "reassign" => "转交",
        "Mon" => "周一",
        "Tue" => "周二",
        "Wed" => "周三",
        "Thu" => "周四",
        "Fri" => "周五",
        "Sat" => "周六",
        "Sun" => "周日",
        _ => return None,
    })
}

/// Rewrites the English keywords of `source` into Chinese, line by line.
fn to_chinese(source: &str, within: Within) -> String {
    let mut out = String::new();
    for line in source.split_inclusive('\n') {
        out.push_str(&line_to_chinese(line, within));
    }
    out
}

fn line_to_chinese(line: &str, within: Within) -> String {
    // Tokens: ASCII words, and runs of anything else; strings and comments are kept.
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = line.char_indices().peekable();
    let mut rest_from = None;
    while let Some((i, c)) = chars.next() {
        if c == '#' || (c == '/' && line[i..].starts_with("//")) {
            rest_from = Some(i);
            break;
        }
        if c == '"' || c == '“' || c == '「' || c == '《' {
            let close = match c {
                '"' => '"',
                '“' => '”',
                '「' => '」',
                _ => '》',
            };
            let mut s = c.to_string();
            for (_, d) in chars.by_ref() {
                s.push(d);
                if d == close {
                    break;
                }
            }
            tokens.push(s);
            continue;
        }
        let mut s = c.to_string();
        let word = c.is_ascii_alphabetic();
        while let Some(&(_, d)) = chars.peek() {
            if d.is_ascii_alphabetic() == word && !matches!(d, '"' | '“' | '「' | '《' | '#' | '/')
            {
                s.push(d);
                chars.next();
            } else {
                break;
            }
        }
        tokens.push(s);
    }
    let rest = rest_from.map_or("", |i| &line[i..]);
    let words: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].starts_with(|c: char| c.is_ascii_alphabetic()))
        .collect();
    let word_at = |k: usize| words.get(k).map(|&i| tokens[i].as_str()).unwrap_or("");
    let mut out_tokens = tokens.clone();
    for (k, &i) in words.iter().enumerate() {
        let word = tokens[i].as_str();
        let previous = if k > 0 { word_at(k - 1) } else { "" };
        // Words that the Chinese spelling drops or merges.
        match (word, word_at(k + 1)) {
            ("warn", "at") => {
                out_tokens[i] = "预警".into();
                out_tokens[words[k + 1]] = String::new();
                continue;
            }
            ("at", _) if previous == "warn" => continue,
            ("sign", "all") | ("sign", "any") => {
                out_tokens[i] = if word_at(k + 1) == "all" {
                    "会签"
                } else {
                    "或签"
                }
                .into();
                out_tokens[words[k + 1]] = String::new();
                continue;
            }
            ("all" | "any", _) if previous == "sign" => continue,
            _ => {}
        }
        if word == "warn" {
            // `warn 4wh before` → `提前4wh预警`: the duration is the next tokens up to `before`.
            out_tokens[i] = "提前".into();
            continue;
        }
        if word == "before" && words[..k].iter().any(|&j| tokens[j] == "warn") {
            out_tokens[i] = "预警".into();
            continue;
        }
        if word == "within" && within == Within::Suffix {
            // `within 3d` alone (no priorities, no list) → `3d内`.
            let after: String = tokens[i + 1..].concat();
            let trimmed = after.trim_start();
            let amount = trimmed.trim_start_matches(|c: char| c.is_ascii_digit());
            let unit_len = ["wd", "wh", "m", "h", "d", "w"]
                .iter()
                .find(|u| amount.starts_with(**u))
                .map_or(0, |u| u.len());
            let dur_len = trimmed.len() - amount.len() + unit_len;
            let single = unit_len > 0
                && trimmed.len() > amount.len()
                && !trimmed[dur_len..]
                    .trim_start()
                    .starts_with([',', '，', '、']);
            if single && amount.len() < trimmed.len() {
                out_tokens[i] = String::new();
                // Mark the end of the duration: the token holding it gets `内` after it.
                let mut seen = 0;
                for j in i + 1..tokens.len() {
                    let t = &tokens[j];
                    let lead = if seen == 0 {
                        t.len() - t.trim_start().len()
                    } else {
                        0
                    };
                    seen += t.len() - lead;
                    if seen >= dur_len {
                        let cut = t.len() - (seen - dur_len);
                        let (a, b) = out_tokens[j].split_at(cut);
                        out_tokens[j] = format!("{}内{b}", a.trim_start());
                        break;
                    }
                    out_tokens[j] = out_tokens[j].trim_start().to_owned();
                }
                continue;
            }
        }
        if let Some(zh) = word_zh(word, previous) {
            out_tokens[i] = zh.into();
        }
    }
    let mut line_out = out_tokens.concat();
    line_out.push_str(rest);
    line_out
}

fn definition(files: &[(String, String)]) -> Result<Definition, String> {
    let mut resolver = MemoryResolver::new();
    for (name, text) in files {
        resolver = resolver.with(name.clone(), text.clone());
    }
    let checked = Loader::new(resolver).check(&files[0].0).unwrap();
    match checked.definition {
        Some(d) if checked.diagnostics.is_empty() => Ok(d),
        _ => Err(checked.diagnostics.to_string()),
    }
}

fn json(d: &Definition) -> serde_json::Value {
    serde_json::to_value(d).expect("a definition serializes")
}

/// The examples (each with org.sop) and the LANGUAGE.md examples that check clean
/// and stand alone.
fn cases() -> Vec<Vec<(String, String)>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let org = std::fs::read_to_string(format!("{root}/examples/org.sop")).unwrap();
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.ends_with(".sop") && name != "org.sop" {
            let text = std::fs::read_to_string(&path).unwrap();
            cases.push(vec![(name, text), ("org.sop".to_owned(), org.clone())]);
        }
    }
    let doc = std::fs::read_to_string(format!("{root}/grammar/LANGUAGE.md")).unwrap();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if line != "```sop" {
            continue;
        }
        let mut body = String::new();
        for line in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        if !body.contains("# file:") && !body.contains("use \"") {
            cases.push(vec![("main.sop".to_owned(), body)]);
        }
    }
    cases
}

#[test]
fn chinese_and_english_keywords_give_the_same_definition() {
    let cases = cases();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let english = match definition(case) {
            Ok(d) => d,
            Err(_) => continue, // W031 and the like: not a clean example
        };
        compared += 1;
        for within in [Within::Prefix, Within::Suffix] {
            let chinese: Vec<(String, String)> = case
                .iter()
                .map(|(n, t)| (n.clone(), to_chinese(t, within)))
                .collect();
            match definition(&chinese) {
                Ok(d) if json(&d) == json(&english) => {}
                Ok(_) => failures.push(format!("different definition:\n{}", chinese[0].1)),
                Err(e) => failures.push(format!("{e}\n{}", chinese[0].1)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(compared >= 20, "only {compared} clean examples compared");
}

#[test]
fn the_translation_uses_chinese_keywords() {
    let zh = to_chinese(
        "process P { calendar cn\n within 3wd }\nstep A:b {\n  warn 4wh before\n  sign all\n  +1d notify head\n}\n",
        Within::Suffix,
    );
    assert_eq!(
        zh,
        "流程 P { 日历 cn\n 3wd内 }\n步骤 A:b {\n  提前 4wh 预警\n  会签 \n  +1d 通知 部门负责人\n}\n"
    );
}

fn check(source: &str) -> (Option<Definition>, Vec<String>) {
    let checked = sopflow::check(source, "zh.sop");
    let codes = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_owned())
        .collect();
    (checked.definition, codes)
}

#[test]
fn the_article_phrasing_is_valid_as_written() {
    let (d, codes) = check(
        "流程 新产品上市 { 日历 cn }\n市场部 → 研发部 3个工作日内\n研发部 → 客服部:受理 3天内\n客服部:受理 → 技术部:响应 2小时内\n步骤 技术部:响应 { 提前1小时预警 }\n",
    );
    assert!(codes.is_empty(), "{codes:?}");
    let english = sopflow::parse(
        "process 新产品上市 { calendar cn }\n市场部 → 研发部 within 3wd\n研发部 → 客服部:受理 within 3d\n客服部:受理 → 技术部:响应 within 2h\nstep 技术部:响应 { warn 1h before }\n",
        "en.sop",
    )
    .unwrap();
    assert_eq!(json(&d.unwrap()), json(&english));
}

#[test]
fn mixing_english_and_chinese_keywords_works() {
    let (d, codes) = check(
        "process P { 日历 cn; within 20wd }\n部门 市场部\ndepartment 研发部\n市场部 → 研发部 时限 3wd\nstep 研发部 { 交付物 《报告》; sign any }\n",
    );
    assert!(codes.is_empty(), "{codes:?}");
    assert!(d.is_some());
}

#[test]
fn chinese_keywords_do_not_take_the_place_of_names() {
    // Departments named like keywords, or starting with one, stay departments.
    for source in [
        "通知部 → 研发部 within 1d",
        "通知 → 研发部 within 1d",
        "部门 → 流程 3天内",
        "流程部:审核 → 步骤部 时限 1d",
        "结果为 → 否则 → 最多",
        "部门2 → 研发部",
    ] {
        let (d, codes) = check(source);
        assert!(codes.is_empty(), "{source}: {codes:?}");
        assert!(d.is_some(), "{source}");
    }
    // A keyword directly followed by a letter is a name, not a keyword.
    let (_, codes) = check("部门研发部");
    assert_eq!(codes, ["E001"]);
    // Declared departments named like keywords.
    let (d, codes) = check("部门 通知\n部门 部门\n通知 → 部门 1天内\n步骤 通知 { +1d 通知 部门 }");
    assert!(codes.is_empty(), "{codes:?}");
    let d = d.unwrap();
    assert_eq!(d.departments().len(), 2);
}

#[test]
fn chinese_weekdays_and_ranges() {
    let zh = sopflow::parse(
        "日历 工厂 { 工作周 周一至周五, 星期六 ; 工作时间 09:00至12:00, 13:00-18:00 }\n流程 P { 日历 工厂 }\nA → B 2wd内",
        "zh.sop",
    )
    .unwrap();
    let en = sopflow::parse(
        "calendar 工厂 { week Mon-Fri, Sat ; hours 09:00-12:00, 13:00-18:00 }\nprocess P { calendar 工厂 }\nA → B within 2wd",
        "en.sop",
    )
    .unwrap();
    assert_eq!(json(&zh), json(&en));
}

#[test]
fn chinese_numerals_in_durations_say_to_write_digits() {
    for (source, digits) in [
        (
            "流程 P { 日历 cn }\n市场部 → 研发部 三个工作日内",
            "`3个工作日内`",
        ),
        (
            "流程 P { 日历 cn }\n市场部 → 研发部 时限 三个工作日",
            "`3个工作日`",
        ),
        ("市场部 → 研发部 十二小时内", "`12小时内`"),
        ("市场部 → 研发部 两天内", "`2天内`"),
        ("市场部 → 研发部 二十五天内", "`25天内`"),
    ] {
        let checked = sopflow::check(source, "zh.sop");
        let all: Vec<_> = checked.diagnostics.iter().collect();
        assert_eq!(all.len(), 1, "{source}: {}", checked.diagnostics);
        let d = all[0];
        assert_eq!(d.code.as_str(), "E001");
        let help = d.help.as_ref().expect("a help line");
        assert!(help.zh().unwrap().contains(digits), "{source}: {help:?}");
        assert!(help.en().contains(digits), "{source}: {help:?}");
    }
}
