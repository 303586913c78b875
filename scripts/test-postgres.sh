#!/usr/bin/env bash
# Source this: start a throwaway PostgreSQL server for the test suite and export
# LOYALTYPOS_TEST_PG with its URL; test_postgres_stop stops it and removes its folder.
# The server is scripts/postgres's; here it is never installed: without the binaries
# (Debian: apt-get install postgresql) test_postgres_start returns 1 and the PostgreSQL
# tests are skipped.

_TEST_POSTGRES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/postgres

test_postgres_start() {
    local url
    PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/loyaltypos-pg.XXXXXX")
    if ! url=$("$_TEST_POSTGRES" start --no-install "$PG_TEST_DIR"); then
        rm -rf "$PG_TEST_DIR"
        PG_TEST_DIR=""
        return 1
    fi
    export LOYALTYPOS_TEST_PG=$url
    echo "== PostgreSQL for the tests: $url"
}

test_postgres_stop() {
    [ -n "${PG_TEST_DIR:-}" ] || return 0
    "$_TEST_POSTGRES" stop --immediate --remove "$PG_TEST_DIR" 2>/dev/null || rm -rf "$PG_TEST_DIR"
    PG_TEST_DIR=""
}
