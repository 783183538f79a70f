//! The `gloss` command line: see `gloss --help` and `gloss::cli`.

fn main() -> std::process::ExitCode {
    gloss::cli::run(std::env::args_os())
}
