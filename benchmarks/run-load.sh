#!/usr/bin/env bash
# End-to-end load test: the original Node server (benchmarks/baseline) vs Qingliao, on loopback.
#
#   benchmarks/run-load.sh fanout|saturate|rooms|conns|all [--key=value ...]
#
# Builds what it needs (offline), then for each server in turn (Node first, then Qingliao; never
# both at once) starts it on 127.0.0.1, runs the same load generator scenario against it, and
# stops it. Prints both results and their ratio, writes the table into docs/benchmarks.md
# (between markers, so a rerun replaces it) and a chart into docs/img/load-SCENARIO.svg.
# Extra --key=value arguments go to the load generator (e.g. --duration=10 --io-threads=2).
# Environment: NODE_PORT (18000), QINGLIAO_PORT (18001), QINGLIAO_JAVA_OPTS (server JVM flags),
# QINGLIAO_STORE=sqlite|memory (sqlite: every message durable before its broadcast, the default;
# memory: to see what the durable store costs),
# LOAD_JAVA_OPTS (load generator JVM flags), SKIP_BUILD=1, NO_DOC=1 (print only),
# QUIET_LOAD=2.5 (before each server's run, wait up to QUIET_WAIT=600 s for the 1-minute load
# average to drop below that), LOAD_NICE=-10 (run both servers and the load generator at that nice level, so that other
# work on a shared machine starves neither server: single-threaded Node suffers most from that).
# Everything started here is stopped on exit; every phase of the run has a time bound.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
scenario=${1:-}
case "$scenario" in
  fanout|saturate|rooms|conns) scenarios=("$scenario") ;;
  all) scenarios=(fanout saturate rooms conns) ;;
  *) echo "usage: $0 fanout|saturate|rooms|conns|all [--key=value ...]" >&2; exit 2 ;;
esac
shift

NODE_PORT=${NODE_PORT:-18000}
QINGLIAO_PORT=${QINGLIAO_PORT:-18001}
# Qingliao's JVM: small thread stacks (Java-WebSocket has a few threads, not one per connection),
# the serial collector (no concurrent GC threads competing for 2 cores, lowest footprint), a
# small young generation (its pages are touched over and over: resident memory), a bounded
# heap; and glibc's malloc held to 2 arenas. See docs/benchmarks.md for how these were chosen.
QINGLIAO_JAVA_OPTS=${QINGLIAO_JAVA_OPTS:--Xss256k -XX:+UseSerialGC -Xms32m -Xmn8m -Xmx1g}
QINGLIAO_MALLOC_ARENA_MAX=${QINGLIAO_MALLOC_ARENA_MAX:-2}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:--Xss256k -XX:+UseSerialGC -Xms1g -Xmx1g -Xmn512m}
LOAD_NICE=${LOAD_NICE:-0}
NICE=(nice -n "$LOAD_NICE")
QINGLIAO_STORE=${QINGLIAO_STORE:-sqlite}
case "$QINGLIAO_STORE" in
  sqlite) STORE_NOTE="Qingliao stores every message in SQLite (WAL, group commit) before it broadcasts, and acks it once the WAL is fsync'ed; the Node baseline stores nothing." ;;
  memory) STORE_NOTE="Qingliao ran with --store=memory (no durable store: history in memory only, as the Node baseline keeps nothing)." ;;
  *) echo "QINGLIAO_STORE must be sqlite or memory" >&2; exit 2 ;;
esac
NICE_NOTE=""
[[ "$LOAD_NICE" == 0 ]] || NICE_NOTE=" Both servers and the load generator ran at nice $LOAD_NICE."
OUT=$ROOT/benchmarks/target/load
WORK=$(mktemp -d /tmp/qingliao-load.XXXXXX)
mkdir -p "$OUT"

server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build --------------------------------------------------------------------------------------
use_jar=1
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  # Tests are neither compiled nor run (-Dmaven.test.skip): a run needs only the jars.
  echo "== building chat-server and the load generator (offline)"
  if ! mvn -o -q -pl benchmarks -am package -Dmaven.test.skip=true; then
    echo "!! the benchmarks module did not build; building the server alone and compiling the load generator with javac" >&2
    use_jar=0
    mvn -o -q -pl chat-server -am package -Dmaven.test.skip=true
  fi
fi
if [[ $use_jar == 1 && -f benchmarks/target/benchmarks.jar ]] && unzip -l benchmarks/target/benchmarks.jar 2>/dev/null | grep -q 'io/qingliao/benchmarks/load/LoadMain.class'; then
  LOAD_CP=benchmarks/target/benchmarks.jar
