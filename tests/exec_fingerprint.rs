//! The definition fingerprint is a content hash that stays the same across
//! releases: committed values catch an accidental change of the canonical
//! form (which would strand every stored instance with
//! `DefinitionMismatch`). Change them only with `CANONICAL_VERSION`.

use sopflow::model::CANONICAL_VERSION;
use sopflow::Definition;

fn load(name: &str) -> Definition {
    sopflow::Loader::new(sopflow::load::FsResolver::new("examples").expect("examples/ exists"))
        .check(&format!("examples/{name}.sop"))
        .expect("the example exists")
        .definition
        .expect("the example checks clean")
}

fn hex(def: &Definition) -> String {
    format!("{:016x}", def.fingerprint())
}

#[test]
fn committed_fingerprints_of_the_examples() {
    assert_eq!(CANONICAL_VERSION, 1);
    let got: Vec<(&str, String)> = ["新产品上市", "市场营销活动", "客户问题处理"]
        .into_iter()
        .map(|name| (name, hex(&load(name))))
        .collect();
    insta::assert_debug_snapshot!(got);
}

#[test]
fn committed_fingerprint_of_a_small_source() {
    let def = sopflow::parse("市场部 → 研发部 within 3d", "a.sop").unwrap();
    insta::assert_snapshot!(hex(&def));
}

#[test]
fn what_the_fingerprint_covers() {
    let base = "process 上新 { calendar cn }\n市场部 → 研发部 within 3wd\n";
    let fp = |src: &str| sopflow::parse(src, "上新.sop").unwrap().fingerprint();
    // Layout and comments are not content.
    assert_eq!(
        fp(base),
        fp("# 说明\nprocess 上新 {\n  calendar cn\n}\n\n市场部 -> 研发部   within 3wd\n")
    );
    // Every change of meaning is.
    assert_ne!(fp(base), fp(&base.replace("3wd", "4wd")));
    assert_ne!(fp(base), fp(&base.replace("3wd", "3d")));
    assert_ne!(fp(base), fp(&base.replace("研发部", "财务部")));
    assert_ne!(fp(base), fp(&base.replace("上新 {", "上线 {")));
}
