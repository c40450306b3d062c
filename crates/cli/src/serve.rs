//! `sopflow serve`: deploy the `.sop` files found under PATH and serve the
//! HTTP API over a durable runtime, with the scheduler firing due timers.
//!
//! The command reads what the server crate must not: the configuration file,
//! the environment (token secrets, `SOPFLOW_LOG`), the files to deploy, the
//! signals that stop it. It logs with `tracing` on standard error and prints
//! the one line tools wait for (`listening on http://ADDR`) on standard output.
//!
//! Dependencies it adds to the CLI: `tokio` (a two-thread runtime, Ctrl-C
//! and SIGTERM), `tracing` and `tracing-subscriber` (logs on standard error
//! with an env filter read from `SOPFLOW_LOG`). Its tests use `ureq`, a small
//! blocking HTTP client built without TLS, and `tempfile`.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::Args;
use sopflow::exec::Clock;
use sopflow::load::{Loader, MemoryResolver};
use sopflow_runtime::delivery::Delivery;
use sopflow_runtime::{Runtime, SchedulerOptions, SopFiles};
use sopflow_server::{Access, Config, ServerClock, Service};

use super::{walk, ExitStatus};

/// Shown at the end of `sopflow serve --help`.
pub(super) const AFTER_HELP: &str = "\
Deploys every .sop file found under PATH that has no errors (the others' diagnostics are
printed), then serves the HTTP API (/api/v1/…, /healthz, /metrics, the page at /).

Access: with no tokens in the configuration file the server accepts only loopback
addresses and every caller may do everything. With tokens, every API call needs
`Authorization: Bearer <token>`; see README.md, \"Running a server\".

Configuration (sopflow.toml in the current directory, or --config FILE):
  [server]
  listen = \"127.0.0.1:8080\"
  [[tokens]]
  name = \"研发部负责人\"
  token_env = \"SOPFLOW_TOKEN_RD\"      # the secret, from the environment
  actors = [\"研发部\"]
  admin = false

Logs: SOPFLOW_LOG=debug (an env filter, default info), on standard error.

Examples:
  sopflow serve examples/
  sopflow serve --clock virtual:2026-03-02T09:00:00+08:00 examples/
  sopflow serve --db postgres://sopflow@localhost/sopflow --config prod.toml flows/";

/// The arguments of `sopflow serve`.
#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Files or directories of .sop files to deploy.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The database: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL", default_value = "sqlite://sopflow.db")]
    db: String,

    /// The address to listen on [default: the config's, or 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,

    /// The configuration file [default: sopflow.toml, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// `system` (the default), or `virtual:RFC3339`: a clock that stands still
    /// until POST /api/v1/clock moves it.
    #[arg(long, value_name = "CLOCK", default_value = "system")]
    clock: String,
}

/// What `serve` needs before it starts the async part.
struct Plan {
    config: Config,
    access: Access,
    listen: SocketAddr,
    clock: ServerClock,
    db: String,
}

pub(super) fn run(
    args: &ServeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    init_logging();
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(message) => {
            writeln!(err, "error: {message}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let tokio = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(tokio) => tokio,
        Err(e) => {
            writeln!(err, "error: cannot start the async runtime: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    tokio.block_on(serve(args, plan, out, err))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SOPFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::stderr().is_terminal());
    // `run` holds the standard error lock for the whole command; the
    // server's threads log through their own handle of the same stream.
    #[cfg(unix)]
    let writer = {
        use std::os::fd::AsFd;
        match io::stderr().as_fd().try_clone_to_owned() {
            Ok(fd) => Some(Arc::new(std::fs::File::from(fd))),
            Err(_) => None,
        }
    };
    #[cfg(not(unix))]
    let writer: Option<Arc<std::fs::File>> = None;
    // A second call (tests run several servers in one process) keeps the first.
    let _ = match writer {
        Some(writer) => builder.with_writer(writer).try_init(),
        None => builder.with_writer(io::sink).try_init(),
    };
}

/// Reads the configuration and checks the flags.
fn plan(args: &ServeArgs) -> Result<Plan, String> {
    let config_path = match &args.config {
        Some(path) => Some(path.clone()),
        None => Some(PathBuf::from("sopflow.toml")).filter(|p| p.is_file()),
    };
    let config = match &config_path {
        None => Config::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            Config::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))?
        }
    };
    let tokens = config.tokens(|var| std::env::var(var).ok()).map_err(|e| {
        format!(
            "`{}`: {e}",
            config_path.as_deref().unwrap_or(Path::new("")).display()
        )
    })?;
    let listen = args
        .listen
        .clone()
        .or_else(|| config.server.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listen: SocketAddr = listen.parse().map_err(|e| {
        format!("invalid --listen `{listen}`: {e}; write IP:PORT, e.g. 127.0.0.1:8080")
    })?;
    if tokens.is_empty() && !listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {listen} without tokens: anyone could act as any department. \
             Add [[tokens]] to the configuration file, or listen on 127.0.0.1"
        ));
    }
    let clock = match args.clock.as_str() {
        "system" | "real" => ServerClock::System,
        other => {
            let start = other.strip_prefix("virtual:").ok_or_else(|| {
                format!("invalid --clock `{other}`: `system` or `virtual:RFC3339`")
            })?;
            let start = DateTime::parse_from_rfc3339(start).map_err(|e| {
                format!(
                    "invalid --clock `{other}`: {e}; write e.g. virtual:2026-03-02T09:00:00+08:00"
                )
            })?;
            ServerClock::virtual_at(start.with_timezone(&Utc))
        }
    };
    let db = if args.db.starts_with("sqlite:") && !args.db.contains('?') {
        format!("{}?mode=rwc", args.db)
    } else {
        args.db.clone()
    };
    Ok(Plan {
        config,
        access: Access::new(tokens),
        listen,
        clock,
        db,
    })
}

