#!/usr/bin/env bash
# The measurements behind docs/performance.md and the targets of issue 8.
# Run `scripts/bench.sh --help` for what it does and how to tune it.
set -euo pipefail
export LC_ALL=C

usage() {
    cat <<'EOF'
Usage: scripts/bench.sh [--no-docs] [--check] [-h|--help]

Measures tracedoc (release build) on synthetic logs, side by side with the
naive Python converter and with `cat` writing the input twice, and the
`build` of many small captures; prints the tables and PASS/FAIL against the
targets of issue 8, and writes them into docs/performance.md (between the
BENCH markers) with the command, the machine, its load and the commit.

For every log, each round runs, in an order that rotates from round to round:
  tracedoc   tracedoc render LOG -o OUT --force --quiet   (every output, redaction on)
  naive      python3 ../shared/bench/naive-requestshook-to-md.py LOG > OUT/naive.md
  cat twice  cat LOG > a; cat LOG > b
under /usr/bin/time (CPU user+sys, max RSS %M, which counts mapped file
pages), wall time from the shell's clock around it. Reported: the median of
RUNS rounds, ratios as the median of the per-round ratios, peak RSS as the
largest of the rounds. Output folders are emptied before every run.

Logs (made once, deterministic, kept in BENCH_DATA and reused):
  synth-<MB>mb.log             ../shared/bench/synth-requestshook-log.py over
                               the image captures, for every size in SIZES
  huge-<MB>mb-<BODIES>.log     scripts/synth-huge-bodies.py: BODIES records
                               with bodies of several MB each
  captures-<COUNT>/            scripts/synth-captures.py: COUNT capture
                               folders from samples/ and ../shared/captures

`build` of the captures: cold (empty output folder, page cache warm) and a
no-op rebuild (same folder, nothing changed), RUNS rounds; the no-op must
write nothing (checked with find -newer / -cnewer, directories included).

Environment (defaults in brackets):
  RUNS=N          rounds per measurement [3]
  SIZES="MB..."   synthetic log sizes in MiB, as the synth script takes them
                  [10 100 1024]; the largest is judged against the 1 GB targets
  HUGE_MB=MB      size of the huge-bodies log, 0 to skip [1024]
  HUGE_BODIES=N   how many huge bodies it holds [300]
  CAPTURES=N      captures for the build measurement, 0 to skip [1000]
  QUICK=1         smoke run: SIZES=10, HUGE_MB=0, docs not written
  BENCH_DATA=DIR  where the generated inputs are kept [${TMPDIR:-/tmp}/tracedoc-bench]
  SHARED=DIR      the shared folder [<repo>/../shared]

Options:
  --no-docs   print the results, do not touch docs/performance.md
  --check     exit with status 1 when a target FAILs (default: 0)
  -h, --help  this text

Needs /usr/bin/time (Debian package `time`), python3, cargo, about 4x the
largest log of free disk in TMPDIR. Default sizes take about 10 minutes on
a 2-core machine, most of it the naive converter on the two 1 GB logs.
EOF
}

WRITE_DOCS=1
CHECK=0
ARGS=("$@")
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --no-docs) WRITE_DOCS=0 ;;
    --check) CHECK=1 ;;
    *) echo "bench: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=${QUICK:-0}
RUNS=${RUNS:-3}
SIZES=${SIZES:-10 100 1024}
HUGE_MB=${HUGE_MB:-1024}
HUGE_BODIES=${HUGE_BODIES:-300}
CAPTURES=${CAPTURES:-1000}
if [ "$QUICK" = 1 ]; then
    SIZES=10
    HUGE_MB=0
    WRITE_DOCS=0
fi
TMP_ROOT=${TMPDIR:-/tmp}
DATA=${BENCH_DATA:-$TMP_ROOT/tracedoc-bench}
SHARED=${SHARED:-$ROOT/../shared}

die() { echo "bench: $*" >&2; exit 2; }
is_count() { [[ $1 =~ ^[0-9]+$ ]]; }

