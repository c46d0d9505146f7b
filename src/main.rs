//! The `onboard` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(onboard::run(std::env::args_os()))
}
