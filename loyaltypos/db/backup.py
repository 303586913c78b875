"""A consistent copy of a SQLite shop file, taken while the tills keep selling."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from loyaltypos.db.engine import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _


def backup(database: Database, target: str | Path) -> Path:
    """A consistent copy of a SQLite database, taken while tills keep selling."""
    if not database.is_sqlite:
        raise Refused(_("backup copies SQLite files; back up a server database with its own"
                        " tools"))
    target = Path(target).expanduser().resolve()
    if target.exists():
        raise Refused(_("{path} already exists; choose a new file name").format(path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    source_path = make_url(database.url).database
    with sqlite3.connect(source_path) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target
