"""Reading a CSV file a shop hands over (a price list, an old till's export) row by row:
the separator its header shows, blank lines skipped, the line each row starts on, and a
quote left open refused with where it is."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _

SEPARATORS = (",", ";")


def _split(line: str, sep: str) -> list[str]:
    return [c.strip().casefold() for c in next(csv.reader([line], delimiter=sep))]


def separator(header: str, required: Sequence[str]) -> str:
    """The separator that makes the header name the ``required`` columns (comma if none)."""
    for sep in SEPARATORS:
        if set(required) <= set(_split(header, sep)):
            return sep
    return SEPARATORS[0]


def rows(lines: Iterator[str], *, source: str, required: Sequence[str],
         refuse: type[Refused]) -> Iterator[tuple[int, list[str], str]]:
    """(line number, cells, separator) of each row with something in it, the header
    first. An empty file, or a quote not closed, raises ``refuse`` saying nothing was
    imported."""
    head = []
    for raw in lines:
        head.append(raw)
        if raw.strip():
            break
    else:
        raise refuse(_("{source} is empty; nothing was imported").format(source=source))
    reader = csv.reader(itertools.chain(head, lines), delimiter=separator(head[-1], required),
                        strict=True)
    while True:
        line = reader.line_num + 1  # where the next row starts
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = (_("a quote is not closed") if "end of data" in str(exc)
                       else _("{problem}, check the quotes").format(problem=exc))
            raise refuse(_("{source} line {line}: {problem}; nothing was imported").format(
                source=source, line=line, problem=problem)) from None
        if any(c.strip() for c in cells):
            yield line, cells, reader.dialect.delimiter
