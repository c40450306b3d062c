//! The `sopflow` command; all of it lives in [`sopflow::cli`].

fn main() -> std::process::ExitCode {
    sopflow::cli::run()
}
