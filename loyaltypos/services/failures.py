"""What went wrong, in the words of the person at the till or at the command line.

A rule's refusal already speaks to the cashier. A database that is locked, gone or
full, and a file or device that cannot be reached, raise the library's own errors;
:func:`explain` turns each into one sentence that says what happened and what to do,
and says that nothing was saved (every service call is one transaction). Anything
else is a fault of the program: :func:`explain` returns None and the caller logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import exc as sa_exc

from loyaltypos.db.engine import is_transient
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _

Kind = Literal["refused", "database", "unreachable", "file"]


@dataclass(frozen=True)
class Failure:
    kind: Kind
    text: str


def _detail(exc: sa_exc.DBAPIError) -> str:
    text = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
    return text or type(exc).__name__


def explain(exc: BaseException) -> Failure | None:
    """One sentence for an expected failure; None for a fault of the program."""
    if isinstance(exc, Refused):
        return Failure("refused", str(exc))
    if isinstance(exc, sa_exc.DBAPIError) and is_transient(exc):
        # still failing after the services tried again for a few seconds
        return Failure("unreachable", _(
            "the server does not answer ({detail}). Nothing was saved; try again, and check"
            " the network and the server if it goes on").format(detail=_detail(exc)))
    if isinstance(exc, sa_exc.OperationalError):
        detail = _detail(exc)
        if any(word in detail for word in ("locked", "busy", "lock timeout", "deadlock",
                                               "could not serialize")):
            return Failure("database", _(
                "the database is busy: another till or program is writing to it ({detail})."
                " Nothing was saved; try again in a moment").format(detail=detail))
        if "disk is full" in detail or "No space left" in detail:
            return Failure("database", _(
                "the disk is full ({detail}). Nothing was saved; free some space on the disk"
                " that holds the database, then try again").format(detail=detail))
        if "readonly" in detail or "read-only" in detail:
            return Failure("database", _(
                "the database can only be read here ({detail}). Nothing was saved; check the"
                " file's permissions or the disk, then try again").format(detail=detail))
        return Failure("database", _(
            "the database cannot be reached ({detail}). Nothing was saved; check the"
            " connection or the disk, then try again").format(detail=detail))
    guard = getattr(getattr(exc, "orig", None), "sqlstate", None) == "P0001"
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError) or guard:
        # a constraint, or one of the server's guard triggers (RAISE EXCEPTION: P0001)
        return Failure("database", _(
            "the database refused the change ({detail}). Nothing was saved").format(
            detail=_detail(exc)))
    if isinstance(exc, sa_exc.DBAPIError):  # a closed or broken connection, a driver fault
        return Failure("database", _(
            "the connection to the database failed ({detail}). Nothing was saved; try again,"
            " and restart the app if it goes on").format(detail=_detail(exc)))
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return Failure("database", _(
            "the database failed ({detail}). Nothing was saved").format(
            detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return Failure("file", _("{problem}{where}; check the disk or the device").format(
            problem=exc.strerror or str(exc) or type(exc).__name__, where=where))
    return None
