#!/usr/bin/env bash
# Builds the repository's Dockerfile and checks the image end to end:
#
#   deploy/docker-test.sh              build, run, check, clean up (keeps the image)
#   deploy/docker-test.sh --no-build   check the image built last time
#
# With Docker (a daemon that answers) or podman (Debian: apt-get install
# podman runc debootstrap); COINOP_ENGINE=docker|podman picks one. The base
# images come from Docker Hub, or are built here as stand-ins when it cannot be
# reached (deploy/docker-test/stand-ins.sh). Needs root for podman, curl,
# openssl, and Node 20 or later on the host (the JS client of the
# persistence check).
#
# The checks, against a container started with `-p 127.0.0.1:PORT:8787` and a
# named volume on /data:
# - the image's HEALTHCHECK command succeeds, and GET /healthz is 200;
# - the cursors demo is served at /, the JS package at /coinop/ (its Wasm too);
# - the relay runs as uid 10001, not root;
# - a room key written through the served JS package (acked: on disk) is
#   there in a new container on the same volume, and after a restart; the
#   data directory holds coinop.db;
# - `coinop-relay backup` through exec writes a backup, which `coinop-relay
#   restore` (a one-off container) puts into a fresh volume that a second
#   relay serves with the same key;
# - `stop` (SIGTERM) ends the relay with exit code 0;
# - the HEALTHCHECK also passes when the relay serves HTTPS itself.
# It prints the build time and the image size at the end.
#
# COINOP_TEST_PORT (default 18787, and the next one) and COINOP_TEST_IMAGE
# (default localhost/coinop-relay:test) change what it uses. It removes its
# containers and volumes, and keeps the images and the build caches for the
# next run; to free the disk (3 to 5 GB with podman): `podman rmi
# localhost/coinop-relay:test`, `podman image prune -f`, and `rm -rf
# /var/tmp/buildah-cache` (the cache mounts; Docker: `docker builder prune`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/docker-test/engine.sh
source deploy/docker-test/engine.sh
pick_engine

build=1
[[ ${1:-} == --no-build ]] && build=0
image=${COINOP_TEST_IMAGE:-localhost/coinop-relay:test}
port=${COINOP_TEST_PORT:-18787}
port2=$((port + 1))
name=coinop-docker-test
restored=coinop-docker-test-restored
volumes=(coinop-docker-test-data coinop-docker-test-backups coinop-docker-test-restored)
work=$(mktemp -d /tmp/coinop-docker-test.XXXXXX)

e() { "${engine[@]}" "$@"; }
cleanup() {
  e rm -f -v "$name" "$restored" >/dev/null 2>&1 || true
  e volume rm -f "${volumes[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

step() { echo "== $*"; }
fail() {
  echo "FAIL: $*" >&2
  for c in "$name" "$restored"; do
    e logs --tail 30 "$c" 2>/dev/null | sed "s/^/  [$c] /" >&2 || true
  done
  exit 1
}
# Waits (at most 30 s) until the relay on port $1 answers /healthz.
wait_up() {
  for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return 0
    sleep 0.5
  done
  fail "no /healthz on 127.0.0.1:$1 within 30 s"
}

if ((build)); then
  step "base images (${engine[*]})"
  deploy/docker-test/stand-ins.sh
  step "build $image"
  start=$(date +%s)
  e build "${build_opts[@]}" -t "$image" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; fail "build"; }
  build_secs=$(($(date +%s) - start))
fi
size=$(e image inspect --format '{{.Size}}' "$image")
healthcheck=$(e image inspect --format '{{json .Config.Healthcheck}}' "$image")
[[ $healthcheck == *healthz* ]] || fail "the image has no HEALTHCHECK on /healthz: $healthcheck"

step "run: -p 127.0.0.1:$port:8787, volumes on /data and /backups"
start_relay() {
  e run -d --name "$name" "${run_opts[@]}" -p "127.0.0.1:$port:8787" \
    -v coinop-docker-test-data:/data -v coinop-docker-test-backups:/backups "$image" >/dev/null
  wait_up "$port"
}
start_relay

step "health check command"
# Runs the image's HEALTHCHECK in container $1 (Docker: waits for its first
# run, at most 60 s; podman runs it at once).
healthy() {
  if [[ ${engine[0]} == podman ]]; then
    e healthcheck run "$1" || fail "podman healthcheck run $1"
    return
  fi
  local status=
  for _ in $(seq 60); do
    status=$(e inspect --format '{{.State.Health.Status}}' "$1")
    [[ $status == healthy ]] && return
    sleep 1
  done
  fail "health status of $1: $status"
}
healthy "$name"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
[[ $code == 200 ]] || fail "GET /healthz: $code"

