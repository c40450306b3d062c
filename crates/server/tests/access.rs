//! Tokens: who may do what, and who may read which instance.

mod common;

use common::*;
use serde_json::json;

async fn seeded() -> App {
    seed(app(true).await).await
}

async fn seed(app: App) -> App {
    assert_eq!(app.deploy(Some(ADMIN), SMALL).await.status.as_u16(), 201);
    assert_eq!(app.deploy(Some(ADMIN), FINANCE).await.status.as_u16(), 201);
    let a = app
        .post(
            "/api/v1/instances",
            Some(MKT),
            json!({"process": "测试", "id": "T-1"}),
        )
        .await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text);
    let b = app
        .post(
            "/api/v1/instances",
            Some(FIN),
            json!({"process": "报销", "id": "F-1"}),
        )
        .await;
    assert_eq!(b.status.as_u16(), 201, "{}", b.text);
    app
}

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401() {
    let app = seeded().await;
    let none = app.get("/api/v1/instances", None).await;
    assert_eq!(none.status.as_u16(), 401);
    assert_eq!(none.body["error"], "unauthorized");
    let wrong = app
        .get("/api/v1/instances/T-1", Some("not-a-token-0000000000"))
        .await;
    assert_eq!(wrong.status.as_u16(), 401);
    check_documented("GET", "/api/v1/instances/{id}", 401, &wrong.body);
    // Health and metrics show no instance and stay open.
    assert_eq!(app.get("/healthz", None).await.status.as_u16(), 200);
    assert_eq!(
        app.get("/api/v1/openapi.json", None).await.status.as_u16(),
        200
    );
}

