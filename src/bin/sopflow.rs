fn main() -> std::process::ExitCode { sopflow::cli::run() }
