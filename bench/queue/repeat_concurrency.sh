#!/usr/bin/env bash
# Run the queue's concurrency tests N times in a row (default 20) and count the failing runs.
# With --load, the whole test suite runs over and over beside them, so they run on a busy machine
# (the condition under which CI once failed). Needs ONEWINDOW_TEST_PG_URL for the PostgreSQL half.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=20 load=0
for arg in "$@"; do
  case "$arg" in
    --load) load=1 ;;
    [0-9]*) runs=$arg ;;
    *) echo "usage: $0 [RUNS] [--load]" >&2; exit 2 ;;
  esac
done
loader=""
if [ "$load" = 1 ]; then
  setsid bash -c 'while true; do uv run pytest -q --deselect tests/queue/test_concurrency.py >/dev/null 2>&1; done' &
  loader=$!
  trap 'kill -- -$loader 2>/dev/null' EXIT
  sleep 20
fi
failed=0
for i in $(seq 1 "$runs"); do
  if uv run pytest -q -p no:cacheprovider tests/queue/test_concurrency.py tests/queue/test_window_guard.py \
      -k "not stress" >"/tmp/onewindow-concurrency-$i.log" 2>&1; then
    echo "run $i: passed ($(uptime | sed 's/.*load average: //'))"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED, see /tmp/onewindow-concurrency-$i.log"
  fi
done
echo "concurrency runs: $runs, failed: $failed"
[ "$failed" = 0 ]