async fn serve(
    args: &ServeArgs,
    plan: Plan,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let runtime = match Runtime::connect(&plan.db).await {
        Ok(runtime) => runtime,
        Err(e) => {
            writeln!(err, "error: cannot open the database `{}`: {e}", args.db)?;
            return Ok(ExitStatus::Error);
        }
    };
    let now = plan.clock.now();
    deploy(&runtime, &args.paths, now, out, err).await?;
    // Notifications: the `[notify]` table of the config becomes a delivery
    // task beside the scheduler; without it, notifications wait in the outbox.
    let delivery = match &plan.config.notify {
        None => None,
        Some(table) => {
            let config = table
                .clone()
                .try_into::<sopflow_runtime::delivery::NotifyConfig>()
                .map_err(|e| e.to_string())
                .and_then(|config| Delivery::new(&runtime, &config).map_err(|e| e.to_string()));
            match config {
                Ok(delivery) => Some(delivery.spawn(Arc::new(plan.clock.clone()))),
                Err(e) => {
                    writeln!(err, "error: the [notify] table of the config: {e}")?;
                    runtime.close().await;
                    return Ok(ExitStatus::Error);
                }
            }
        }
    };
    if delivery.is_none() {
        writeln!(
            err,
            "note: no [notify] table in the config: notifications wait in the outbox"
        )?;
    }
    // Catch up before serving: what fell due while the server was down has
    // fired (at the instants it fell due) before the first request is answered.
    match runtime
        .catch_up(now, SchedulerOptions::default().batch)
        .await
    {
        Ok(round) if !round.fired.is_empty() => {
            tracing::info!(
                fired = round.fired.len(),
                "caught up on timers that fell due"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "catching up on due timers failed"),
    }
    let listener = match tokio::net::TcpListener::bind(plan.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            writeln!(err, "error: cannot listen on {}: {e}", plan.listen)?;
            return Ok(ExitStatus::Error);
        }
    };
    let address = listener.local_addr()?;
    let scheduler = Arc::new(
        runtime.spawn_scheduler(Arc::new(plan.clock.clone()), SchedulerOptions::default()),
    );
    if !plan.access.has_tokens() {
        writeln!(
            err,
            "note: no tokens configured: listening on loopback only, and every caller may act as anyone"
        )?;
    }
    if let ServerClock::Virtual(_) = plan.clock {
        writeln!(
            err,
            "note: virtual clock at {}; move it with POST /api/v1/clock",
            now.to_rfc3339()
        )?;
    }
    let service =
        Service::new(runtime.clone(), plan.clock, plan.access).with_scheduler(scheduler.clone());
    writeln!(out, "listening on http://{address}")?;
    out.flush()?;
    let served = sopflow_server::serve(listener, Arc::new(service), shutdown_signal()).await;
    if let Ok(scheduler) = Arc::try_unwrap(scheduler) {
        scheduler.shutdown().await;
    }
    if let Some(delivery) = delivery {
        delivery.shutdown().await;
    }
    runtime.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            writeln!(err, "error: the server failed: {e}")?;
            Ok(ExitStatus::Error)
        }
    }
}

/// Deploys each file found under `paths` that has no errors; prints the
/// others' diagnostics.
async fn deploy(
    runtime: &Runtime,
    paths: &[PathBuf],
    now: DateTime<Utc>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let found = walk::find(paths, None);
    for e in &found.errors {
        writeln!(
            err,
            "error: cannot read `{}`: {}",
            e.path.display(),
            e.error
        )?;
    }
    for file in &found.files {
        let files = match SopFiles::read(&file.path) {
            Ok(files) => files,
            Err(e) => {
                writeln!(err, "error: {e}")?;
                continue;
            }
        };
        if defines_no_process(&files) {
            // Shared declarations (departments, calendars, ladders) that the
            // other files `use`: checked (it has no errors), not a process.
            writeln!(
                out,
                "skipped {}: it defines no process (shared declarations for `use`)",
                file.path.display()
            )?;
            continue;
        }
        match runtime.deploy(&files, now).await {
            Ok(d) => writeln!(
                out,
                "deployed {} v{} from {}{}",
                d.process,
                d.version,
                file.path.display(),
                if d.created { "" } else { " (unchanged)" }
            )?,
            Err(e) => match e.diagnostics() {
                Some(diagnostics) => {
                    write!(
                        err,
                        "{}",
                        diagnostics.render(&sopflow::diagnostics::RenderOptions::default())
                    )?;
                    writeln!(
                        err,
                        "error: `{}` has errors; not deployed",
                        file.path.display()
                    )?;
                }
                None => writeln!(err, "error: cannot deploy `{}`: {e}", file.path.display())?,
            },
        }
    }
    Ok(())
}

/// Whether the file checks without errors and has no step: a file of
/// shared declarations, not a process. A file with errors is left to
/// [`Runtime::deploy`], which reports them.
fn defines_no_process(files: &SopFiles) -> bool {
    let resolver = files
        .files
        .iter()
        .fold(MemoryResolver::new(), |r, (name, text)| r.with(name, text));
    match Loader::new(resolver).check(&files.main) {
        Ok(checked) => checked
            .definition
            .is_some_and(|definition| definition.steps().next().is_none()),
        Err(_) => false,
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
