#!/usr/bin/env bash
# Compare MiniNetFgsm (C#) throughput with the PyTorch peer (bench/peers/pytorch_reference.py).
#
# Usage: bench/compare.sh [--model lenet|mnist-cnn|all] [--threads N] [--batch N] [--images N]
#                         [--csharp-csv FILE] [--pytorch-csv FILE]
#   --images       passed to both sides only when given (otherwise each side uses its own default)
#   --csharp-csv   use a saved C# bench output instead of running `dotnet run ... bench`
#   --pytorch-csv  use a saved PyTorch peer output instead of running the peer
# Environment: PYTHON (default /usr/bin/python3 if present, else python3), DOTNET (default dotnet),
#   SETTLE (seconds to wait between building and measuring, default 15: on the development machine the first
#   run right after a build measured 10-30% slow).
#
# Prints both CSVs, then a table: ratio = mininet images/s / pytorch images/s per model and phase
# (> 1 means MiniNetFgsm is faster). If PyTorch is not installed the PyTorch side is skipped with a
# message and the script exits 0.
set -u -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL=all THREADS=2 BATCH=64 IMAGES="" CS_CSV="" PT_CSV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --csharp-csv) CS_CSV="$2"; shift 2 ;;
    --pytorch-csv) PT_CSV="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$MODEL" in lenet|mnist-cnn|all) ;; *) echo "compare.sh: --model must be lenet, mnist-cnn or all" >&2; exit 2 ;; esac

if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
DOTNET="${DOTNET:-dotnet}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

ARGS=(--model "$MODEL" --threads "$THREADS" --batch "$BATCH")
[ -n "$IMAGES" ] && ARGS+=(--images "$IMAGES")

# Keep only the CSV header and data rows (drops build output, logs, CRs, blank lines).
filter_csv() { tr -d '\r' | sed -n -E '/^[[:space:]]*(model,|lenet,|mnist-cnn,)/{s/^[[:space:]]+//;s/[[:space:]]+$//;p}'; }

# ---- C# side --------------------------------------------------------------------------------
CS_STATUS=0
if [ -n "$CS_CSV" ]; then
  filter_csv < "$CS_CSV" > "$TMP/cs.csv"
else
  echo "== MiniNetFgsm: $DOTNET build -c Release src/MiniNetFgsm.Cli, then (after ${SETTLE:-15} s) run --no-build -- bench ${ARGS[*]}" >&2
  (cd "$ROOT" && "$DOTNET" build -c Release src/MiniNetFgsm.Cli > "$TMP/build.log" 2>&1 && sleep "${SETTLE:-15}" \
    && "$DOTNET" run -c Release --no-build --project src/MiniNetFgsm.Cli -- bench "${ARGS[@]}") > "$TMP/cs.raw" 2> "$TMP/cs.err"
  CS_STATUS=$?
  filter_csv < "$TMP/cs.raw" > "$TMP/cs.csv"
  if [ $CS_STATUS -ne 0 ]; then
    echo "compare.sh: the C# bench failed (exit $CS_STATUS); last output:" >&2
    tail -n 20 "$TMP/build.log" "$TMP/cs.raw" "$TMP/cs.err" >&2 2>/dev/null
  fi
fi

# ---- PyTorch side ---------------------------------------------------------------------------
# The C# run leaves the 1-minute load average high, and torch's OpenMP threads slow down on a loaded machine: wait
# (up to 60 s) until it falls below half a core before starting the peer.
settle() {
  for _ in $(seq 1 30); do
    awk '{ exit !($1 < 0.5) }' /proc/loadavg 2>/dev/null && return
    sleep 2
  done
}
PT_OK=1
if [ -n "$PT_CSV" ]; then
  filter_csv < "$PT_CSV" > "$TMP/pt.csv"
elif ! "$PYTHON" -c 'import torch' > /dev/null 2>&1; then
  echo "compare.sh: PyTorch is not importable with $PYTHON; skipping the PyTorch side." >&2
  echo "compare.sh: (install it with: apt-get install -y python3-torch libopenblas0-pthread)" >&2
  PT_OK=0
else
  [ -z "$CS_CSV" ] && settle
  echo "== PyTorch: $PYTHON bench/peers/pytorch_reference.py ${ARGS[*]}" >&2
  "$PYTHON" "$ROOT/bench/peers/pytorch_reference.py" "${ARGS[@]}" > "$TMP/pt.raw"
  st=$?
  filter_csv < "$TMP/pt.raw" > "$TMP/pt.csv"
  if [ $st -ne 0 ]; then echo "compare.sh: the PyTorch peer failed (exit $st)" >&2; PT_OK=0; fi
fi

echo "# MiniNetFgsm"
cat "$TMP/cs.csv"
if [ $PT_OK -eq 1 ]; then echo "# PyTorch"; cat "$TMP/pt.csv"; fi

if [ $PT_OK -eq 0 ]; then
  echo "compare.sh: no PyTorch numbers, no ratio table." >&2
  [ $CS_STATUS -eq 0 ] && exit 0 || exit 1
fi

# ---- ratio table (columns located by header name, so column order does not matter) -----------
echo
awk -F, '
  function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
  { side = (FILENAME == ARGV[1]) ? 1 : 2 }
  trim($1) == "model" {
    delete col
    for (i = 1; i <= NF; i++) col[trim($i)] = i
    next
  }
  {
    if (!("model" in col) || !("phase" in col) || !("images_per_second" in col)) next
    m = trim($col["model"]); p = trim($col["phase"]); v = trim($col["images_per_second"])
    if (v !~ /^[0-9.eE+-]+$/) next
    key = m SUBSEP p
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if (side == 1) cs[key] = v; else pt[key] = v
  }
  END {
    printf "%-10s %-6s %14s %14s %10s\n", "model", "phase", "mininet_ips", "pytorch_ips", "ratio"
    for (i = 1; i <= n; i++) {
      split(order[i], kp, SUBSEP)
      c = (order[i] in cs) ? sprintf("%.1f", cs[order[i]]) : "-"
      q = (order[i] in pt) ? sprintf("%.1f", pt[order[i]]) : "-"
      r = ((order[i] in cs) && (order[i] in pt) && pt[order[i]] + 0 > 0) ? sprintf("%.3f", cs[order[i]] / pt[order[i]]) : "-"
      printf "%-10s %-6s %14s %14s %10s\n", kp[1], kp[2], c, q, r
    }
  }' "$TMP/cs.csv" "$TMP/pt.csv"

[ $CS_STATUS -eq 0 ] && exit 0 || exit 1
