"""A consistent copy of a shop's database, taken while the tills keep selling: a SQLite
file with SQLite's online backup, a server's database with ``pg_dump`` (custom format,
restored with ``pg_restore``; README, "Several tills on one PostgreSQL server").

The copy is whole or it is not there: it is written to a hidden temporary file beside
the target, checked (``PRAGMA integrity_check``, the shop's tables and schema revision),
and only then renamed into place. A copy that fails or is interrupted leaves no file
under the target's name, so it can never be restored as an empty shop and a retry under
the same name works.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
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
    """A consistent copy of the database, taken while tills keep selling."""
    target = Path(target).expanduser().resolve()
    if target.exists():
        raise Refused(_("{path} already exists; choose a new file name").format(path=target))
    source_path = make_url(database.url).database if database.is_sqlite else None
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
        if database.is_sqlite:
            _copy(source_path, temporary)
            # mkstemp makes the file private; the copy gets the shop file's own permissions.
            with contextlib.suppress(OSError):
                os.chmod(temporary, stat.S_IMODE(os.stat(source_path).st_mode))
            problem = _problem(temporary)
        else:  # a dump holds every PIN hash and customer: it stays private to its owner
            problem = _dump(database.url, temporary)
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


def _server_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on the PATH, or the newest of Debian's server folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name)
                        if p.parent.parent.name.isdigit() else 0)
    if not candidates:
        raise Refused(_("{tool} is not installed here; install PostgreSQL's client tools"
                        " (Debian: apt-get install postgresql-client)").format(tool=name))
    return str(candidates[-1])


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The server URL as PostgreSQL's own tools take it, and its password as their
    environment (so it never shows in the list of running programs)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _dump(url: str, temporary: Path) -> str | None:
    """Dump the server's database into ``temporary``; what is wrong, or None."""
    address, env = _libpq(url)
    done = subprocess.run([_server_tool("pg_dump"), "--format=custom", "--no-owner",
                           f"--file={temporary}", f"--dbname={address}"],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return _("pg_dump: {error}").format(error=_first_line(done.stderr))
    listed = subprocess.run([_server_tool("pg_restore"), "--list", str(temporary)],
                            env=env, capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        return _("pg_restore cannot read it: {error}").format(error=_first_line(listed.stderr))
    missing = [t for t in SHOP_TABLES if f"TABLE DATA public {t} " not in listed.stdout]
    if missing:
        return _("it lacks the shop's tables {tables}; is the database a shop?").format(
            tables=", ".join(missing))
    return None


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "?"


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
