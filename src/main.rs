//! The `tracedoc` binary: parse the command line, run, report, exit.

use clap::Parser;

// mimalloc: the allocator tracedoc is measured with (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same index in its v2 and v3
/// `mi_option_t`; libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's `mi_option_allow_thp` (libmimalloc-sys 0.1.49, mimalloc v2).
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 37;

fn main() {
    // Give freed pages back to the system at once rather than 10 ms later:
    // the pipeline frees and allocates piece after piece, and a delay keeps
    // pieces already done counted in the resident set.
    // SAFETY: setting an option is allowed at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // No transparent huge pages: mimalloc asks for them on its arenas, and
    // a 2 MiB page for every piece touched doubled the resident set of a
    // big capture. mimalloc reserved its first arena before `main`, so the
    // process is told too: later faults then take small pages everywhere.
    // SAFETY: as above; prctl only sets a flag of this process.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0);
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = tracedoc::cli::Cli::parse();
    // An interrupted run removes its temporary files (docs/robustness.md).
    if let Err(e) = tracedoc::driver::clean_up_on_signals() {
        eprintln!("warning: cannot watch for SIGINT/SIGTERM ({e}); an interrupted run may leave `.tracedoc-*.tmp` files, which the next run removes");
    }
    let code = match tracedoc::cli::run(cli) {
        Ok(code) => code,
        // Output piped into `head`: the reader has what it wanted.
        Err(err) if tracedoc::cli::is_broken_pipe(&err) => tracedoc::cli::EXIT_OK,
        Err(err) => {
            tracedoc::cli::say_error("", &err);
            tracedoc::cli::EXIT_INPUT
        }
    };
    std::process::exit(code);
}
