#!/usr/bin/env bash
# Start, stop or query a demo gale cluster on this machine: ZooKeeper (deploy/zookeeper.sh) plus N
# `gale supervisor` daemons in the background.
#
#   deploy/cluster.sh start|stop|status [--supervisors N] [--zk-port p] [--dir d]
#
# Defaults: 2 supervisors, ZooKeeper on 127.0.0.1:2181, dir /tmp/gale-cluster.
# `start` remembers its flags: it writes --zk-port into <dir>/cluster.conf and the dir into
# ${TMPDIR:-/tmp}/gale-cluster.last-dir, so `status` and `stop` without flags act on the cluster
# started last (flags given to them still win).
# Supervisor i (1, 2, ...) has id sup-<i>, slot ports 6700+10*(i-1) .. +SLOTS-1 (6700-6703, 6710-6713, ...),
# pidfile <dir>/sup-<i>.pid, log <dir>/sup-<i>.log and work dir <dir>/sup-<i>; ZooKeeper keeps its files
# in <dir>/zookeeper. Supervisors run from this repository's build (`npm run build` first).
# Env: GALE_HOST (address workers use to reach each other, default 127.0.0.1), GALE_SLOTS (per supervisor,
#      default 4, at most 10), GALE_BASE_PORT (default 6700), GALE_HTTP_PORT (HTTP server of sup-1,
#      /metrics and /api/v1; sup-i gets GALE_HTTP_PORT+i-1; default 8080, 0 = none), GALE_CLUSTER_SECRET (passed to the
#      supervisors; at least 16 bytes), GALE_LOG_LEVEL (default info), STOP_TIMEOUT_S (default 20),
#      ZK_TICK_MS (see deploy/zookeeper.sh).
# `start` prints the ZooKeeper connect string on stdout; messages go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
gale_js="$repo/packages/runtime/bin/gale.js"