is_count "$RUNS" && [ "$RUNS" -ge 1 ] || die "RUNS must be a whole number >= 1, not '$RUNS'"
for s in $SIZES; do
    is_count "$s" && [ "$s" -ge 1 ] || die "SIZES must be whole numbers of MiB >= 1, not '$s'"
done
[ -n "${SIZES// /}" ] || die "SIZES is empty"
is_count "$HUGE_MB" || die "HUGE_MB must be a whole number, not '$HUGE_MB'"
is_count "$HUGE_BODIES" && [ "$HUGE_BODIES" -ge 1 ] || die "HUGE_BODIES must be >= 1"
is_count "$CAPTURES" || die "CAPTURES must be a whole number, not '$CAPTURES'"

[ -x /usr/bin/time ] || die "needs /usr/bin/time (GNU time: apt-get install time)"
/usr/bin/time -f '%M' -o /dev/null true 2>/dev/null || die "/usr/bin/time is not GNU time (no -f)"
command -v python3 >/dev/null || die "needs python3"
command -v cargo >/dev/null || die "needs cargo"
[ -d "$SHARED" ] || die "no shared folder at $SHARED (set SHARED=...)"
SHARED=$(cd -- "$SHARED" && pwd)
NAIVE=$SHARED/bench/naive-requestshook-to-md.py
SYNTH=$SHARED/bench/synth-requestshook-log.py
[ -f "$NAIVE" ] || die "missing $NAIVE"
[ -f "$SYNTH" ] || die "missing $SYNTH"
SOURCES=("$SHARED"/captures/openstack/image/*/requestshook.log)
[ -f "${SOURCES[0]}" ] || die "no image captures under $SHARED/captures/openstack/image"

START=$SECONDS
say() { printf '[bench %3dm%02ds] %s\n' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60)) "$*" >&2; }

mkdir -p "$DATA"
WORK=$(mktemp -d "$TMP_ROOT/tracedoc-bench-run.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Disk: the missing logs plus, at the peak, a log's worth of input and
# about three of output (tracedoc's body.md + log.md, or cat's two copies).
need=0
max=0
for s in $SIZES $HUGE_MB; do
    [ "$s" -gt "$max" ] && max=$s
done
for s in $SIZES; do [ -s "$DATA/synth-${s}mb.log" ] || need=$((need + s)); done
if [ "$HUGE_MB" -gt 0 ] && [ ! -s "$DATA/huge-${HUGE_MB}mb-${HUGE_BODIES}.log" ]; then
    need=$((need + HUGE_MB))
fi
need=$((need + 3 * max + 100))
free_mb=$(df -Pm "$WORK" | awk 'NR == 2 {print $4}')
[ "$free_mb" -ge "$need" ] || die "needs about $need MB free in $TMP_ROOT, has $free_mb MB"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "settings: RUNS=$RUNS SIZES='$SIZES' HUGE_MB=$HUGE_MB HUGE_BODIES=$HUGE_BODIES CAPTURES=$CAPTURES; data in $DATA; load $LOAD_START"

say "building tracedoc (release)"
(cd "$ROOT" && cargo build --release --quiet --bin tracedoc)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case $TARGET_DIR in /*) ;; *) TARGET_DIR=$ROOT/$TARGET_DIR ;; esac
BIN=$TARGET_DIR/release/tracedoc
[ -x "$BIN" ] || die "no binary at $BIN after cargo build"

# ---- inputs -----------------------------------------------------------------

LOG_KINDS=() # synth or huge, for each of LOG_PATHS
LOG_PATHS=()
for s in $SIZES; do
    log=$DATA/synth-${s}mb.log
    if [ -s "$log" ]; then
        say "reusing $log"
    else
        say "making a ${s} MiB synthetic log: $log"
        python3 "$SYNTH" "$s" "$log.part" "${SOURCES[@]}"
        mv "$log.part" "$log"
    fi
    LOG_KINDS+=(synth)
    LOG_PATHS+=("$log")
done
if [ "$HUGE_MB" -gt 0 ]; then
    log=$DATA/huge-${HUGE_MB}mb-${HUGE_BODIES}.log
    if [ -s "$log" ]; then
        say "reusing $log"
    else
        say "making a ${HUGE_MB} MiB log of $HUGE_BODIES huge bodies: $log"
        python3 "$ROOT/scripts/synth-huge-bodies.py" "$HUGE_MB" "$log" "$HUGE_BODIES"
    fi
    LOG_KINDS+=(huge)
    LOG_PATHS+=("$log")
fi
CAPS=
if [ "$CAPTURES" -gt 0 ]; then
    CAPS=$DATA/captures-$CAPTURES
    if [ -d "$CAPS" ]; then
        say "reusing $CAPS"
    else
        say "laying out $CAPTURES captures: $CAPS"
        python3 "$ROOT/scripts/synth-captures.py" "$CAPTURES" "$CAPS" "$ROOT/samples" "$SHARED/captures" >/dev/null
    fi
fi

# ---- measuring --------------------------------------------------------------

RESULTS=$WORK/results.tsv
printf 'kind\tlog\tbytes\tround\tprogram\twall\tcpu\trss_kb\tout_bytes\tnote\n' >"$RESULTS"

# measure STDOUT CMD...: runs CMD under /usr/bin/time with its stdout in
# STDOUT; sets WALL (seconds), CPU (user+sys seconds) and RSS (KiB).
measure() {
    local out=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    if ! /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" >"$out" 2>"$WORK/stderr"; then
        echo "bench: failed: $*" >&2
        cat "$WORK/stderr" "$WORK/time" >&2
        exit 1
    fi
    t1=$EPOCHREALTIME
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    read -r CPU RSS < <(tail -n1 "$WORK/time" | awk '{ printf "%.2f %d\n", $1 + $2, $3 }')
}

size_of() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

run_one() { # kind log bytes round program
    local kind=$1 log=$2 bytes=$3 round=$4 prog=$5 out
    case $prog in
    tracedoc)
        rm -rf "$WORK/td"
        measure /dev/null "$BIN" render "$log" -o "$WORK/td" --force --quiet
        out=$(size_of "$WORK/td")
        rm -rf "$WORK/td"
        ;;
    naive)
        rm -rf "$WORK/naive" && mkdir "$WORK/naive"
        measure "$WORK/naive/naive.md" python3 "$NAIVE" "$log"
        out=$(size_of "$WORK/naive")
        rm -rf "$WORK/naive"
        ;;
    cat2)
        rm -rf "$WORK/cat" && mkdir "$WORK/cat"
        measure /dev/null bash -c 'cat "$1" > "$2/a"; cat "$1" > "$2/b"' cat2 "$log" "$WORK/cat"
        out=$(size_of "$WORK/cat")
        rm -rf "$WORK/cat"
        ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$kind" "$(basename "$log")" "$bytes" \
        "$round" "$prog" "$WALL" "$CPU" "$RSS" "$out" >>"$RESULTS"
    say "  round $round: $prog $(printf '%.3f' "$WALL") s wall, $CPU s CPU, $((RSS / 1024)) MiB"
}

PROGRAMS=(tracedoc naive cat2)
for i in "${!LOG_PATHS[@]}"; do
    kind=${LOG_KINDS[$i]}
    log=${LOG_PATHS[$i]}
    bytes=$(stat -c %s "$log")
    say "$(basename "$log") ($((bytes / 1000000)) MB): warming the page cache"
    cat "$log" >/dev/null
    for round in $(seq "$RUNS"); do
        for k in 0 1 2; do
            run_one "$kind" "$log" "$bytes" "$round" "${PROGRAMS[$(((round - 1 + k) % 3))]}"
        done
    done
done

if [ -n "$CAPS" ]; then
    caps_bytes=$(size_of "$CAPS")
    say "build of $CAPTURES captures: warming the page cache and one untimed build"
    find "$CAPS" -type f -exec cat {} + >/dev/null
    measure /dev/null "$BIN" build "$CAPS" -o "$WORK/site-warm" --quiet
    # Every round builds into a folder of its own, and the folders are
    # removed only at the end: ext4 makes creating files slow for a while
    # after thousands were deleted (it avoids reusing their inodes), which
    # would charge one round's clean-up to the next round's build.
    for round in $(seq "$RUNS"); do
        site=$WORK/site-$round
        measure /dev/null "$BIN" build "$CAPS" -o "$site" --quiet
        files=$(find "$site" -type f | wc -l)
        printf 'build\t%s\t%s\t%s\tcold\t%s\t%s\t%s\t%s\t%s files\n' "$(basename "$CAPS")" \
            "$caps_bytes" "$round" "$WALL" "$CPU" "$RSS" "$(size_of "$site")" "$files" >>"$RESULTS"
        say "  round $round: cold build $(printf '%.3f' "$WALL") s wall, $CPU s CPU, $files files"
        touch "$WORK/mark"
        sleep 0.05 # past the file system's clock tick, so any write is newer
        measure /dev/null "$BIN" build "$CAPS" -o "$site" --quiet
        find "$site" \( -newer "$WORK/mark" -o -cnewer "$WORK/mark" \) -print >"$WORK/touched"
        touched=$(wc -l <"$WORK/touched")
        printf 'build\t%s\t%s\t%s\tnoop\t%s\t%s\t%s\t0\t%s touched\n' "$(basename "$CAPS")" \
            "$caps_bytes" "$round" "$WALL" "$CPU" "$RSS" "$touched" >>"$RESULTS"
        say "  round $round: no-op build $(printf '%.3f' "$WALL") s wall, $CPU s CPU, $touched paths written"
        if [ "$touched" -gt 0 ] && [ "$round" = 1 ]; then
            say "  written by the no-op build (first 5): $(head -n5 "$WORK/touched" | sed "s|$site/||" | tr '\n' ' ')"
        fi
    done
    rm -rf "$WORK"/site-*
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$RESULTS" "$DATA/last-results.tsv"

# ---- report -----------------------------------------------------------------

cmd="RUNS=$RUNS SIZES='$SIZES' HUGE_MB=$HUGE_MB HUGE_BODIES=$HUGE_BODIES CAPTURES=$CAPTURES scripts/bench.sh"
[ ${#ARGS[@]} -eq 0 ] || cmd+=" ${ARGS[*]}"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src templates Cargo.toml Cargo.lock 2>/dev/null || COMMIT+="+changes"
export BENCH_CMD=$cmd BENCH_COMMIT=$COMMIT BENCH_LOAD_START=$LOAD_START BENCH_LOAD_END=$LOAD_END
export BENCH_RUNS=$RUNS BENCH_CAPTURES=$CAPTURES BENCH_HUGE_BODIES=$HUGE_BODIES
export BENCH_MACHINE="$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(uname -sr)"
export BENCH_TOOLS="$(rustc --version 2>/dev/null || echo rustc unknown); $(python3 --version 2>&1)"

python3 - "$RESULTS" "$WORK/block.md" "$WORK/verdict" <<'PY'
import csv, os, statistics, sys
from datetime import datetime, timezone

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
env = os.environ
med = statistics.median
fails = []

def mb(b):
    b = int(b)
    return f"{b / 1e9:.2f} GB" if b >= 1e9 else f"{b / 1e6:.0f} MB"

def secs(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"

def mib(kb):
    return f"{kb / 1024:.0f} MiB"

def verdict(ok):
    if not ok:
        fails.append(1)
    return "**PASS**" if ok else "**FAIL**"

logs = []  # (kind, name, bytes) in run order
for r in rows:
    key = (r["kind"], r["log"], int(r["bytes"]))
    if r["kind"] != "build" and key not in logs:
        logs.append(key)

def runs(name, prog):
    return [r for r in rows if r["log"] == name and r["program"] == prog]

def stat(name, prog):
    rs = runs(name, prog)
    return {
        "wall": med(float(r["wall"]) for r in rs),
        "cpu": med(float(r["cpu"]) for r in rs),
        "rss": max(int(r["rss_kb"]) for r in rs),
        "out": med(float(r["out_bytes"]) for r in rs),
        "rounds": {r["round"]: float(r["wall"]) for r in rs},
    }

def paired(a, b):
    """Median over rounds of a's wall / b's wall."""
    return med(a["rounds"][k] / b["rounds"][k] for k in a["rounds"] if k in b["rounds"])

out = []
names = {"tracedoc": "`tracedoc render`", "naive": "naive converter", "cat2": "`cat` twice"}
stats = {}
if logs:
    out += ["| log | program | wall | CPU (user+sys) | throughput | peak RSS | written |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for kind, name, size in logs:
        label = mb(size) + (f", {env['BENCH_HUGE_BODIES']} huge bodies" if kind == "huge" else "")
        for prog in ("tracedoc", "naive", "cat2"):
            s = stat(name, prog)
            stats[(name, prog)] = s
            out.append(f"| {label} | {names[prog]} | {secs(s['wall'])} | {secs(s['cpu'])} | "
                       f"{size / 1e6 / s['wall']:.0f} MB/s | {mib(s['rss'])} | {mb(s['out'])} |")
            label = ""
    out += ["", "| log | tracedoc ÷ naive throughput | same, by CPU time | tracedoc ÷ `cat` twice time | tracedoc peak RSS |",
            "|---|---:|---:|---:|---:|"]
    for kind, name, size in logs:
        t, n, c = (stats[(name, p)] for p in ("tracedoc", "naive", "cat2"))
        label = mb(size) + (" (huge bodies)" if kind == "huge" else "")
        out.append(f"| {label} | {paired(n, t):.2f}× | {n['cpu'] / t['cpu']:.2f}× | "
                   f"{paired(t, c):.2f}× | {mib(t['rss'])} |")

targets = []
synth = [l for l in logs if l[0] == "synth"]
if synth:
    kind, name, size = max(synth, key=lambda l: l[2])
    t, n, c = (stats[(name, p)] for p in ("tracedoc", "naive", "cat2"))
    note = "" if size >= 1e9 else f" (measured on {mb(size)}: indicative only, the target is for 1 GB)"
    r1, r2, m = paired(n, t), paired(t, c), t["rss"] / 1024
    targets += [
        f"- 1 GB render at ≥ 6× the naive converter's throughput: {r1:.2f}× {verdict(r1 >= 6)}{note}",
        f"- 1 GB render within 2.5× of `cat` writing it twice: {r2:.2f}× {verdict(r2 <= 2.5)}{note}",
        f"- 1 GB render peak RSS ≤ 256 MiB: {m:.0f} MiB {verdict(m <= 256)}{note}",
    ]
huge = [l for l in logs if l[0] == "huge"]
if huge:
    kind, name, size = huge[0]
    m = stats[(name, "tracedoc")]["rss"] / 1024
    note = "" if size >= 1e9 else f" (measured on {mb(size)})"
    targets.append(f"- huge-bodies log peak RSS ≤ 64 MiB: {m:.0f} MiB {verdict(m <= 64)}{note}")

build = [r for r in rows if r["kind"] == "build"]
if build:
    count = env["BENCH_CAPTURES"]
    cold = [r for r in build if r["program"] == "cold"]
    noop = [r for r in build if r["program"] == "noop"]
    touched = max(int(r["note"].split()[0]) for r in noop)
    files = cold[0]["note"].split()[0]
    cw, nw = med(float(r["wall"]) for r in cold), med(float(r["wall"]) for r in noop)
    out += ["", f"`tracedoc build` of {count} small captures ({mb(cold[0]['bytes'])} of logs, "
            f"{files} files written):", "",
            "| build | wall | CPU (user+sys) | peak RSS | paths written |",
            "|---|---:|---:|---:|---:|"]
    for label, rs in (("cold (empty output folder)", cold), ("no-op (nothing changed)", noop)):
        w = med(float(r["wall"]) for r in rs)
        cpu = med(float(r["cpu"]) for r in rs)
        rss = max(int(r["rss_kb"]) for r in rs)
        written = files if rs is cold else str(touched)
        out.append(f"| {label} | {secs(w)} | {secs(cpu)} | {mib(rss)} | {written} |")
    targets += [
        f"- `build` of {count} captures cold in < 1.5 s: {secs(cw)} {verdict(cw < 1.5)}",
        f"- no-op rebuild in < 100 ms: {secs(nw)} {verdict(nw < 0.1)}",
        f"- no-op rebuild writes no file: {touched} paths newer than before it "
        f"{verdict(touched == 0)}",
    ]

if len(synth) > 1:
    synth.sort(key=lambda l: l[2])
    base = synth[0]
    b_t, b_n = stats[(base[1], "tracedoc")], stats[(base[1], "naive")]
    out += ["", "How time and memory grow with the input (medians):", "",
            "| input | × input | tracedoc wall | × wall | tracedoc peak RSS | naive wall | × wall | naive peak RSS |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for kind, name, size in synth:
        t, n = stats[(name, "tracedoc")], stats[(name, "naive")]
        out.append(f"| {mb(size)} | {size / base[2]:.0f}× | {secs(t['wall'])} | "
                   f"{t['wall'] / b_t['wall']:.0f}× | {mib(t['rss'])} | {secs(n['wall'])} | "
                   f"{n['wall'] / b_n['wall']:.0f}× | {mib(n['rss'])} |")

if targets:
    out += ["", "Targets (issue 8):", ""] + targets

date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
out += ["",
        f"- command: `{env['BENCH_CMD']}`",
        f"- {env['BENCH_RUNS']} rounds; each round runs the programs of a log in a rotating order. "
        "Wall: median of the rounds; ratios: median of the per-round ratios; peak RSS: the largest "
        "of the rounds, `/usr/bin/time` `%M` (mapped file pages count).",
        f"- load average (1, 5, 15 min): {env['BENCH_LOAD_START']} at the start, "
        f"{env['BENCH_LOAD_END']} at the end (the machine is shared: compare ratios and CPU time)",
        f"- machine: {env['BENCH_MACHINE']}; {env['BENCH_TOOLS']}",
        f"- tracedoc commit: {env['BENCH_COMMIT']}, {date}"]
block = "\n".join(["<!-- BENCH:START (written by scripts/bench.sh; do not edit by hand) -->"] + out
                  + ["<!-- BENCH:END -->"])
open(sys.argv[2], "w").write(block + "\n")
open(sys.argv[3], "w").write("fail\n" if fails else "pass\n")
PY

echo
cat "$WORK/block.md"
echo
if [ "$WRITE_DOCS" = 1 ]; then
    python3 - "$ROOT/docs/performance.md" "$WORK/block.md" <<'PY'
import re, sys
path, block = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path, encoding="utf-8").read()
new, n = re.subn(r"<!-- BENCH:START.*?<!-- BENCH:END -->", lambda _: block, text, flags=re.S)
if n != 1:
    sys.exit(f"{path}: no BENCH:START/BENCH:END markers")
open(path, "w", encoding="utf-8").write(new)
PY
    say "docs/performance.md updated; raw rounds in $DATA/last-results.tsv"
else
    say "docs/performance.md left as it is; raw rounds in $DATA/last-results.tsv"
fi
if [ "$CHECK" = 1 ] && [ "$(cat "$WORK/verdict")" = fail ]; then
    exit 1
fi
