"""bench/tills.py keeps working: tills as processes on a server record every sale once,
and without a server the part still gives SQLite's figures and says why it skipped."""

from __future__ import annotations

import pytest
from conftest import pg_database
from sqlalchemy import create_engine, text

from bench import run, tills


@pytest.mark.slow
def test_tills_on_a_server_record_every_sale_once_and_leave_no_database(tmp_path):
    with pg_database(None) as server:  # skips when no test server is given
        r = tills.measure_tills(tmp_path, server=server, sales=3, warmup=1, counts=[1, 2])
        engine = create_engine(server)
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :name"),
                                {"name": r["postgresql"]["database"]}).scalar()
        engine.dispose()
    rounds = r["postgresql"]["rounds"]
    assert [(rd["tills"], rd["sold"], rd["failed"]) for rd in rounds] == [(1, 3, 0), (2, 6, 0)]
    assert [rd["recorded_total"] for rd in rounds] == [4, 12]  # warm-up sales included
    assert r["postgresql"]["verify_problems"] == []
    assert r["sqlite"]["till"]["sold"] == 3 and left == 0


@pytest.mark.slow
def test_without_a_server_the_part_says_so_and_gives_sqlite_figures(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.delenv(run.ENV_PG, raising=False)
    monkeypatch.setattr(run, "PG_SCRIPT", tmp_path / "no-such-script")
    assert run.main(["--parts", "tills", "--quick", "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr().out
    assert "PostgreSQL part skipped: no server (give --pg URL or LOYALTYPOS_BENCH_PG)" in said
    assert "SQLite file, 1 till:" in said and "plain sqlite3:" in said
    assert "tills 1 (PostgreSQL)" not in said