die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { echo "usage: deploy/cluster.sh start|stop|status [--supervisors N] [--zk-port p] [--dir d]" >&2; exit 2; }

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
supervisors=2
# Empty: not given; filled from what `start` remembered, else the defaults.
zk_port=
dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --supervisors) [ $# -ge 2 ] || usage; supervisors="$2"; shift 2 ;;
    --supervisors=*) supervisors="${1#--supervisors=}"; shift ;;
    --zk-port) [ $# -ge 2 ] || usage; zk_port="$2"; shift 2 ;;
    --zk-port=*) zk_port="${1#--zk-port=}"; shift ;;
    --dir) [ $# -ge 2 ] || usage; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    *) usage ;;
  esac
done
last_dir_file="${TMPDIR:-/tmp}/gale-cluster.last-dir"
if [ -z "$dir" ]; then
  # A dir removed since is ignored rather than created again.
  if [ "$cmd" != start ] && [ -f "$last_dir_file" ] && [ -d "$(cat "$last_dir_file")" ]; then dir="$(cat "$last_dir_file")"; fi
  dir="${dir:-/tmp/gale-cluster}"
fi
if [ -z "$zk_port" ] && [ -f "$dir/cluster.conf" ]; then
  zk_port="$(sed -n 's/^zk_port=//p' "$dir/cluster.conf")"
fi
zk_port="${zk_port:-2181}"
[[ "$supervisors" =~ ^[0-9]+$ ]] && [ "$supervisors" -ge 1 ] && [ "$supervisors" -le 50 ] || die "bad --supervisors '$supervisors' (1-50)"
[[ "$zk_port" =~ ^[0-9]+$ ]] && [ "$zk_port" -ge 1 ] && [ "$zk_port" -le 65535 ] || die "bad --zk-port '$zk_port' (1-65535)"
host="${GALE_HOST:-127.0.0.1}"
slots="${GALE_SLOTS:-4}"
base_port="${GALE_BASE_PORT:-6700}"
http_port="${GALE_HTTP_PORT:-8080}"
stop_timeout="${STOP_TIMEOUT_S:-20}"
[[ "$slots" =~ ^[0-9]+$ ]] && [ "$slots" -ge 1 ] && [ "$slots" -le 10 ] || die "bad GALE_SLOTS '$slots' (1-10: supervisors are 10 ports apart)"
[[ "$base_port" =~ ^[0-9]+$ ]] && [ $((base_port + 10 * supervisors)) -le 65535 ] || die "bad GALE_BASE_PORT '$base_port'"
[[ "$http_port" =~ ^[0-9]+$ ]] && [ $((http_port + supervisors)) -le 65535 ] || die "bad GALE_HTTP_PORT '$http_port'"
mkdir -p "$dir" 2>/dev/null || die "cannot create --dir $dir"
dir="$(cd "$dir" && pwd)"
zk="127.0.0.1:$zk_port"

# pid of supervisor <id> if it runs (guarding against a recycled pid), else nothing and status 1.
running_pid() {
  local id="$1" pidfile="$dir/$1.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "gale.js supervisor .*--id $id " || return 1
  echo "$pid"
}

# Ids of the supervisors this dir knows about (pidfiles), whatever --supervisors says now.
known_ids() {
  local f
  for f in "$dir"/sup-*.pid; do
    if [ -e "$f" ]; then basename "$f" .pid; fi
  done
  return 0
}

start_supervisor() {
  local i="$1" id="sup-$1" pid
  local first=$((base_port + 10 * (i - 1)))
  local last=$((first + slots - 1))
  local http=0
  [ "$http_port" -gt 0 ] && http=$((http_port + i - 1))
  if pid="$(running_pid "$id")"; then
    echo "cluster.sh: $id already running (pid $pid)" >&2
    return 0
  fi
  local log="$dir/$id.log"
  # setsid: its own process group (with its workers), so stop can take all of them down.
  setsid "${NODE:-node}" "$gale_js" supervisor --zk "$zk" --host "$host" --ports "$first-$last" --id "$id" \
    --http-port "$http" --dir "$dir/$id" --log-level "${GALE_LOG_LEVEL:-info}" </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/$id.pid"
  local deadline=$((SECONDS + 20))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$dir/$id.pid"
      die "$id exited during start: $(grep '^gale: ' "$log" | tail -n 1)"
    fi
    if grep -q "^gale: supervisor $id ready" "$log"; then
      echo "cluster.sh: $id running (pid $pid, ports $first-$last, log $log)" >&2
      return 0
    fi
    sleep 0.1
  done
  die "$id did not become ready within 20 s (log: $log)"
}

stop_supervisor() {
  local id="$1" pid
  if ! pid="$(running_pid "$id")"; then
    rm -f "$dir/$id.pid"
    return 0
  fi
  # TERM lets it drain and stop its workers; the whole group is killed after the deadline.
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + stop_timeout))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    echo "cluster.sh: $id stopped (pid $pid, SIGKILL after ${stop_timeout} s)" >&2
  else
    # Workers that outlived their supervisor (they stop when it goes) get the same deadline.
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "cluster.sh: $id stopped (pid $pid)" >&2
  fi
  rm -f "$dir/$id.pid"
}

start() {
  [ -f "$repo/packages/runtime/dist/cli/run.js" ] || die "gale is not built: run \"npm ci && npm run build\" in $repo first"
  # Before anything starts, so a failed start can still be stopped without flags.
  printf 'zk_port=%s\n' "$zk_port" >"$dir/cluster.conf"
  printf '%s\n' "$dir" >"$last_dir_file"
  "$here/zookeeper.sh" start --port "$zk_port" --dir "$dir/zookeeper" >/dev/null
  local i
  for ((i = 1; i <= supervisors; i++)); do start_supervisor "$i"; done
  echo "cluster.sh: cluster up; try: node $gale_js list --zk $zk" >&2
  echo "$zk"
}

stop() {
  local id
  for id in $(known_ids); do stop_supervisor "$id"; done
  "$here/zookeeper.sh" stop --port "$zk_port" --dir "$dir/zookeeper"
}

status() {
  local rc=0 id pid
  echo "dir: $dir"
  echo "zookeeper: $("$here/zookeeper.sh" status --port "$zk_port" --dir "$dir/zookeeper" || true)"
  for id in $(known_ids); do
    if pid="$(running_pid "$id")"; then echo "$id: running (pid $pid)"; else echo "$id: not running"; rc=3; fi
  done
  [ -n "$(known_ids)" ] || { echo "supervisors: none started in $dir"; rc=3; }
  return "$rc"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
