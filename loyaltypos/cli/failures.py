"""Exit codes, and the line a person reads when a command does not finish.

0 done; 1 refused by a rule (nothing written); 2 bad usage; 3 the database failed or
cannot be opened (busy past the timeout, unreachable, disk full, not a database);
4 internal error: a fault of the program, written with its traceback to the log file
in the user's log folder. Never a traceback on the terminal.

The wording of refusals and database failures is the till's
(:func:`loyaltypos.services.failures.explain`), so both say the same thing.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_dir

from loyaltypos.cli.common import PROG
from loyaltypos.domain.i18n import _
from loyaltypos.services.failures import explain

OK = 0
REFUSED = 1
USAGE = 2
DATABASE = 3
INTERNAL = 4
INTERRUPTED = 130  # the shell's code for Ctrl+C

log = logging.getLogger("loyaltypos.cli")


def log_file() -> Path:
    """Where faults are written: the same file as the app's, in the user's log folder."""
    return Path(user_log_dir("loyaltypos", appauthor=False)) / "loyaltypos.log"


def say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _problem(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _newer_schema(exc: BaseException) -> bool:
    """Alembic's refusal of a database written by a newer LoyaltyPOS (alembic is loaded only
    when a migration runs, so it is looked up, not imported)."""
    alembic_exc = sys.modules.get("alembic.util.exc")
    return alembic_exc is not None and isinstance(exc, alembic_exc.CommandError)


def _open_detail(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # the driver's own error inside SQLAlchemy's
    if orig is not None:
        return _first_line(orig)
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return _first_line(exc)


def cannot_open(exc: Exception, command: str) -> int:
    """Report an error raised while the database was being opened; returns the exit code."""
    failure = explain(exc)
    if failure is not None and failure.kind == "refused":
        say(failure.text)
        return REFUSED
    detail = _open_detail(exc)
    if _newer_schema(exc):
        say(_("cannot open the database: a newer LoyaltyPOS has changed it ({detail});"
              " open it with that version").format(detail=detail))
    elif failure is None:
        return internal_error(exc, command)
    elif "locked" in detail or "busy" in detail:
        say(_("cannot open the database: it is busy ({detail}); try again in a moment, and"
              " check that no other program holds it").format(detail=detail))
    elif _server_unreachable(exc):
        say(_("cannot open the database ({detail}); check --db or LOYALTYPOS_DB, and that the"
              " server is running and can be reached from here").format(detail=detail))
    else:
        say(_("cannot open the database ({detail}); check --db or LOYALTYPOS_DB, and that the"
              " file can be read and written").format(detail=detail))
    return DATABASE


def _server_unreachable(exc: BaseException) -> bool:
    """A PostgreSQL server that did not answer (no SQL state: no conversation at all)."""
    orig = getattr(exc, "orig", None)
    return orig is not None and type(orig).__module__.startswith("psycopg") \
        and getattr(orig, "sqlstate", None) is None


def failed(exc: Exception, command: str) -> int:
    """Report an error raised by a command; returns the exit code."""
    failure = explain(exc)
    if failure is not None and failure.kind == "refused":
        say(failure.text)
        return REFUSED
    if failure is not None and failure.kind == "database":
        say(failure.text)
        return DATABASE
    # A file or device error that escaped the services is a fault too: they check files
    # before writing and refuse in words.
    return internal_error(exc, command)


class _FaultLog(RotatingFileHandler):
    """The app's log policy (1 MB, three old files); a record that cannot be written raises
    instead of printing logging's own traceback."""

    def handleError(self, record: logging.LogRecord) -> None:
        raise  # emit() calls this inside its except block: re-raise what failed


def write_fault(exc: BaseException, command: str, path: Path) -> None:
    """Append ``exc`` with its traceback to ``path``; raises OSError when it cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _FaultLog(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    try:
        log.error("internal error in '%s'", command, exc_info=exc)
    finally:
        log.removeHandler(handler)
        handler.close()


def internal_error(exc: BaseException, command: str) -> int:
    """A fault of the program: one line for the person, the traceback for the log."""
    say(_("internal error ({problem}); this is a fault of the program, not of what you"
          " typed").format(problem=_problem(exc)))
    path = log_file()
    try:
        write_fault(exc, command, path)
    except Exception as log_exc:  # whatever stopped the log, the person is told
        why = getattr(log_exc, "strerror", None) or _first_line(log_exc)
        say(_("the details could not be written to {path} ({why})").format(path=path, why=why))
    else:
        say(_("the details are in {path}; send that file with a note of what you ran").format(
            path=path))
    return INTERNAL
