# Helpers shared by .ci/run, .ci/isa-matrix.sh and .ci/arm64.sh (sourced, not run).
#
# CI_COUNTS names a file that collects one line per leg: "NAME PASSED FAILED SKIPPED"; .ci/run adds them up into its
# closing "tests: ..." line.

# xunit_leg NAME COMMAND...: runs an xunit v3 test program (or the same under qemu), prints its failures and one line
# "NAME: N passed, N failed, N skipped (widest SIMD: W, T s)", and appends the counts to $CI_COUNTS. A run that exits
# non-zero or prints no summary counts as (at least) one failure. Returns non-zero on any failure.
xunit_leg() {
  local name=$1; shift
  local log start status total errors failed skipped notrun passed widest
  log=$(mktemp)
  start=$SECONDS
  "$@" -noColor >"$log" 2>&1
  status=$?
  # Failures with their messages and stack traces (xunit prints "[FAIL]" and indents the details under it).
  awk '/\[FAIL\]/ { show = 1; print; next } /^ {4}[^ ]/ && !/^ {6}/ { show = 0 } show' "$log" | head -n 200
  read -r total errors failed skipped notrun < <(sed -nE 's/.*Total: ([0-9]+), Errors: ([0-9]+), Failed: ([0-9]+), Skipped: ([0-9]+), Not Run: ([0-9]+).*/\1 \2 \3 \4 \5/p' "$log" | tail -n 1)
  if [ -z "${total:-}" ]; then
    tail -n 40 "$log"
    total=0 errors=0 failed=0 skipped=0 notrun=0
  fi
  passed=$((total - failed - skipped - notrun))
  failed=$((failed + errors))
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash (e.g. a failed Debug.Assert) or a runner error
  # The widest width the run accelerated, from the reason of a skipped width (tests/MiniNetFgsm.Tests/SimdWidths.cs);
  # none skipped means every width ran, up to 512 bits.
  widest=$(grep -o -m 1 'widest: [A-Za-z0-9]*' "$log" | cut -d' ' -f2)
  LEG_WIDEST=${widest:-V512}
  echo "$name: $passed passed, $failed failed, $skipped skipped (widest SIMD: $LEG_WIDEST, $((SECONDS - start)) s)"
  echo "$name $passed $failed $skipped" >>"$CI_COUNTS"
  rm -f "$log"
  [ "$failed" -eq 0 ]
}

# check NAME CONDITION-MESSAGE OK: records one pass (OK = 0) or failure of a non-xunit check in $CI_COUNTS.
check() {
  local name=$1 message=$2 ok=$3
  if [ "$ok" -eq 0 ]; then
    echo "  ok   $name: $message"
    echo "$name 1 0 0" >>"$CI_COUNTS"
  else
    echo "  FAIL $name: $message"
    echo "$name 0 1 0" >>"$CI_COUNTS"
  fi
  return "$ok"
}

# timed LABEL COMMAND...: runs the command and prints how long it took.
timed() {
  local label=$1; shift
  local start=$SECONDS status
  "$@"
  status=$?
  echo "[time] $label: $((SECONDS - start)) s"
  return "$status"
}
