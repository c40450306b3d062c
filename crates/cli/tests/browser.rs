//! The 看板 page in a real browser: a real `sopflow serve` on SQLite (in a
//! temporary directory) with a virtual clock, driven through headless
//! Debian Chromium by chromedriver (W3C WebDriver, spoken by the small
//! client in `browser/support.rs`).
//!
//! Proves: the board shows a late step after the clock moves; an action
//! taken on the page changes the instance; the scorecard's numbers equal
//! `sopflow report` on the same log. Screenshots of each view go to
//! `target/screenshots/`.
//!
//! Skips (and says why) when chromium or chromedriver is missing, unless
//! `SOPFLOW_REQUIRE_BROWSER=1` (CI sets it).
//! `cargo test -p sopflow-cli --test browser -- --ignored first_paint`
//! measures the first paint of the board with 10,000 instances.

#[path = "browser/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{free_port, http, Browser};

const TOKEN: &str = "pmo-secret-for-tests";
const START: &str = "2026-03-02T09:00:00+08:00";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Chromium and chromedriver, or `None` (after saying why) when the test must skip.
fn tools() -> Option<(String, String)> {
    let find = |names: &[&str]| {
        names.iter().find_map(|n| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(n))
                    .find(|p| p.is_file())
                    .map(|p| p.display().to_string())
            })
        })
    };
    let chromium = find(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            let why = "chromium or chromedriver is not installed \
                       (apt-get install chromium chromium-driver fonts-noto-cjk)";
            assert!(
                std::env::var("SOPFLOW_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "SOPFLOW_REQUIRE_BROWSER=1 but {why}"
            );
            eprintln!("skipping the browser test: {why}");
            None
        }
    }
}

/// A child process killed on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `sopflow serve` on a fresh SQLite database.
struct Server {
    addr: String,
    _child: Guard,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str) -> Server {
        let dir =
            std::env::temp_dir().join(format!("sopflow-browser-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let departments = [
            "市场部",
            "研发部",
            "产品部",
            "销售部",
            "技术部",
            "供应链部",
            "生产部",
            "质量部",
            "财务部",
            "客服部",
            "PMO",
        ];
        let config = format!(
            "[[tokens]]\nname = \"PMO\"\ntoken = \"{TOKEN}\"\nactors = {}\nadmin = true\n",
            serde_json::to_string(&departments).unwrap()
        );
        std::fs::write(dir.join("sopflow.toml"), config).expect("config written");
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_sopflow"))
            .arg("serve")
            .arg("--db")
            .arg(format!("sqlite://{}", dir.join("sopflow.db").display()))
            .arg("--config")
            .arg(dir.join("sopflow.toml"))
            .arg("--listen")
            .arg(&addr)
            .arg("--clock")
            .arg(format!("virtual:{START}"))
            .arg(repo().join("examples"))
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sopflow serve starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("listening on") => break,
                Some(Ok(_)) => continue,
                _ => panic!("sopflow serve stopped before listening"),
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            addr,
            _child: Guard(child),
            dir,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let answer = http(&self.addr, method, path, Some(TOKEN), body.as_ref());
        assert!(
            answer.status < 300,
            "{method} {path}: {} {}",
            answer.status,
            answer.body
        );
        answer.json()
    }

    fn start_instance(&self, id: &str) {
        self.call(
            "POST",
            "/api/v1/instances",
            Some(
                json!({"process": "新产品上市", "id": id, "attributes": {"上市日": "2026-07-01"}}),
            ),
        );
    }

    fn command(&self, id: &str, command: Value) {
        self.call(
            "POST",
            &format!("/api/v1/instances/{id}/commands"),
            Some(command),
        );
    }

    fn clock(&self, now: &str) {
        self.call("POST", "/api/v1/clock", Some(json!({ "now": now })));
    }

    /// The page at `hash`, with a query that makes every visit a fresh load.
    fn url(&self, hash: &str) -> String {
        static VISIT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = VISIT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("http://{}/?visit={n}{hash}", self.addr)
    }
}

