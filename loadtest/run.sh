#!/usr/bin/env bash
# Month-end load test, headless and on loopback: 2 API processes (rota serve --workers 2) on PostgreSQL,
# Redis as the broker, 1 then 2 `rota worker` processes; locust drives leads generating, feeds polled
# and HR downloading coverage for DURATION seconds per configuration, then a table of the figures.
#
#   loadtest/run.sh                       # 60 s per configuration, 50 leads, 2,000 feeds
#   DURATION=30 FEED_USERS=20 loadtest/run.sh
#
# Settings (environment): DURATION (s, 60), LEADS (50), FEEDS (2000 feed URLs), FEED_USERS (locust users
# polling them, each about 1 request/s: 40), HR (5), TIME_LIMIT (s per solve, 1), WORKERS ("1 2"),
# LOADTEST_DATABASE_URL (a PostgreSQL; a schema of its own is made and dropped),
# LOADTEST_BROKER_URL (redis://127.0.0.1:6379/14, emptied), PORT (8800), OUT (a folder for the results).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DURATION=${DURATION:-60}; LEADS=${LEADS:-50}; FEEDS=${FEEDS:-2000}; FEED_USERS=${FEED_USERS:-40}
HR=${HR:-5}; TIME_LIMIT=${TIME_LIMIT:-1}; WORKERS=${WORKERS:-"1 2"}; PORT=${PORT:-8800}
BASE=${LOADTEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
BROKER=${LOADTEST_BROKER_URL:-redis://127.0.0.1:6379/14}
OUT=${OUT:-$(mktemp -d /tmp/rota-loadtest.XXXXXX)}
mkdir -p "$OUT"
SCHEMA="rota_load_$$"
PIDS=()

stop_all() {  # only the processes this script started, each by its id (and its process group)
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_all
  $BIN/python - "$BASE" "$SCHEMA" <<'PY' || true
import sys
from sqlalchemy import text
from rota.api.db import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text(f'DROP SCHEMA IF EXISTS "{sys.argv[2]}" CASCADE'))
PY
}
trap cleanup EXIT

$BIN/python - "$BASE" "$SCHEMA" <<'PY'
import sys
from sqlalchemy import text
from rota.api.db import make_engine
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    conn.execute(text(f'CREATE SCHEMA "{sys.argv[2]}"'))
PY
export ROTA_DATABASE_URL="${BASE}?options=-csearch_path%3D${SCHEMA}"
export ROTA_BROKER_URL="$BROKER" ROTA_JOB_BACKEND=celery ROTA_SOLVER_WORKERS=1
export ROTA_PUBLIC_URL="http://127.0.0.1:$PORT" ROTA_MAX_ACTIVE_JOBS_PER_TEAM=2
export ROTA_AUTH_FAILURE_LIMIT=100000  # every locust user comes from 127.0.0.1
$BIN/rota db upgrade
$BIN/python loadtest/seed.py "$OUT/seed.json" --teams "$LEADS" --feeds "$FEEDS"
export LOADTEST_SEED="$OUT/seed.json" LOADTEST_LEADS="$LEADS" LOADTEST_HR="$HR" LOADTEST_TIME_LIMIT="$TIME_LIMIT"
RESULTS="$OUT/results.json"
rm -f "$RESULTS"

for n in $WORKERS; do
  $BIN/python -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$BROKER"
  setsid $BIN/rota serve --workers 2 --port "$PORT" --no-upgrade >"$OUT/api-$n.log" 2>&1 &
  PIDS+=($!)
  for i in $(seq "$n"); do
    setsid $BIN/rota worker --concurrency 1 --solver-threads 1 --loglevel warning >"$OUT/worker-$n-$i.log" 2>&1 &
    PIDS+=($!)
  done
  for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.5
  done
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null
  sleep 3  # the workers connect
  label="2 API + $n worker$([ "$n" = 1 ] || echo s)"
  since=$($BIN/python -c "from rota.api.db import utcnow; print(utcnow().isoformat())")
  echo "== $label: $((LEADS + FEED_USERS + HR)) users for ${DURATION}s" >&2
  $BIN/locust -f loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    -u $((LEADS + FEED_USERS + HR)) -r 25 -t "${DURATION}s" --stop-timeout 5 \
    --csv "$OUT/locust-$n" --only-summary --loglevel WARNING >"$OUT/locust-$n.log" 2>&1 || true
  $BIN/python loadtest/report.py collect "$RESULTS" "$label" "$OUT/locust-$n" "$since"
  stop_all
  # jobs the run left queued or running end here, so the next configuration starts from an empty queue
  $BIN/python - <<'PY'
from sqlalchemy import update
from rota.api.db import Database, utcnow
from rota.api.models import Job
from rota.api.settings import get_settings
db = Database.connect(get_settings().database_url)
with db.write() as session:
    session.execute(update(Job).where(Job.state.in_(("queued", "running"))).values(
        state="cancelled", finished_at=utcnow(), reason="load test configuration ended"))
    session.commit()
db.dispose()
PY
done

echo
echo "Month-end load, ${DURATION} s per configuration: $LEADS leads (time limit ${TIME_LIMIT} s), $FEEDS feeds" \
     "polled by $FEED_USERS users (~1 request/s each), $HR HR users; results in $OUT"
echo
$BIN/python loadtest/report.py table "$RESULTS"
