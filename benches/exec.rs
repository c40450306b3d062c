//! Executor speed and size on the 新产品上市 example.
//!
//! - `exec/complete_all`: start an instance and complete every step (ten
//!   completion commands: seven steps, two of them 会签 by several owners);
//!   throughput is reported in completions per second.
//! - `exec/complete_all_elapsed`: the same on an inline copy of the example
//!   with elapsed-time deadlines: the state machine without calendar arithmetic.
//! - `exec/start`: starting an instance (the whole-process deadline of
//!   60wd and its 80% warning are computed on the calendar).
//! - `exec/tick_idle`: `tick` on an instance with nothing due (target < 100 ns).
//! - history: before the benches run, one instance handles 200,000
//!   pause/resume commands; the cost per command of the first 10,000, of the
//!   10,000 before the 100,000th and of the last 10,000, the saved sizes
//!   (JSON and compact) after 200, 100,000 and 200,000 commands, and the
//!   time to replay the whole log at those points are printed: the cost and
//!   the sizes may not grow with the history; replay grows with the log.
//! - memory: before the benches run, a counting global allocator measures the
//!   heap an open instance holds (after start, and mid-way with two commands
//!   cached), printed together with `size_of::<Instance>()`.
//!
//! Run with `cargo bench --bench exec`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{criterion_group, Criterion, Throughput};
use sopflow::exec::{replay, Attributes, Command, Instance, Lifecycle, Prepared};
use sopflow::load::{Loader, MemoryResolver};
use sopflow::Definition;

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn definition() -> Definition {
    let files = MemoryResolver::new()
        .with("org.sop", include_str!("../examples/org.sop"))
        .with("新产品上市.sop", include_str!("../examples/新产品上市.sop"));
    Loader::new(files)
        .check("新产品上市.sop")
        .expect("in memory")
        .definition
        .expect("the example checks clean")
}

/// 新产品上市 with elapsed-time deadlines only (no calendar): the same graph,
/// owners, 会签 steps, deliverables and ladder, so `exec/complete_all_elapsed`
/// measures the state machine without business-calendar arithmetic.
const ELAPSED: &str = "\
role PMO
department 市场部 head 李娜 escalate 分管副总 → PMO
department 研发部 head 王强 escalate 分管副总 → PMO
department 销售部 head 刘洋 escalate 分管副总 → PMO
department 供应链部 head 赵敏
department 生产部 head 孙磊
department 质量部 head 欧阳琳
department 财务部 head 周洁
role 分管副总
process 新产品上市 { within 12w\n ladder 标准 }
ladder 标准 { warn at 80%\n +0 notify owner\n +2d notify head\n +5d notify PMO }
市场部:提交需求 → 研发部:评估 → 供应链部:确认物料 → 生产部:制定排产计划 → 销售部:制定推广方案 → 财务部:核算成本
生产部:制定排产计划 -> 质量部:小批量试产 within 10d -> 销售部:制定推广方案
step 市场部:提交需求 { within 10d\n deliver 《市场需求文档》 }
step 研发部:评估 { within 3d\n deliver 《技术可行性报告》, 《产品原型图》, 《MVP功能清单》 }
rework 研发部:评估 → 市场部:提交需求 max 2
step 供应链部:确认物料 { within 5d\n deliver 《物料采购与仓储计划》 }
step 生产部:制定排产计划 { within 72h\n deliver 《排产计划》 }
step 质量部:小批量试产 { owner 生产部 & 销售部\n deliver 《试产质量报告》 }
step 销售部 & 市场部:制定推广方案 { sign all\n within 20d\n deliver 《推广方案》 }
step 财务部:核算成本 { within 5d\n deliver 《成本核算表》 }
";

fn start_at() -> DateTime<Utc> {
    "2026-03-02T09:00:00+08:00".parse().expect("an instant")
}

fn attributes() -> Attributes {
    Attributes::from_pairs([("上市日", "2026-09-30")]).expect("a date")
}

/// The completions that finish 新产品上市, in order.
fn script(def: &Definition) -> Vec<Command> {
    let mut commands = Vec::new();
    for (_, step) in def.steps() {
        let signers = if step.owners.len() > 1 && step.sign == sopflow::model::SignMode::All {
            step.owners.clone()
        } else {
            vec![step.owners[0].clone()]
        };
        for actor in signers {
            commands.push(Command::Complete {
                id: format!("c{}", commands.len()),
                step: step.key.clone(),
                actor,
                deliverables: step.deliverables.clone(),
                outcomes: Vec::new(),
            });
        }
    }
    commands
}

fn report_memory() {
    let def = definition();
    let prepared = Prepared::new(&def);
    let before = LIVE.load(Ordering::Relaxed);
    let (mut instance, events) =
        Instance::start(&prepared, "NP-2026-001", attributes(), start_at()).unwrap();
    drop(events);
    let after_start = LIVE.load(Ordering::Relaxed) - before;
    for command in script(&def).into_iter().take(2) {
        drop(instance.handle(&prepared, command, start_at()).unwrap());
    }
    let after_two = LIVE.load(Ordering::Relaxed) - before;
    let size = std::mem::size_of::<Instance>();
    println!(
        "memory/新产品上市: size_of::<Instance>() = {size} B; heap after start = {after_start} B \
         (total {} B); heap after two commands (the last one cached) = {after_two} B (total {} B)",
        size as isize + after_start,
        size as isize + after_two,
    );
    black_box(instance);
}

