#!/usr/bin/env bash
# Benchmark `tracedoc render` (release build) against the naive Python
# converter in ../shared/bench, on a synthetic requestshook.log of SIZE MB
# made from the real image captures, and write the numbers into
# docs/performance.md (between the BENCH markers). Numbers live in docs,
# never in tests.
#
#   scripts/bench.sh [SIZE_MB] [RUNS]     defaults: 200 MB, 5 runs
#
# Wall time: hyperfine when installed (apt-get install hyperfine), else the
# median of RUNS runs of /usr/bin/time (or force that with BENCH_TOOL=time).
# Max RSS and CPU time: /usr/bin/time, one run each.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZE=${1:-200}
RUNS=${2:-5}
SHARED=${SHARED:-../shared}
LOG=${BENCH_LOG:-/tmp/tracedoc-bench-${SIZE}mb.log}
OUT=$(mktemp -d /tmp/tracedoc-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet
BIN=target/release/tracedoc

if [ ! -s "$LOG" ]; then
    echo "bench: making a ${SIZE} MB log at $LOG"
    python3 "$SHARED/bench/synth-requestshook-log.py" "$SIZE" "$LOG" "$SHARED"/captures/openstack/image/*/requestshook.log
fi
BYTES=$(stat -c %s "$LOG")
MB=$(python3 -c "print(f'{$BYTES/1e6:.1f}')")

TRACEDOC_CMD="$BIN render $LOG -o $OUT/tracedoc --force --quiet"
NAIVE_CMD="python3 $SHARED/bench/naive-requestshook-to-md.py $LOG > $OUT/naive-body.md"

# wall SECONDS, max RSS KB and CPU (user+system) SECONDS of one run
measure() {
    /usr/bin/time -f '%e %M %U %S' -o "$OUT/time" bash -c "$1" >/dev/null 2>"$OUT/stderr" || {
        cat "$OUT/stderr" >&2
        return 1
    }
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$OUT/time"
}

# median wall and median CPU seconds over RUNS runs
median_wall() {
    local cmd=$1 runs=()
    for _ in $(seq "$RUNS"); do
        runs+=("$(measure "$cmd")")
    done
    local mid=$(((RUNS + 1) / 2))
    echo "$(printf '%s\n' "${runs[@]}" | cut -d' ' -f1 | sort -n | sed -n "${mid}p")" \
        "$(printf '%s\n' "${runs[@]}" | cut -d' ' -f3 | sort -n | sed -n "${mid}p")"
}

rm -rf "$OUT/tracedoc"
measure "$TRACEDOC_CMD" >/dev/null # warm-up, and creates the output folder

if [ "${BENCH_TOOL:-}" != time ] && command -v hyperfine >/dev/null; then
    TOOL="hyperfine --warmup 1 --runs $RUNS (mean of $RUNS runs)"
    hyperfine --warmup 1 --runs "$RUNS" --export-json "$OUT/h.json" \
        -n tracedoc "$TRACEDOC_CMD" -n naive "$NAIVE_CMD" >&2
    read -r T_WALL T_CPU N_WALL N_CPU < <(python3 -c "
import json; r = json.load(open('$OUT/h.json'))['results']
print(' '.join(f\"{x['mean']:.3f} {x['user'] + x['system']:.3f}\" for x in r))")
else
    TOOL="/usr/bin/time (median of $RUNS runs)"
    read -r T_WALL T_CPU < <(median_wall "$TRACEDOC_CMD")
    read -r N_WALL N_CPU < <(median_wall "$NAIVE_CMD")
fi
T_RSS=$(measure "$TRACEDOC_CMD" | cut -d' ' -f2)
N_RSS=$(measure "$NAIVE_CMD" | cut -d' ' -f2)

row() { # name wall cpu rss
    python3 -c "
mb, wall, cpu, rss = $MB, $2, $3, $4
print(f'| $1 | {wall:.2f} s | {cpu:.2f} s | {mb / wall:.1f} MB/s | {rss / 1024:.0f} MiB |')"
}
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src templates || echo "+changes")

RESULT=$(cat <<EOF
<!-- BENCH:START (written by scripts/bench.sh; do not edit by hand) -->
Input: a ${MB} MB requestshook.log made by
\`python3 ../shared/bench/synth-requestshook-log.py $SIZE $LOG ../shared/captures/openstack/image/*/requestshook.log\`.

| program | wall time | CPU (user+sys) | throughput (wall) | max RSS |
|---|---|---|---|---|
$(row "\`tracedoc render\` (release)" "$T_WALL" "$T_CPU" "$T_RSS")
$(row "naive-requestshook-to-md.py (body.md only)" "$N_WALL" "$N_CPU" "$N_RSS")

$(python3 -c "
r = $N_WALL / $T_WALL
word = f'{r:.1f}x as fast as' if r >= 1 else f'{1 / r:.1f}x slower than'
print(f'tracedoc is {word} the naive converter, while writing every output')
print('file (body.md, diagram.md, parts, log.md, tables) where the naive one writes body.md.')")

- commands: \`$TRACEDOC_CMD\` and \`$NAIVE_CMD\` (temp paths shortened)
- timing: $TOOL; max RSS from \`/usr/bin/time\`, one run each
- load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min load average at the end; on a busy machine wall time
  grows while CPU time stays roughly put, so compare CPU time across runs)
- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $CPU; $(uname -sr); $(rustc --version); $(python3 --version)
- tracedoc commit: $COMMIT, $(date -u +%Y-%m-%d)
<!-- BENCH:END -->
EOF
)
RESULT=${RESULT//$OUT/\$TMP}

python3 - docs/performance.md "$RESULT" <<'EOF'
import re, sys
path, block = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
new, n = re.subn(r"<!-- BENCH:START.*?<!-- BENCH:END -->", lambda _: block, text, flags=re.S)
if n != 1:
    sys.exit(f"{path}: no BENCH:START/BENCH:END markers")
open(path, "w", encoding="utf-8").write(new)
EOF
echo "$RESULT"
echo "bench: docs/performance.md updated"
