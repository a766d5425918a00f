#!/usr/bin/env bash
# Start, stop or query a standalone ZooKeeper 3.8 (Debian package) on the loopback interface.
#
#   deploy/zookeeper.sh start|stop|status [--port p] [--dir d]
#
# Defaults: port 2181, dir /tmp/gale-zk. Writes <dir>/conf/{zoo.cfg,log4j.properties}, keeps data in
# <dir>/data, the server log in <dir>/zookeeper.log and the pid in <dir>/zookeeper.pid.
# Env: ZK_TICK_MS (tickTime, default 1000; the server clamps session timeouts to [2, 20] x tick),
#      ZK_START_TIMEOUT_S (default 20), ZK_STOP_TIMEOUT_S (default 10), JAVA (default: java on PATH).
# Prints the connect string (127.0.0.1:<port>) on stdout when started; messages go to stderr.
set -euo pipefail

# Jars for the server classpath, relative to /usr/share/java; those that do not exist are skipped
# (zookeeper.jar is required; its manifest pulls in the rest). test/harness/zk.ts reads this line.
ZK_JARS="zookeeper.jar slf4j-log4j12.jar log4j-1.2.jar"
JAVA_DIR=/usr/share/java

die() { echo "zookeeper.sh: $*" >&2; exit 1; }
usage() { echo "usage: deploy/zookeeper.sh start|stop|status [--port p] [--dir d]" >&2; exit 2; }

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
port=2181
dir=/tmp/gale-zk
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || usage; port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --dir) [ $# -ge 2 ] || usage; dir="$2"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    *) usage ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "bad --port '$port' (1-65535)"
tick="${ZK_TICK_MS:-1000}"
[[ "$tick" =~ ^[0-9]+$ ]] && [ "$tick" -ge 1 ] || die "bad ZK_TICK_MS '$tick'"
start_timeout="${ZK_START_TIMEOUT_S:-20}"
stop_timeout="${ZK_STOP_TIMEOUT_S:-10}"
mkdir -p "$dir" 2>/dev/null || die "cannot create --dir $dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/conf"
pidfile="$dir/zookeeper.pid"
logfile="$dir/zookeeper.log"

# Sends a four-letter word and prints the reply (empty when nothing answers). No nc needed.
four_letter() (
  exec 2>/dev/null
  exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 0
  printf '%s' "$1" >&3
  timeout 2 cat <&3 || true
)

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must still be our QuorumPeerMain.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "QuorumPeerMain $conf/zoo.cfg" || return 1
  echo "$pid"
}

ensure_installed() {
  if [ ! -f "$JAVA_DIR/zookeeper.jar" ] || ! dpkg -s zookeeper >/dev/null 2>&1; then
    echo "zookeeper.sh: installing the Debian package zookeeper" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q zookeeper; } >&2 || die "apt-get install -y zookeeper failed"
  fi
  [ -f "$JAVA_DIR/zookeeper.jar" ] || die "$JAVA_DIR/zookeeper.jar missing after install"
  command -v "${JAVA:-java}" >/dev/null 2>&1 || die "java not found (install default-jre)"
}

classpath() {
  local cp="$conf" jar
  for jar in $ZK_JARS; do
    [ -f "$JAVA_DIR/$jar" ] && cp="$cp:$JAVA_DIR/$jar"
  done
  printf '%s' "$cp"
}

write_conf() {
  mkdir -p "$conf" "$dir/data"
  cat >"$conf/zoo.cfg" <<EOF
tickTime=$tick
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,mntr
EOF
  cat >"$conf/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.Threshold=INFO
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
EOF
}

start() {
  if pid="$(running_pid)"; then
    echo "zookeeper.sh: already running (pid $pid) on 127.0.0.1:$port" >&2
    echo "127.0.0.1:$port"
    return 0
  fi
  ensure_installed
  if port_open; then die "port 127.0.0.1:$port is already in use by another process"; fi
  write_conf
  # setsid: its own process group, so stop can take the whole JVM down and a Ctrl-C here does not.
  setsid "${JAVA:-java}" -Xms32m -Xmx512m -XX:+UseSerialGC \
    -cp "$(classpath)" org.apache.zookeeper.server.quorum.QuorumPeerMain "$conf/zoo.cfg" \
    >"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$((SECONDS + start_timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      reason="$(grep -m1 -oE '[A-Za-z.]*(Exception|Error): .*' "$logfile" 2>/dev/null || tail -n 1 "$logfile" 2>/dev/null)"
      die "ZooKeeper exited during start: $reason (log: $logfile)"
    fi
    if [ "$(four_letter ruok)" = "imok" ]; then
      echo "zookeeper.sh: started (pid $pid, dir $dir, tick ${tick} ms)" >&2
      echo "127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  die "ZooKeeper did not answer ruok on 127.0.0.1:$port within ${start_timeout} s (log: $logfile)"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    echo "zookeeper.sh: not running" >&2
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + stop_timeout))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
    kill -0 "$pid" 2>/dev/null && die "could not kill ZooKeeper (pid $pid)"
    echo "zookeeper.sh: stopped (pid $pid, SIGKILL after ${stop_timeout} s)" >&2
  else
    echo "zookeeper.sh: stopped (pid $pid)" >&2
  fi
  rm -f "$pidfile"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if [ "$(four_letter ruok)" = "imok" ]; then
      echo "running (pid $pid) on 127.0.0.1:$port"
    else
      echo "running (pid $pid) but not answering ruok on 127.0.0.1:$port"
      return 1
    fi
  else
    echo "not running"
    return 3
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
