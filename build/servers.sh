#!/usr/bin/env bash
# Starts, stops and shows the test servers for people: s3rver (S3) and docker-registry, on 127.0.0.1.
#
#   build/servers.sh start [--s3-port N] [--registry-port N]   (default: free ports)
#   build/servers.sh status
#   build/servers.sh env      (prints export lines for a shell: eval "$(build/servers.sh env)")
#   build/servers.sh stop
#
# Needs `npm ci --prefix tests/servers` and /usr/bin/docker-registry (see .ci/run). s3rver accepts any access key.
# State (pids, ports) and data live under artifacts/servers/; stop ends the processes by pid and removes the data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/artifacts/servers"
state="$dir/state"

usage() { sed -n '4,7p' "$0" | sed 's/^#  *//' >&2; exit 2; }

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

answers() { # url -> 0 when it answers with any HTTP status
  node -e 'require("http").get(process.argv[1],r=>process.exit(0)).on("error",()=>process.exit(1))' "$1"
}

wait_until_answers() { # name url pid log
  for _ in $(seq 1 300); do
    if answers "$2"; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$1 exited; its log:" >&2; cat "$4" >&2; return 1; fi
    sleep 0.1
  done
  echo "$1 did not answer at $2; its log:" >&2; cat "$4" >&2; return 1
}

running() { [ -f "$state" ] && . "$state" && kill -0 "${S3_PID:-0}" 2>/dev/null; }

start() {
  local s3_port=0 registry_port=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --s3-port) s3_port="$2"; shift 2 ;;
      --registry-port) registry_port="$2"; shift 2 ;;
      *) usage ;;
    esac
  done
  if running; then echo "already running:"; status; return 0; fi
  [ -d "$root/tests/servers/node_modules/s3rver" ] || { echo "run: npm ci --prefix tests/servers" >&2; exit 1; }
  [ -x /usr/bin/docker-registry ] || { echo "install docker-registry (apt-get install docker-registry)" >&2; exit 1; }

  rm -rf "$dir"; mkdir -p "$dir/s3" "$dir/registry"

  # The log exists before the server starts writing to it, so that the wait below can read it at once.
  : >"$dir/s3rver.log"
  nohup node "$root/tests/servers/s3rver-start.js" --directory "$dir/s3" --address 127.0.0.1 --port "$s3_port" \
    >"$dir/s3rver.log" 2>&1 </dev/null &
  local s3_pid=$!
  for _ in $(seq 1 300); do
    grep -q 'listening on' "$dir/s3rver.log" && break
    kill -0 "$s3_pid" 2>/dev/null || { cat "$dir/s3rver.log" >&2; exit 1; }
    sleep 0.1
  done
  s3_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$dir/s3rver.log")

  registry_port="${registry_port:-$(free_port)}"
  cat >"$dir/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$registry_port
  secret: kaptain-local-registry
YAML
  nohup /usr/bin/docker-registry serve "$dir/registry/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  local registry_pid=$!

  cat >"$state" <<STATE
S3_PID=$s3_pid
S3_PORT=$s3_port
REGISTRY_PID=$registry_pid
REGISTRY_PORT=$registry_port
STATE
  wait_until_answers s3rver "http://127.0.0.1:$s3_port/" "$s3_pid" "$dir/s3rver.log" || { stop; exit 1; }
  wait_until_answers docker-registry "http://127.0.0.1:$registry_port/v2/" "$registry_pid" "$dir/registry.log" || { stop; exit 1; }
  status
}

status() {
  if [ ! -f "$state" ]; then echo "not running"; return 1; fi
  . "$state"
  local s3="stopped" registry="stopped"
  kill -0 "$S3_PID" 2>/dev/null && s3="pid $S3_PID"
  kill -0 "$REGISTRY_PID" 2>/dev/null && registry="pid $REGISTRY_PID"
  echo "s3:       http://127.0.0.1:$S3_PORT ($s3; any AWS_ACCESS_KEY_ID works)"
  echo "registry: 127.0.0.1:$REGISTRY_PORT ($registry; plain http, no auth)"
  echo "e.g. export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local; -p:KaptainS3Endpoint=http://127.0.0.1:$S3_PORT"
}

print_env() { # the endpoints as shell variables, for the README's commands
  if ! running; then echo "not running (build/servers.sh start)" >&2; return 1; fi
  . "$state"
  echo "export KAPTAIN_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
  echo "export KAPTAIN_REGISTRY=127.0.0.1:$REGISTRY_PORT"
}

stop() {
  if [ ! -f "$state" ]; then echo "not running"; return 0; fi
  . "$state"
  for pid in "$S3_PID" "$REGISTRY_PID"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "$S3_PID" "$REGISTRY_PID"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
  echo "stopped"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *) usage ;;
esac
