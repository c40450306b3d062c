//! Parse + validate throughput: `check/10k_steps` (target: under 30 ms on a
//! 2-core machine) and linear scaling (`check/100k_steps` under 10× that).
//!
//! Run with `cargo bench --bench parse`. The large inputs are generated
//! (deterministically) rather than committed: a 100,000-step file is 5.7 MB.
//! Throughput is reported in bytes of `.sop` source per second.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sopflow::load::{Loader, MemoryResolver};

/// A process of `steps` steps over 20 departments: chains of single arrows with
/// a parallel split and join every 10 steps, a deadline on every step, a
/// `step` block every 50 steps, and a rework every 100.
fn generate(steps: usize) -> String {
    let mut s = String::with_capacity(steps * 60);
    s.push_str("process 生成流程 {\n  calendar cn\n  within 400wd\n  ladder 标准\n}\n");
    s.push_str("role PMO\nrole 分管副总\n");
    s.push_str(
        "ladder 标准 {\n  warn at 80%\n  +0 notify owner\n  +2d notify head\n  +5d notify PMO\n}\n",
    );
    for d in 0..20 {
        writeln!(
            s,
            "department 部门{d} head 负责人{d} escalate 分管副总 → PMO"
        )
        .unwrap();
    }
    let name = |i: usize| format!("部门{}:动作{i}", i % 20);
    let mut i = 0;
    while i + 1 < steps {
        if i % 10 == 0 && i + 3 < steps {
            // split into two, then join
            writeln!(
                s,
                "{} → {{{}, {}}} within 2wd",
                name(i),
                name(i + 1),
                name(i + 2)
            )
            .unwrap();
            writeln!(
                s,
                "{{{}, {}}} → {} within 8wh",
                name(i + 1),
                name(i + 2),
                name(i + 3)
            )
            .unwrap();
            i += 3;
        } else {
            writeln!(s, "{} → {} within 3d", name(i), name(i + 1)).unwrap();
            i += 1;
        }
        if i % 50 == 0 {
            writeln!(
                s,
                "step {} {{\n  deliver 《报告{i}》\n  accept \"签字确认\"\n  warn 4h before\n}}",
                name(i)
            )
            .unwrap();
        }
        if i % 100 == 0 && i >= 5 {
            writeln!(s, "rework {} → {} max 2", name(i), name(i - 4)).unwrap();
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    for (label, steps) in [
        ("1k_steps", 1_000),
        ("10k_steps", 10_000),
        ("100k_steps", 100_000),
    ] {
        let source = generate(steps);
        // The input must be valid, or the benchmark measures error paths.
        let checked = sopflow::check(&source, "gen.sop");
        assert!(!checked.diagnostics.has_errors(), "{}", checked.diagnostics);
        assert_eq!(
            checked.definition.as_ref().map(|d| d.steps().len()),
            Some(steps)
        );
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.sample_size(if steps >= 100_000 { 10 } else { 30 });
        // The definition is what a caller keeps: dropping it is not part of
        // parsing and validating (`iter_with_large_drop` frees it untimed).
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter_with_large_drop(|| {
                let checked = sopflow::check(black_box(&source), "gen.sop");
                assert!(checked.definition.is_some());
                checked
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    let source = generate(10_000);
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.bench_function("10k_steps", |b| {
        b.iter(|| {
            let (file, diagnostics) =
                sopflow::syntax::parse(black_box(&source), sopflow::diagnostics::SourceId(0));
            assert!(diagnostics.is_empty());
            file
        })
    });
    group.finish();

    // The bundled examples: real files with `use`, calendars, choices and ladders.
    let files = MemoryResolver::new()
        .with("org.sop", include_str!("../examples/org.sop"))
        .with("新产品上市.sop", include_str!("../examples/新产品上市.sop"))
        .with(
            "市场营销活动.sop",
            include_str!("../examples/市场营销活动.sop"),
        )
        .with(
            "客户问题处理.sop",
            include_str!("../examples/客户问题处理.sop"),
        );
    let loader = Loader::new(files);
    c.bench_function("check/examples", |b| {
        b.iter(|| {
            for name in ["新产品上市.sop", "市场营销活动.sop", "客户问题处理.sop"]
            {
                let checked = loader.check(black_box(name)).expect("in memory");
                assert!(checked.definition.is_some(), "{}", checked.diagnostics);
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
