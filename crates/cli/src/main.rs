//! The `sopflow` command; all of it lives in the `sopflow_cli` library.

fn main() -> std::process::ExitCode {
    sopflow_cli::run()
}
