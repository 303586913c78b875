"""Schema changes go through Alembic; a shop's database is upgraded, never recreated."""

import sqlite3

from alembic.config import Config
from alembic.script import ScriptDirectory
from conftest import reader
from sqlalchemy import create_engine

from loyaltypos.db import engine as dbmod
from loyaltypos.db.engine import MIGRATIONS, SCHEMA_HEAD, open_database, schema_revision


def alembic_config(engine=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_to(path, revision: str):
    """A database file with the schema as it was at ``revision``."""
    from alembic import command

    engine = create_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), revision)
    return engine


def test_schema_head_constant_is_alembics_head():
    cfg = alembic_config()
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_an_old_database_is_upgraded_with_its_data(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    engine = upgrade_to(path, "0001")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO settings (key, value) VALUES ('card_prefix', '28')")
    con.commit()
    con.close()
    assert schema_revision(engine) == "0001"

    database = open_database(str(path))
    assert schema_revision(database.engine) == SCHEMA_HEAD
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM settings").fetchall() == [("28",)]
    triggers = con.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'").fetchone()
    assert triggers[0] > 0
    con.close()
    database.dispose()


def test_sqlite_is_opened_with_durable_settings(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == dbmod.BUSY_TIMEOUT_MS


def test_default_database_lives_in_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(dbmod.ENV_DB, raising=False)
    monkeypatch.setattr(dbmod, "default_db_path", lambda: tmp_path / "data" / "x.sqlite3")
    assert dbmod.database_url() == f"sqlite:///{tmp_path / 'data' / 'x.sqlite3'}"
    monkeypatch.setenv(dbmod.ENV_DB, "postgresql://shop@localhost/loyalty")
    assert dbmod.database_url() == "postgresql://shop@localhost/loyalty"
    assert dbmod.database_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"


def test_customers_from_before_the_search_column_are_found_after_the_upgrade(tmp_path):
    from loyaltypos.services.cards import find_cards
    from loyaltypos.services.store import initialise

    path = tmp_path / "old.sqlite3"
    upgrade_to(path, "0003")
    con = sqlite3.connect(path)
    con.execute("INSERT INTO customers (name, phone, marketing_consent, created_at) "
                "VALUES ('Ольга Петрова', NULL, 0, '2026-01-01 10:00:00')")
    con.execute("INSERT INTO cards (number, kind, status, customer_id, lineage_id, balance, "
                "spend, created_at) VALUES ('2712345678902', 'personal', 'active', 1, 1, 0, 0, "
                "'2026-01-01 10:00:00')")
    con.commit()
    con.close()
    database = open_database(str(path))
    from loyaltypos.domain.program import DEFAULT_PROGRAM_FILE, load_program_file

    initialise(database, manager_name="M", manager_pin="123456",
               program=load_program_file(DEFAULT_PROGRAM_FILE))
    found = find_cards(database, actor=reader(database), text="ольга")
    assert [c.number for c in found] == ["2712345678902"]
    database.dispose()