// A bench measures wall time: the one place outside the CLI that reads the clock.
#[allow(clippy::disallowed_methods)]
fn report_history() {
    let def = definition();
    let prepared = Prepared::new(&def);
    let now = start_at();
    let (mut instance, mut log) = Instance::start(&prepared, "NP", attributes(), now).unwrap();
    let first = script(&def).remove(0);
    log.extend(instance.handle(&prepared, first, now).unwrap());
    let command = |i: u32| {
        let (id, step, actor) = (
            format!("h{i:06}"),
            "研发部:评估".to_owned(),
            "研发部".to_owned(),
        );
        if i.is_multiple_of(2) {
            Command::Pause {
                id,
                step,
                actor,
                reason: String::new(),
            }
        } else {
            Command::Resume { id, step, actor }
        }
    };
    // µs per command over the first 10,000 commands, the 10,000 before the
    // 100,000th and the 10,000 before the 200,000th.
    const WINDOW: u32 = 10_000;
    let mut windows = [0.0f64; 3];
    let mut checkpoints = Vec::new();
    for i in 0..200_000u32 {
        let c = command(i);
        let t = std::time::Instant::now();
        let events = black_box(instance.handle(&prepared, c, now).unwrap());
        let spent = t.elapsed().as_secs_f64();
        log.extend(events);
        match i {
            _ if i < WINDOW => windows[0] += spent,
            _ if (100_000 - WINDOW..100_000).contains(&i) => windows[1] += spent,
            _ if i >= 200_000 - WINDOW => windows[2] += spent,
            _ => {}
        }
        let done = i + 1;
        if done == 200 || done == 100_000 || done == 200_000 {
            let saved = (
                serde_json::to_vec(&instance).unwrap().len(),
                instance.to_compact().len(),
            );
            // Replaying the whole log (every event since the start) rebuilds the state.
            let t = std::time::Instant::now();
            let replayed = black_box(replay(&prepared, &log).unwrap());
            let replay_ms = t.elapsed().as_secs_f64() * 1e3;
            assert_eq!(replayed, instance, "replay gives the live state");
            checkpoints.push((done, log.len(), saved, replay_ms));
        }
    }
    let per = |w: f64| w / f64::from(WINDOW) * 1e6;
    println!(
        "history/新产品上市: 200,000 pause/resume commands on one instance: {:.2} µs per command \
         for the first 10,000, {:.2} µs for the 10,000 before the 100,000th, {:.2} µs for the \
         last 10,000",
        per(windows[0]),
        per(windows[1]),
        per(windows[2]),
    );
    for (commands, events, (json, compact), replay_ms) in checkpoints {
        println!(
            "history/新产品上市: after {commands} commands: saved {json} B (JSON), {compact} B \
             (compact); replay of the {events} events: {replay_ms:.1} ms"
        );
    }
}

fn bench(c: &mut Criterion) {
    let def = definition();
    let prepared = Prepared::new(&def);
    let mut group = c.benchmark_group("exec");
    let now = start_at();
    let elapsed = sopflow::parse(ELAPSED, "新产品上市.sop").expect("the inline SOP checks clean");
    let elapsed = Prepared::new(&elapsed);
    for (name, prepared) in [
        ("complete_all", &prepared),
        ("complete_all_elapsed", &elapsed),
    ] {
        let commands = script(prepared.definition());
        let (started, _) = Instance::start(prepared, "NP", attributes(), now).unwrap();
        group.throughput(Throughput::Elements(commands.len() as u64));
        group.bench_function(name, |b| {
            b.iter_batched(
                || (started.clone(), commands.clone()),
                |(mut instance, commands)| {
                    for command in commands {
                        black_box(instance.handle(prepared, command, now).unwrap());
                    }
                    assert_eq!(instance.lifecycle(), Lifecycle::Completed);
                    instance
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.throughput(Throughput::Elements(1));
    group.bench_function("start", |b| {
        b.iter(|| Instance::start(&prepared, "NP", attributes(), black_box(now)).unwrap())
    });
    group.throughput(Throughput::Elements(1));
    let (mut instance, _) = Instance::start(&prepared, "NP", attributes(), start_at()).unwrap();
    let now = start_at() + TimeDelta::hours(1);
    group.bench_function("tick_idle", |b| {
        b.iter(|| {
            let events = instance.tick(&prepared, black_box(now)).unwrap();
            assert!(events.is_empty());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then the 200,000-command history is skipped and each timing runs once.
    if std::env::args().any(|a| a == "--bench" || a == "--reports-only") {
        report_history();
        report_memory();
    }
    if std::env::args().any(|a| a == "--reports-only") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
