#!/usr/bin/env bash
# Source this: start a throwaway PostgreSQL server for the test suite and export
# LOYALTYPOS_TEST_PG with its URL; test_postgres_stop stops it and removes its folder.
# Needs the server's binaries (Debian: apt-get install postgresql); the package's own
# cluster is not used. As root the server runs as the "postgres" user (initdb refuses root).

test_postgres_start() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$bin" ] && [ -x "$bin/initdb" ] || return 1
    PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/loyaltypos-pg.XXXXXX")
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || return 1
        chown postgres "$PG_TEST_DIR"
        run=(runuser -u postgres --)
    fi
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${run[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -A trust -U postgres -E UTF8 \
        --no-sync >"$PG_TEST_DIR/initdb.log" 2>&1 || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w \
        -o "-p $port -k $PG_TEST_DIR -h 127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
    PG_TEST_CTL=("${run[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data")
    export LOYALTYPOS_TEST_PG="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on port $port"
}

test_postgres_stop() {
    [ -n "${PG_TEST_DIR:-}" ] || return 0
    "${PG_TEST_CTL[@]}" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TEST_DIR"
}
