#!/usr/bin/env bash
# A local coinop cluster to try cluster mode: a throwaway PostgreSQL in a
# temporary directory (loopback port, unix socket beside its data) and three
# relay nodes on it. Everything stops and is deleted on Ctrl-C.
#
#   deploy/local-cluster.sh            # run until Ctrl-C
#   deploy/local-cluster.sh --check    # start, check /healthz of each node, stop
#
# Environment: COINOP_RELAY_BIN (a built coinop-relay; default: cargo build),
# PG_PORT (default 55432), BASE_PORT (nodes on BASE_PORT+1..3, default 8800),
# LEASE_MS (default 5000), COINOP_PG_BIN (directory of initdb and pg_ctl).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_port="${PG_PORT:-55432}"
base_port="${BASE_PORT:-8800}"
lease_ms="${LEASE_MS:-5000}"

bin="${COINOP_RELAY_BIN:-}"
if [ -z "$bin" ]; then
  cargo build -q -p coinop-relay
  bin="$PWD/target/debug/coinop-relay"
fi

pg_bin="${COINOP_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL not found: apt-get install postgresql (or set COINOP_PG_BIN)" >&2
  exit 1
fi

dir="$(mktemp -d /tmp/coinop-cluster.XXXXXX)"
# initdb and postgres refuse to run as root: as root, run them as `postgres`.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${as_pg[@]}" "$pg_bin/pg_ctl" stop -m fast -w -D "$dir/data" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$pg_bin/initdb" -A trust -U coinop -E UTF8 --no-locale -N -D "$dir/data" >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" start -w -l "$dir/postgres.log" -D "$dir/data" \
  -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1" >/dev/null
url="postgres://coinop@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL: $url (data and log in $dir)"

for i in 1 2 3; do
  port=$((base_port + i))
  "$bin" --addr "127.0.0.1:$port" --node-addr "127.0.0.1:$port" \
    --database-url "$url" --lease-ms "$lease_ms" 2>"$dir/node$i.log" >/dev/null &
  pids+=("$!")
done

ok=1
for i in 1 2 3; do
  port=$((base_port + i))
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
    echo "node $i: ws://127.0.0.1:$port/ws   inspector http://127.0.0.1:$port/inspect   log $dir/node$i.log"
  else
    echo "node $i did not start; its log:" >&2
    cat "$dir/node$i.log" >&2
    ok=0
  fi
done

if [ "${1:-}" = "--check" ]; then
  [ "$ok" = 1 ] && echo "cluster up; stopping (--check)"
  [ "$ok" = 1 ]
  exit
fi
echo "Clients may use any node's URL (one room's players on different nodes share it)."
echo "Ctrl-C stops the nodes and PostgreSQL and deletes $dir."
wait