/// A chromedriver and a browser session on it.
fn browser(driver: &str, chromium: &str, width: u32, height: u32) -> (Guard, Browser) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        // The examples' calendars are in China: show times as a user there sees them.
        .env("TZ", "Asia/Shanghai")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let session = Browser::open(&addr, chromium, width, height);
    (Guard(child), session)
}

fn save(name: &str, png: &[u8]) {
    let dir = repo().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
}

/// Opens `hash` and waits until the view has drawn.
fn open(b: &Browser, server: &Server, hash: &str) {
    b.eval(
        "document.getElementById('view')?.removeAttribute('data-ready');",
        json!([]),
    );
    b.goto(&server.url(hash));
    b.wait_for(
        "document.getElementById('view')?.dataset.ready",
        &format!("the view {hash}"),
    );
}

/// A history: three instances, work done on time and late, a send-back.
fn history(server: &Server) {
    for id in ["NP-1", "NP-2", "NP-3"] {
        server.start_instance(id);
    }
    let complete = |id: &str, cid: &str, step: &str, actor: &str, deliverables: &[&str]| {
        server.command(
            id,
            json!({"type": "complete", "id": cid, "step": step, "actor": actor, "deliverables": deliverables}),
        );
    };
    server.clock("2026-03-03T10:00:00+08:00");
    complete(
        "NP-1",
        "c1",
        "市场部:提交需求",
        "市场部",
        &["《市场需求文档》"],
    );
    complete(
        "NP-2",
        "c2",
        "市场部:提交需求",
        "市场部",
        &["《市场需求文档》"],
    );
    server.clock("2026-03-04T10:00:00+08:00");
    server.command(
        "NP-2",
        json!({"type": "send_back", "id": "c3", "from": "研发部:评估", "to": "市场部:提交需求",
               "actor": "研发部", "reason": "目标用户画像不清楚, 请补充定价区间"}),
    );
    complete(
        "NP-1",
        "c4",
        "研发部:评估",
        "研发部",
        &["《技术可行性报告》", "《产品原型图》", "《MVP功能清单》"],
    );
    // Two and a half weeks on: NP-3's 市场部:提交需求 (10 working days) is late.
    server.clock("2026-03-19T15:00:00+08:00");
}