else
  gson_version=$(sed -n 's:.*<gson.version>\(.*\)</gson.version>.*:\1:p' pom.xml)
  GSON=$HOME/.m2/repository/com/google/code/gson/gson/$gson_version/gson-$gson_version.jar
  mkdir -p benchmarks/target/load-classes
  javac -nowarn -d benchmarks/target/load-classes -cp "$GSON" benchmarks/src/main/java/io/qingliao/benchmarks/load/*.java
  LOAD_CP=benchmarks/target/load-classes:$GSON
fi
SERVER_JAR=chat-server/target/qingliao-server.jar
[[ -f "$SERVER_JAR" ]] || { echo "missing $SERVER_JAR" >&2; exit 1; }
if [[ ! -d benchmarks/baseline/node_modules/ws ]]; then
  echo "== npm ci (benchmarks/baseline)"
  (cd benchmarks/baseline && npm ci --no-audit --no-fund --silent)
fi

wait_for_quiet() { # up to QUIET_WAIT s for the 1-minute load average to fall under QUIET_LOAD
  [[ -n "${QUIET_LOAD:-}" ]] || return 0
  local deadline=$(( $(date +%s) + ${QUIET_WAIT:-600} ))
  while (( $(date +%s) < deadline )); do
    awk -v max="$QUIET_LOAD" '{ exit !($1 < max) }' /proc/loadavg && return 0
    sleep 5
  done
  echo "!! load average still $(cut -d' ' -f1 /proc/loadavg) after ${QUIET_WAIT:-600} s: running anyway" >&2
}

wait_for_port() { # port, pid: up to 30 s
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "server exited while starting" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not listen on $1 within 30 s" >&2
  return 1
}

load() { # scenario target port pid out extra...
  local sc=$1 target=$2 port=$3 pid=$4 out=$5 flags=$6 note=$7
  shift 7
  # shellcheck disable=SC2086
  timeout 900 "${NICE[@]}" java $LOAD_JAVA_OPTS -cp "$LOAD_CP" io.qingliao.benchmarks.load.LoadMain "$sc" \
    --target="$target" --url="ws://127.0.0.1:$port/" --server-pid="$pid" --out="$out" \
    --server-flags="$flags" --note="$note$NICE_NOTE" "$@"
}

env_prefix=""
[[ -z "${QUIET_LOAD:-}" ]] || env_prefix+="QUIET_LOAD=$QUIET_LOAD "
[[ "$LOAD_NICE" == 0 ]] || env_prefix+="LOAD_NICE=$LOAD_NICE "
[[ "$QINGLIAO_STORE" == sqlite ]] || env_prefix+="QINGLIAO_STORE=$QINGLIAO_STORE "
env_prefix=${env_prefix% }
for sc in "${scenarios[@]}"; do
  echo "== $sc: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  extra=("$@")
  q_opts=(--rate-limit=20 --idle-timeout=60)
  note="$STORE_NOTE Default rate limit (20 frames/s per connection)."
  case "$sc" in
    saturate)
      q_opts=(--rate-limit=1000000 --idle-timeout=60)
      note="$STORE_NOTE Qingliao's --rate-limit raised to 1000000 frames/s for this scenario (default 20)." ;;
    conns)
      q_opts=(--rate-limit=20 --idle-timeout=3600)
      note="Qingliao's --idle-timeout raised to 3600 s so idle clients stay (default 60 s; real clients ping)." ;;
  esac

  # -- Node baseline
  wait_for_quiet
  (cd benchmarks/baseline && PORT=$NODE_PORT HOST=127.0.0.1 exec "${NICE[@]}" node server.js) > "$WORK/node.log" 2>&1 &
  server_pid=$!
  wait_for_port "$NODE_PORT" "$server_pid"
  load "$sc" node "$NODE_PORT" "$server_pid" "$OUT/$sc-node.json" "node $(node --version), ws $(node -p "require('./benchmarks/baseline/node_modules/ws/package.json').version")" "" "${extra[@]}"
  stop_server
  sleep 2

  # -- Qingliao
  wait_for_quiet
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=$QINGLIAO_MALLOC_ARENA_MAX "${NICE[@]}" java $QINGLIAO_JAVA_OPTS -jar "$SERVER_JAR" --host=127.0.0.1 --ws-port="$QINGLIAO_PORT" --http-port=0 \
    --store="$QINGLIAO_STORE" --data-dir="$WORK/data" --max-connections=20000 "${q_opts[@]}" > "$WORK/qingliao.log" 2>&1 &
  server_pid=$!
  wait_for_port "$QINGLIAO_PORT" "$server_pid"
  load "$sc" qingliao "$QINGLIAO_PORT" "$server_pid" "$OUT/$sc-qingliao.json" \
    "MALLOC_ARENA_MAX=$QINGLIAO_MALLOC_ARENA_MAX java $QINGLIAO_JAVA_OPTS -jar qingliao-server.jar --store=$QINGLIAO_STORE ${q_opts[*]}" "$note" "${extra[@]}"
  stop_server
  sleep 2

  if [[ "${NO_DOC:-}" == 1 ]]; then
    doc=$WORK/benchmarks.md; img=$WORK/img
  else
    doc=docs/benchmarks.md; img=docs/img
  fi
  java -cp "$LOAD_CP" io.qingliao.benchmarks.load.LoadMain report --scenario="$sc" \
    --node="$OUT/$sc-node.json" --qingliao="$OUT/$sc-qingliao.json" --doc="$doc" --img-dir="$img" \
    --command="$env_prefix benchmarks/run-load.sh $sc${extra[*]:+ ${extra[*]}}"
done
