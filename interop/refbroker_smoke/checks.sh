# checks.sh: sourced by the refbroker's shell tests. A work directory ($WORK) removed on
# exit with any broker still running (pids in BROKER_PIDS), PASS/FAIL lines with a
# failure count, wait_for, and finish_checks for the exit status.
WORK=$(mktemp -d -t refbroker_test.XXXXXX)
BROKER_PIDS=()
cleanup() {
  local p
  for p in "${BROKER_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

failures=0
pass() { echo "PASS $*"; }
# fail NAME EXPECTED OBSERVED
fail() {
  echo "FAIL $1"
  echo "  expected $2"
  echo "  observed $3"
  failures=$((failures + 1))
}

# wait_for CMD... polls CMD every 0.1 s for up to 10 s.
wait_for() {
  local i
  for ((i = 0; i < 100; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# finish_checks exits 1 when a check failed (after running `on_failure` if defined), 0
# otherwise.
finish_checks() {
  if ((failures > 0)); then
    declare -F on_failure >/dev/null && on_failure
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