#[tokio::test]
async fn a_department_cannot_read_instances_it_is_no_party_to() {
    let app = seeded().await;
    let list = app.get("/api/v1/instances", Some(RD)).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["T-1"],
        "研发部 sees only the process it owns a step of"
    );
    for path in ["/api/v1/instances/F-1", "/api/v1/instances/F-1/events"] {
        let answer = app.get(path, Some(RD)).await;
        assert_eq!(answer.status.as_u16(), 404, "{path}");
        assert_eq!(answer.body["message"], "unknown instance `F-1`");
    }
    let command = app
        .post(
            "/api/v1/instances/F-1/commands",
            Some(RD),
            json!({"type": "cancel", "id": "k", "actor": "研发部", "reason": "x"}),
        )
        .await;
    assert_eq!(command.status.as_u16(), 404);
    let fin = app.get("/api/v1/instances", Some(FIN)).await;
    let ids: Vec<&str> = fin.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["F-1", "T-1"], "财务部 owns 财务部:核算 of 测试");
    let all = app.get("/api/v1/instances", Some(ADMIN)).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let by_department = app
        .get("/api/v1/instances?department=研发部", Some(ADMIN))
        .await;
    assert_eq!(by_department.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_department_cannot_read_instances_it_is_no_party_to_on_postgres() {
    if let Some(app) = app_postgres("access", true).await {
        let app = seed(app).await;
        let list = app.get("/api/v1/instances", Some(RD)).await;
        assert_eq!(
            list.body["items"].as_array().unwrap().len(),
            1,
            "{}",
            list.text
        );
        assert_eq!(
            app.get("/api/v1/instances/F-1", Some(RD))
                .await
                .status
                .as_u16(),
            404
        );
    }
}

#[tokio::test]
async fn a_token_acts_only_as_its_actors_and_only_admins_deploy_and_move_time() {
    let app = seeded().await;
    let as_other = app
        .post(
            "/api/v1/instances/T-1/commands",
            Some(RD),
            json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"}),
        )
        .await;
    assert_eq!(as_other.status.as_u16(), 403, "{}", as_other.text);
    assert_eq!(as_other.body["error"], "not_authorized");
    check_documented(
        "POST",
        "/api/v1/instances/{id}/commands",
        403,
        &as_other.body,
    );
    let as_itself = app
        .post(
            "/api/v1/instances/T-1/commands",
            Some(MKT),
            json!({"type": "complete", "id": "c1", "step": "市场部:提交", "actor": "市场部"}),
        )
        .await;
    assert_eq!(as_itself.status.as_u16(), 200, "{}", as_itself.text);
    let deploy = app.deploy(Some(RD), SMALL).await;
    assert_eq!(deploy.status.as_u16(), 403);
    let clock = app
        .post(
            "/api/v1/clock",
            Some(RD),
            json!({"now": "2026-03-03T00:00:00Z"}),
        )
        .await;
    assert_eq!(clock.status.as_u16(), 403);
    let start = app
        .post(
            "/api/v1/instances",
            Some(RD),
            json!({"process": "报销", "id": "F-2"}),
        )
        .await;
    assert_eq!(start.status.as_u16(), 403, "研发部 owns no step of 报销");
    // Escalation recipients become parties: after the PMO is notified, a
    // PMO token would read T-1 (checked through the rule directly).
}

#[test]
fn config_errors_name_the_token_and_the_fix() {
    use sopflow_server::Config;
    let no_secret = Config::parse("[[tokens]]\nname = \"a\"\nactors = [\"x\"]").unwrap();
    assert_eq!(
        no_secret.tokens(|_| None).unwrap_err().to_string(),
        "token `a`: give `token_env = \"VAR\"` (or `token`)"
    );
    let unset =
        Config::parse("[[tokens]]\nname = \"a\"\ntoken_env = \"V\"\nactors = [\"x\"]").unwrap();
    assert_eq!(
        unset.tokens(|_| None).unwrap_err().to_string(),
        "token `a`: the environment variable `V` is not set"
    );
    let set = unset.tokens(|_| Some("0123456789abcdef".into())).unwrap();
    assert_eq!(set[0].secret, "0123456789abcdef");
    assert!(
        !format!("{:?}", set[0]).contains("0123456789abcdef"),
        "Debug hides the secret"
    );
    let short = Config::parse("[[tokens]]\nname = \"a\"\ntoken = \"x\"\nadmin = true").unwrap();
    assert!(short
        .tokens(|_| None)
        .unwrap_err()
        .to_string()
        .contains("too short"));
    let unknown = Config::parse("[server]\nlisten = \"127.0.0.1:1\"\nport = 1").unwrap_err();
    assert!(unknown.to_string().contains("port"), "{unknown}");
}

/// Page after page, a 研发部 token sees only instances it is a party to,
/// and every page but the last is full (no page shrinks to what the token
/// may read).
#[tokio::test]
async fn a_department_pages_through_only_its_instances() {
    let app = seeded().await;
    for i in 0..7 {
        let started = app
            .post(
                "/api/v1/instances",
                Some(FIN),
                json!({"process": "报销", "id": format!("F-x{i}")}),
            )
            .await;
        assert_eq!(started.status.as_u16(), 201, "{}", started.text);
    }
    for i in 0..3 {
        let started = app
            .post(
                "/api/v1/instances",
                Some(MKT),
                json!({"process": "测试", "id": format!("T-x{i}")}),
            )
            .await;
        assert_eq!(started.status.as_u16(), 201, "{}", started.text);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/instances?limit=2&cursor={}", c.replace('~', "%7E")),
            None => "/api/v1/instances?limit=2".to_owned(),
        };
        let page = app.get(&path, Some(RD)).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap();
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), 2, "a page before the last is full");
                cursor = Some(next.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(seen, ["T-1", "T-x0", "T-x1", "T-x2"]);
    let fin = app.get("/api/v1/instances?limit=500", Some(FIN)).await;
    assert_eq!(fin.body["items"].as_array().unwrap().len(), 12);
    // The scorecard of 研发部 counts only its instances.
    let card = app.get("/api/v1/scorecard", Some(RD)).await;
    assert_eq!(card.status.as_u16(), 200, "{}", card.text);
    assert_eq!(card.body["instances"], 4);
    let all = app.get("/api/v1/scorecard", Some(ADMIN)).await;
    assert_eq!(all.body["instances"], 12);
}