#[test]
fn the_page_shows_acts_and_scores() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let server = Server::start("page");
    history(&server);
    let (_driver, b) = browser(&driver, &chromium, 1360, 900);

    // The token, as a person would type it.
    open(&b, &server, "#/board");
    b.eval(
        "localStorage.setItem('sopflow.token', arguments[0]);",
        json!([TOKEN]),
    );
    open(&b, &server, "#/board");

    // The board: NP-3's late step first, in words.
    b.wait_for(
        "document.querySelector('tr.row-late[data-instance=\"NP-3\"][data-step=\"市场部:提交需求\"]')",
        "NP-3's late step",
    );
    save("board", &b.screenshot());
    let order = b.eval(
        "return [...document.querySelectorAll('table.board tbody tr')].map(tr => tr.className);",
        json!([]),
    );
    let order: Vec<&str> = order
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let first_on_track = order
        .iter()
        .position(|c| *c == "row-ok")
        .unwrap_or(order.len());
    assert!(
        order[..first_on_track]
            .iter()
            .all(|c| *c == "row-late" || *c == "row-warn"),
        "late and nearly late first: {order:?}"
    );
    let left = b.eval(
        "return document.querySelector('tr[data-instance=\"NP-3\"] td.left').textContent;",
        json!([]),
    );
    assert!(
        left.as_str().unwrap().starts_with("已超时") && left.as_str().unwrap().contains("工作"),
        "time left in working time: {left}"
    );
    save("board", &b.full_screenshot(1360));

    // Processes: each SOP drawn with its versions.
    b.resize(1360, 900);
    open(&b, &server, "#/processes");
    b.wait_for(
        "document.querySelectorAll('.process .diagram svg').length >= 3",
        "three diagrams",
    );
    save("processes", &b.full_screenshot(1360));

    // The instance: complete the late step on the page.
    b.resize(1360, 900);
    open(&b, &server, "#/instance/NP-3");
    b.wait_for(
        "document.querySelector('.actions[data-step=\"市场部:提交需求\"] form[data-kind=complete]')",
        "the complete form",
    );
    b.click(".actions[data-step=\"市场部:提交需求\"] form[data-kind=complete] button[type=submit]");
    b.wait_for(
        "document.querySelector('.timeline li[data-type=step_completed]')",
        "the completion in the timeline",
    );
    let view = server.call("GET", "/api/v1/instances/NP-3", None);
    let step = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "市场部:提交需求")
        .unwrap();
    assert_eq!(
        step["status"], "done",
        "the page's action changed the instance"
    );
    let events = server.call("GET", "/api/v1/instances/NP-3/events", None);
    let done = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "step_completed")
        .expect("a step_completed event");
    assert_eq!(done["late"], true);
    assert_eq!(done["deliverables"], json!(["《市场需求文档》"]));

    // An action the executor refuses shows its error in words.
    b.click(".actions[data-step=\"研发部:评估\"] .segmented button[data-kind=sendback]");
    b.eval(
        "document.querySelector('.actions[data-step=\"研发部:评估\"] input[name=actor]').value = '财务部';",
        json!([]),
    );
    b.type_into(
        ".actions[data-step=\"研发部:评估\"] input[name=reason]",
        "测试",
    );
    b.click(".actions[data-step=\"研发部:评估\"] form[data-kind=sendback] button[type=submit]");
    b.wait_for(
        "document.querySelector('.actions[data-step=\"研发部:评估\"] .result.failure')?.textContent.includes('403')",
        "the refusal in words",
    );
    open(&b, &server, "#/instance/NP-2");
    b.wait_for(
        "document.querySelector('.timeline li[data-type=sent_back]')",
        "the send-back",
    );
    save("instance", &b.full_screenshot(1360));

    // The scorecard equals `sopflow report` on the same log.
    b.resize(1360, 900);
    open(&b, &server, "#/scorecard?from=2026-03-01&to=2026-04-01");
    b.wait_for(
        "document.querySelector('table.score tbody tr')",
        "the scorecard table",
    );
    let shown = b.eval(
        "return [...document.querySelectorAll('table.score tbody tr')].map(tr => \
         [tr.dataset.department, Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.textContent]))]);",
        json!([]),
    );
    let report = report_of(&server, "2026-03-01", "2026-04-01");
    let cards = report["departments"].as_array().unwrap();
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), cards.len(), "one row per department");
    let mut compared = 0;
    for (row, card) in shown.iter().zip(cards) {
        assert_eq!(row[0], card["department"]);
        for (key, text) in row[1].as_object().unwrap() {
            let value = &card["figures"][key];
            let text = text.as_str().unwrap();
            match value.as_f64() {
                None => assert_eq!(text, "—", "{} {key}", card["department"]),
                Some(v) => {
                    let shown: f64 = text
                        .trim_end_matches('%')
                        .replace(',', "")
                        .parse()
                        .unwrap_or_else(|_| {
                            panic!("{} {key}: `{text}` is not a number", card["department"])
                        });
                    let expected = if key == "on_time_rate" {
                        (v * 1000.0).round() / 10.0
                    } else {
                        v
                    };
                    assert!(
                        (shown - expected).abs() < 1e-9,
                        "{} {key}: page {shown}, report {expected}",
                        card["department"]
                    );
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 30, "compared {compared} figures");
    let late = report["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"] == "市场部")
        .unwrap();
    assert_eq!(
        late["figures"]["late"], 1,
        "NP-3's late completion is on the scorecard"
    );
    save("scorecard", &b.full_screenshot(1360));

    // A phone.
    b.resize(390, 844);
    open(&b, &server, "#/board");
    b.wait_for(
        "document.querySelector('table.board tbody tr')",
        "the board on a phone",
    );
    save("board-phone", &b.screenshot());
    for (hash, name, drawn) in [
        ("#/processes", "processes-phone", ".diagram svg"),
        ("#/instance/NP-2", "instance-phone", "table.steps tbody tr"),
        (
            "#/scorecard?from=2026-03-01&to=2026-04-01",
            "scorecard-phone",
            "table.score tbody tr",
        ),
    ] {
        b.resize(390, 844);
        open(&b, &server, hash);
        b.wait_for(
            &format!("document.querySelector('{drawn}')"),
            &format!("{name} drawn"),
        );
        save(name, &b.full_screenshot(390));
    }
    // The instance's step badges stay on one line at laptop width.
    b.resize(1360, 900);
    open(&b, &server, "#/instance/NP-2");
    let wrapped = b.eval(
        "return [...document.querySelectorAll('table.steps .pill')].filter(p => p.getClientRects().length > 1 || p.offsetHeight > 2.2 * parseFloat(getComputedStyle(p).fontSize)).map(p => p.textContent);",
        json!([]),
    );
    assert_eq!(wrapped, json!([]), "step badges wrap");
    let _ = std::fs::remove_dir_all(&server.dir);
}

/// `sopflow report --format json` over the server's log, read through the API.
fn report_of(server: &Server, from: &str, to: &str) -> Value {
    let mut log = String::new();
    let list = server.call("GET", "/api/v1/instances?limit=500", None);
    for item in list["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let events = server.call("GET", &format!("/api/v1/instances/{id}/events"), None);
        for event in events["events"].as_array().unwrap() {
            let record = json!({"instance": id, "process": item["process"], "version": item["version"], "event": event});
            log.push_str(&record.to_string());
            log.push('\n');
        }
    }
    let path = server.dir.join("log.jsonl");
    std::fs::write(&path, log).expect("log written");
    let out = Command::new(env!("CARGO_BIN_EXE_sopflow"))
        .args([
            "report", "--format", "json", "--from", from, "--to", to, "--sop",
        ])
        .arg(repo().join("examples"))
        .arg(&path)
        .output()
        .expect("sopflow report runs");
    assert!(
        out.status.success(),
        "sopflow report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report JSON")
}

/// First paint of the board with 10,000 instances in the store (run with
/// `--ignored`; prints the figures).
#[test]
#[ignore = "a measurement: starts 10,000 instances"]
fn first_paint_with_ten_thousand_instances() {
    let Some((chromium, driver)) = tools() else {
        return;
    };
    let server = Server::start("paint");
    // A measurement for the report, not domain time.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                for i in (t..10_000).step_by(4) {
                    let body = json!({"process": "新产品上市", "id": format!("NP-{i:05}"), "attributes": {"上市日": "2026-07-01"}});
                    let a = http(&addr, "POST", "/api/v1/instances", Some(TOKEN), Some(&body));
                    assert!(a.status < 300, "{}", a.body);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("starter thread");
    }
    eprintln!("started 10,000 instances in {:?}", started.elapsed());
    server.clock("2026-03-19T15:00:00+08:00");
    let (_driver, b) = browser(&driver, &chromium, 1360, 900);
    b.goto(&server.url("#/board"));
    b.eval(
        "localStorage.setItem('sopflow.token', arguments[0]);",
        json!([TOKEN]),
    );
    for round in 0..3 {
        b.goto(&server.url("#/board"));
        b.wait_for(
            "document.querySelector('table.board tbody tr')",
            "the board",
        );
        let t = b.eval(
            "const nav = performance.getEntriesByType('navigation')[0]; \
             const fcp = performance.getEntriesByName('first-contentful-paint')[0]; \
             return {fcp: fcp ? fcp.startTime : null, dom: nav.domContentLoadedEventEnd, \
                     rows: document.querySelectorAll('table.board tbody tr').length, now: performance.now()};",
            json!([]),
        );
        eprintln!("round {round}: {t}");
    }
    // Until the rows are drawn, measured in the page.
    let t = b.eval(
        "return (async () => { const t0 = performance.now(); \
           location.hash = '#/board?status=open&r=' + Math.random(); \
           while (!document.getElementById('view').dataset.ready || document.getElementById('view').getAttribute('aria-busy') !== 'false') \
             await new Promise(r => setTimeout(r, 5)); \
           return performance.now() - t0; })();",
        json!([]),
    );
    eprintln!("board redraw with data: {t} ms");
    save("board-10k", &b.screenshot());
    let _ = std::fs::remove_dir_all(&server.dir);
}
