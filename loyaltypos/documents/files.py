"""Writing a document to disk whole or not at all, and opening a file a shop hands over.

Every file the program saves (card sheets, receipts, reports) is written beside its
target under a hidden temporary name and moved in place, so a full disk or a crash
never leaves half a PDF where the shop expects a whole one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from loyaltypos.domain.errors import CannotWriteFile
from loyaltypos.domain.i18n import _

T = TypeVar("T")


def open_to_read(path: Path, *, most_bytes: int, refuse: type[Exception],
                 too_large: Callable[[Path], Exception]) -> BinaryIO:
    """``path`` open for reading, once it is known to be a regular file of at most
    ``most_bytes``; each problem is a ``refuse`` saying what to do (``too_large(path)`` for
    a file over the limit)."""
    try:
        if path.exists() and not path.is_file() and not path.is_dir():
            # A device or a pipe (/dev/zero) has no size to check and may never end.
            raise refuse(_("{path} is not a file; choose a CSV file").format(path=path))
        if path.stat().st_size > most_bytes:
            raise too_large(path)
        return path.open("rb")
    except FileNotFoundError:
        raise refuse(_("no file {path}; check the name and the folder").format(
            path=path)) from None
    except IsADirectoryError:
        raise refuse(_("{path} is a folder; choose the CSV file in it").format(
            path=path)) from None
    except OSError as exc:
        raise refuse(_("cannot read {path}: {problem}").format(
            path=path, problem=exc.strerror or exc)) from None


def check_writable(path: str | Path) -> Path:
    """Refuse a path that cannot be written, before any work (or any card) is done."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise CannotWriteFile(_("{path} is a folder; give a file name such as {name}.pdf").format(
            path=target, name=target.name or _("document")))
    folder = target.parent
    if not folder.is_dir():
        raise CannotWriteFile(_("cannot write {path}: there is no folder {folder}").format(
            path=target, folder=folder))
    if target.exists() and not os.access(target, os.W_OK):
        raise CannotWriteFile(_("cannot write {path}: permission denied; choose another folder"
                                ).format(path=target))
    probe = part_name(target)
    try:  # the only sure test is to write: permissions, a read-only disk, /proc, ...
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        probe.unlink()
    except OSError as exc:
        raise CannotWriteFile(_("cannot write {path}: {problem}; choose another folder").format(
            path=target, problem=exc.strerror or exc)) from None
    return target


def part_name(target: Path) -> Path:
    """A hidden name beside ``target`` for the file while it is being written."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


def write_atomic(path: str | Path, write: Callable[[BinaryIO], T]) -> T:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it in place.

    Returns what ``write`` returned. On any error the temporary file is removed and
    nothing is left at ``path`` that was not there before.
    """
    target = check_writable(path)
    part = part_name(target)
    try:
        # os.open with 0o666 leaves the mode to the umask, like any file the user saves.
        handle = os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    except OSError as exc:
        raise CannotWriteFile(_("cannot write {path}: {problem}").format(
            path=target, problem=exc.strerror or exc)) from None
    try:
        with handle:
            result = write(handle)
        os.replace(part, target)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise CannotWriteFile(_("cannot write {path}: {problem}; choose another folder").format(
            path=target, problem=exc.strerror or exc)) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return result