step "demo at /, JS package at /coinop/"
curl -fsS "http://127.0.0.1:$port/" | grep -q '"coinop":"/coinop/index.js"' || fail "the demo page at /"
mkdir -p "$work/package/wasm"
curl -fsS -o "$work/package/index.js" "http://127.0.0.1:$port/coinop/index.js" || fail "/coinop/index.js"
curl -fsS -o "$work/package/wasm/coinop_wasm_bg.wasm" -w '%{content_type}\n' \
  "http://127.0.0.1:$port/coinop/wasm/coinop_wasm_bg.wasm" | grep -q application/wasm || fail "/coinop/wasm/coinop_wasm_bg.wasm"
curl -fsS -o /dev/null "http://127.0.0.1:$port/coinop/index.d.ts" || fail "/coinop/index.d.ts"

step "non-root"
uid=$(e exec "$name" sh -c 'grep ^Uid: /proc/1/status' | awk '{print $2}')
[[ $uid == 10001 ]] || fail "the relay runs as uid $uid"

step "a room key survives a new container on the volume, and a restart"
# ws for Node 20 (no global WebSocket): the repository's, or a fresh one.
ws=$PWD/bindings/js
if [[ ! -d $ws/node_modules/ws ]]; then
  ws=$work/ws
  npm install --prefix "$ws" --no-save --no-package-lock --no-audit --no-fund --silent ws@8 >/dev/null
fi
token="persisted-$(date +%s)-$RANDOM"
state() { node deploy/docker-test/room-state.mjs "$work/package" "$ws" "http://127.0.0.1:$1" DOCKERTEST "${@:2}"; }
state "$port" set docker-test "$token" || fail "writing a room key"
e exec "$name" test -s /data/coinop.db || fail "no /data/coinop.db in the volume"
# SIGTERM (stop): the relay stops accepting, flushes and exits with 0.
e stop -t 20 "$name" >/dev/null
exit_code=$(e inspect --format '{{.State.ExitCode}}' "$name")
[[ $exit_code == 0 ]] || fail "the relay exited with $exit_code on stop"
e rm "$name" >/dev/null
start_relay
got=$(state "$port" get docker-test) || fail "reading the room key in a new container"
[[ $got == "\"$token\"" ]] || fail "in a new container the key is $got, not \"$token\""
e restart "$name" >/dev/null
wait_up "$port"
got=$(state "$port" get docker-test) || fail "reading the room key after a restart"
[[ $got == "\"$token\"" ]] || fail "after a restart the key is $got, not \"$token\""

step "backup via exec, restore into a fresh volume"
e exec "$name" coinop-relay backup --to /backups/coinop.db || fail "coinop-relay backup"
e run --rm "${run_opts[@]}" -v coinop-docker-test-backups:/backups -v coinop-docker-test-restored:/data \
  "$image" restore --from /backups/coinop.db || fail "coinop-relay restore"
e run -d --name "$restored" "${run_opts[@]}" -p "127.0.0.1:$port2:8787" -v coinop-docker-test-restored:/data "$image" >/dev/null
wait_up "$port2"
got=$(state "$port2" get docker-test) || fail "reading the room key from the restored relay"
[[ $got == "\"$token\"" ]] || fail "the restored relay has $got, not \"$token\""

step "health check command with TLS (a self-signed certificate)"
e rm -f -v "$restored" >/dev/null
mkdir -p "$work/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" 2>/dev/null
chmod 644 "$work/tls/key.pem" # read by uid 10001 in the container; a throwaway key
e run -d --name "$restored" "${run_opts[@]}" -p "127.0.0.1:$port2:8787" -v "$work/tls:/tls:ro" \
  -e COINOP_TLS_CERT=/tls/cert.pem -e COINOP_TLS_KEY=/tls/key.pem "$image" >/dev/null
for _ in $(seq 60); do
  curl -fsSk -o /dev/null "https://127.0.0.1:$port2/healthz" 2>/dev/null && break
  sleep 0.5
done
curl -fsSk -o /dev/null "https://127.0.0.1:$port2/healthz" || fail "no https://127.0.0.1:$port2/healthz"
healthy "$restored"

echo "OK: every check passed (${engine[0]})"
[[ -n ${build_secs:-} ]] && echo "build: ${build_secs} s"
echo "image: $image, $((size / 1000 / 1000)) MB"
