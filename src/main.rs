//! The `tracedoc` binary: parse the command line, run, report, exit.

use clap::Parser;

fn main() {
    let cli = tracedoc::cli::Cli::parse();
    let code = match tracedoc::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            tracedoc::cli::EXIT_INPUT
        }
    };
    std::process::exit(code);
}
