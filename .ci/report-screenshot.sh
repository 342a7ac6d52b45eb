#!/usr/bin/env bash
# Renders report.html in a real browser (headless Chromium) and fails if the page is blank or Chromium fails.
#
#   bash .ci/report-screenshot.sh            # report for the PyTorch-trained LeNet fixture, first 1000 test images
#   WEIGHTS=out/lenet.safetensors IMAGES=10000 OUT=out/report-ci bash .ci/report-screenshot.sh
#
# Writes $OUT/report.html, the SVG figures and the screenshot $OUT/report.png (default OUT: out/report-ci) and prints
# the screenshot's path. Installs Debian's chromium when it is missing. Takes about 10-20 s after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

WEIGHTS=${WEIGHTS:-tests/MiniNetFgsm.Tests/Fixtures/pytorch/lenet_pytorch.safetensors}
IMAGES=${IMAGES:-1000}
OUT=${OUT:-out/report-ci}
# A blank 1400x4000 page is a few KB of PNG; the report's figures and digit tiles make hundreds of KB.
MIN_PNG_BYTES=${MIN_PNG_BYTES:-100000}

if ! command -v chromium >/dev/null 2>&1; then
  echo "report-screenshot: installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

MININET=src/MiniNetFgsm.Cli/bin/Release/net10.0/mininet
if [ ! -x "$MININET" ]; then
  dotnet build src/MiniNetFgsm.Cli/MiniNetFgsm.Cli.csproj -c Release -nologo -v q
fi

rm -f "$OUT/report.png"       # a screenshot left from an earlier run must not pass for this one
"$MININET" report --weights "$WEIGHTS" --images "$IMAGES" --out "$OUT"

html="$(cd "$OUT" && pwd)/report.html"
png="$(cd "$OUT" && pwd)/report.png"
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT

status=0
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$png" --window-size=1400,4000 "file://$html" >"$log" 2>&1 || status=$?

# Chromium always complains about D-Bus in a container; page errors are what count.
if [ "$status" -ne 0 ] || grep -Eiq 'net::ERR_|Failed to load|Uncaught|ERR_FILE_NOT_FOUND' "$log"; then
  echo "report-screenshot: chromium failed (exit $status):"
  grep -v -i 'dbus' "$log" || true
  exit 1
fi

if [ ! -s "$png" ]; then
  echo "report-screenshot: chromium wrote no screenshot"
  exit 1
fi

size=$(stat -c %s "$png")
if [ "$size" -lt "$MIN_PNG_BYTES" ]; then
  echo "report-screenshot: $png is $size bytes, below $MIN_PNG_BYTES: the page looks blank"
  exit 1
fi

echo "report-screenshot: $png ($size bytes)"
