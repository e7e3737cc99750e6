# shellcheck shell=bash
# Shared helpers of control-plane.sh and cert-manager.sh (sourced; expects HERE and DIR).

log() { echo "test-env: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# load_env COMPONENT...: build what is missing (fast when cached) and source the binaries' paths.
load_env() {
  TEST_ENV_FILE="$DIR/test-env.sh"
  "$HERE/build.sh" --print-env "$@" >"$TEST_ENV_FILE.tmp" || die "hack/test-env/build.sh $* failed"
  mv -f "$TEST_ENV_FILE.tmp" "$TEST_ENV_FILE"
  # shellcheck disable=SC1090
  . "$TEST_ENV_FILE"
}

# free_port: a TCP port nobody listens on, below the usual ephemeral range (so it cannot collide with an
# outgoing connection, nor with kube-api-test, which picks from 49152-65535).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# running NAME: the process recorded in DIR/NAME.pid is alive and still runs the binary we started.
running() {
  local name=$1 pid bin
  [ -f "$DIR/$name.pid" ] && [ -f "$DIR/$name.bin" ] || return 1
  pid=$(cat "$DIR/$name.pid")
  bin=$(cat "$DIR/$name.bin")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)" = "$bin" ]
}

# start NAME BINARY ARGS...: run in the background in its own session, output to DIR/NAME.log.
start() {
  local name=$1 bin=$2
  shift 2
  [ -x "$bin" ] || die "$name: binary not found: $bin"
  echo "$bin" >"$DIR/$name.bin"
  rm -f "$DIR/$name.pid"
  {
    echo "# $(date -u +%FT%TZ) $bin $*"
  } >"$DIR/$name.log"
  # bash writes its own pid, then execs the binary under that same pid.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$DIR/$name.pid" "$bin" "$@" \
    >>"$DIR/$name.log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do
    [ -s "$DIR/$name.pid" ] && break
    sleep 0.1
  done
  [ -s "$DIR/$name.pid" ] || die "$name: did not start (log: $DIR/$name.log)"
}

# stop NAME: TERM, then KILL after 15 s; only the process we started.
stop() {
  local name=$1 pid
  if running "$name"; then
    pid=$(cat "$DIR/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name: still running after 15 s, killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "$name: stopped (pid $pid)"
  fi
  rm -f "$DIR/$name.pid"
}

# wait_for DESCRIPTION TIMEOUT_SECONDS NAME COMMAND...: until COMMAND succeeds; fail early if NAME died.
wait_for() {
  local desc=$1 timeout=$2 name=$3 deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      tail -n 30 "$DIR/$name.log" >&2 || true
      die "$name exited while waiting for $desc (log: $DIR/$name.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 30 "$DIR/$name.log" >&2 || true
      die "timed out after ${timeout}s waiting for $desc (log: $DIR/$name.log)"
    fi
    sleep 0.5
  done
}
