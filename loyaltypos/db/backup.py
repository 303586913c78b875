"""A consistent copy of a SQLite shop file, taken while the tills keep selling.

The copy is whole or it is not there: it is written to a hidden temporary file beside
the target, checked (``PRAGMA integrity_check``, the shop's tables and schema revision),
and only then renamed into place. A copy that fails or is interrupted leaves no file
under the target's name, so it can never be restored as an empty shop and a retry under
the same name works.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from loyaltypos.db.engine import Database
from loyaltypos.domain.errors import CannotWriteFile, Refused
from loyaltypos.domain.i18n import _

# Tables whose presence (with a schema revision recorded) says a file is a shop.
SHOP_TABLES = ("alembic_version", "programs", "sales", "ledger_entries")
# The files SQLite may keep beside a database while it is open.
_SIDE_FILES = ("-journal", "-wal", "-shm")


def backup(database: Database, target: str | Path) -> Path:
    """A consistent copy of a SQLite database, taken while tills keep selling."""
    if not database.is_sqlite:
        raise Refused(_("backup copies SQLite files; back up a server database with its own"
                        " tools"))
    target = Path(target).expanduser().resolve()
    if target.exists():
        raise Refused(_("{path} already exists; choose a new file name").format(path=target))
    source_path = make_url(database.url).database
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                    dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise CannotWriteFile(_("cannot write a backup to {path}: {reason}").format(
            path=target, reason=exc.strerror or exc)) from None
    temporary = Path(name)
    try:
        _copy(source_path, temporary)
        # mkstemp makes the file private; the copy gets the shop file's own permissions.
        with contextlib.suppress(OSError):
            os.chmod(temporary, stat.S_IMODE(os.stat(source_path).st_mode))
        problem = _problem(temporary)
        if problem:
            raise Refused(_("the backup failed its check ({problem}); nothing was written to"
                            " {path}").format(problem=problem, path=target))
        _sync(temporary)
        if target.exists():  # written by someone else while we copied
            raise Refused(_("{path} already exists; choose a new file name").format(
                path=target))
        os.replace(temporary, target)
    except BaseException as exc:
        _remove(temporary)
        if not isinstance(exc, (sqlite3.Error, OSError)):  # a Refused, or an interruption
            raise
        reason = " ".join(str(getattr(exc, "strerror", None) or exc).split())
        raise Refused(_("the backup to {path} failed ({reason}); nothing was written, try"
                        " again").format(path=target, reason=reason)) from None
    _sync_folder(target.parent)
    return target


def _copy(source_path: str, temporary: Path) -> None:
    """Copy the database with SQLite's online backup (a consistent snapshot)."""
    with contextlib.closing(sqlite3.connect(source_path)) as src, \
            contextlib.closing(sqlite3.connect(temporary)) as dst:
        src.backup(dst)


def _problem(path: Path) -> str | None:
    """What is wrong with the copy at ``path``, or None when it is a whole shop."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        if [tuple(r) for r in rows] != [("ok",)]:
            return _("integrity check: {result}").format(
                result="; ".join(str(r[0]) for r in rows[:3]))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master"
                                             " WHERE type = 'table'")}
        missing = [t for t in SHOP_TABLES if t not in tables]
        if missing:
            return _("it lacks the shop's tables {tables}; is the database a shop?").format(
                tables=", ".join(missing))
        if conn.execute("SELECT version_num FROM alembic_version").fetchone() is None:
            return _("no schema revision in it")
    return None


def _sync(path: Path) -> None:
    """Make the copy's bytes durable before it takes the target's name."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the rename durable, where the system allows a folder to be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(temporary: Path) -> None:
    for path in (temporary, *(temporary.with_name(temporary.name + s) for s in _SIDE_FILES)):
        with contextlib.suppress(OSError):
            path.unlink()
