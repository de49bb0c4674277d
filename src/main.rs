//! The `tracedoc` binary: parse the command line, run, report, exit.

use clap::Parser;

// mimalloc: the allocator tracedoc is measured with (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = tracedoc::cli::Cli::parse();
    // An interrupted run removes its temporary files (docs/robustness.md).
    if let Err(e) = tracedoc::driver::clean_up_on_signals() {
        eprintln!("warning: cannot watch for SIGINT/SIGTERM ({e}); an interrupted run may leave `.tracedoc-*.tmp` files, which the next run removes");
    }
    let code = match tracedoc::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            tracedoc::cli::say_error("", &err);
            tracedoc::cli::EXIT_INPUT
        }
    };
    std::process::exit(code);
}
