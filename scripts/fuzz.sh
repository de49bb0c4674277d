#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (CI-friendly).
#
#   scripts/fuzz.sh                 # every target, FUZZ_SECONDS (45) each
#   FUZZ_SECONDS=300 scripts/fuzz.sh render parser
#   scripts/fuzz.sh escape_md escape_cell escape_code escape_attr escape_front_matter escape_owner_md \
#       escape_codeline escape_mermaid escape_terminal escape_url
#
# The escape_* targets check one output context each (view::escape),
# against the models of tests/it/models.rs, with fuzz/escape.dict.
#
# Choices (see docs/robustness.md):
# - The machine has one stable toolchain. cargo-fuzz needs nightly-only
#   flags (-Zsanitizer, -Cpasses=sancov), so RUSTC_BOOTSTRAP=1 lets stable
#   accept them. That is only for this fuzz build; the crate itself builds
#   on stable without it.
# - AddressSanitizer by default (its runtime ships with the x86_64 Linux
#   std). If that build fails, the script falls back to `--sanitizer none`
#   (Rust's own checks still catch panics, overflows and bad slicing).
#   FUZZ_SANITIZER=none|address forces one.
# - Debug assertions are on (`-a`), so integer overflow is a crash too.
# - Each target starts from the committed seeds in fuzz/corpus/<target> and
#   writes what it finds to a throw-away corpus, so the committed seeds stay
#   small and hand-written. Crashes go to fuzz/artifacts/<target>/ (ignored
#   by git): turn each into a regression test, then delete it.
#
# - libFuzzer's output (thousands of lines) goes to target/fuzz-logs/<target>.log
#   (FUZZ_LOGS overrides the folder); one summary line per target is printed.
# - fuzz/Cargo.lock is committed and must be current: the script stops if
#   it is not, instead of letting cargo rewrite it (the checkout stays clean).
#
# Exit status: 0 when no target crashed, 1 otherwise (all targets still run).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-45}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

if ! cargo metadata --manifest-path fuzz/Cargo.toml --format-version 1 --locked >/dev/null; then
    echo "fuzz.sh: fuzz/Cargo.lock is out of date (Cargo.toml changed?): update it with" >&2
    echo "  cp Cargo.lock fuzz/Cargo.lock && cargo metadata --manifest-path fuzz/Cargo.toml --format-version 1 >/dev/null" >&2
    echo "and commit it" >&2
    exit 1
fi

logs="${FUZZ_LOGS:-target/fuzz-logs}"
mkdir -p "$logs"
sanitizer="${FUZZ_SANITIZER:-address}"
if ! cargo fuzz build -O -a --sanitizer "$sanitizer" --fuzz-dir fuzz >"$logs/build.log" 2>&1; then
    if [ "$sanitizer" = none ]; then
        echo "fuzz.sh: the fuzz targets do not build" >&2
        exit 1
    fi
    echo "fuzz.sh: build with --sanitizer $sanitizer failed; retrying with --sanitizer none" >&2
    sanitizer=none
    if ! cargo fuzz build -O -a --sanitizer none --fuzz-dir fuzz >"$logs/build.log" 2>&1; then
        tail -n 30 "$logs/build.log" >&2
        exit 1
    fi
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$work/$target" "fuzz/corpus/$target"
    dict=()
    case "$target" in
        parser | render | apiref | parse_head) dict=(-dict=fuzz/requestshook.dict) ;;
        har) dict=(-dict=fuzz/har.dict) ;;
        escape_*) dict=(-dict=fuzz/escape.dict) ;;
        debuglog | bodymd) dict=(-dict=fuzz/readback.dict) ;;
        traces) dict=(-dict=fuzz/traces.dict) ;;
    esac
    log="$logs/$target.log"
    if cargo fuzz run -O -a --sanitizer "$sanitizer" --fuzz-dir fuzz "$target" \
        "$work/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
        -print_final_stats=1 -print_funcs=0 "${dict[@]}" >"$log" 2>&1; then
        status=ok
    else
        status=CRASH
        failed+=("$target")
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    echo "fuzz.sh: $target: $status, ${runs:-?} runs in ${seconds}s, cov ${cov:-?}, corpus ${corp:-?} (sanitizer $sanitizer; log: $log)" >&2
    if [ $status = CRASH ]; then
        grep -m 5 -E 'panicked|ERROR: |SUMMARY|Test unit written' "$log" | sed 's/^/    /' >&2 || tail -n 10 "$log" >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each, no crash" >&2
