"""The product catalog: barcodes and SKUs, names, prices, and who earns loyalty on what.

Products are ordinary rows, edited in place: a new price replaces the old one (a
sale keeps its own description and price on its lines). Changing the catalog is a
manager action and is audited. Codes are free text (SKUs) or digits (EAN/UPC
barcodes); check digits are not checked, a shop may print its own labels.

A code is trimmed, at most 64 characters, and every character must be printable
(``str.isprintable``: no control, format, private-use or unassigned character, no
line break, no space other than the plain one). A name is trimmed, at most 200
characters, and follows :func:`loyaltypos.domain.text.clean_text` (no control or
format character), as the receipt prints it.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import Product
from loyaltypos.documents.files import open_to_read
from loyaltypos.domain import clock, csvfile
from loyaltypos.domain.errors import BadAmount, Refused
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.domain.money import parse_amount
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.text import clean_text
from loyaltypos.services.audit import audit
from loyaltypos.services.store import current_program

MAX_CODE = 64
MAX_NAME = 200
# In minor units. Far above any shelf price; what is above it is a slip in the decimals
# (and would not fit the database's integer).
MAX_PRICE = 10**12
MAX_FILE_BYTES = 20 * 2**20
BATCH_ROWS = 500  # products looked up and written at once: few SQL variables, little memory
COLUMNS = ("code", "name", "price", "eligible")
REQUIRED_COLUMNS = ("code", "name", "price")
_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})
_THE_FILE = N_("the file")  # a catalog's text that came without a file name


class BadProduct(Refused):
    """A product's code, name or price cannot be stored."""


class ProductFileWrong(Refused):
    """A catalog file cannot be read, or one of its rows is bad; nothing was imported."""


@dataclass(frozen=True)
class ProductInfo:
    id: int
    code: str
    name: str
    price: int
    eligible: bool
    active: bool


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ProductRow:
    """One checked row of a catalog file. ``eligible`` is None where the file says nothing."""

    line: int
    code: str
    name: str
    price: int
    eligible: bool | None


# ---------------------------------------------------------------- rules


def normalize_code(text: str) -> str:
    """A code as stored: trimmed; a barcode typed in groups ("4 607001 234567") joined up."""
    code = (text or "").strip()
    joined = re.sub(r"\s+", "", code)
    return joined if joined.isascii() and joined.isdigit() else code


def check_code(text: str) -> str:
    code = normalize_code(text)
    if not code:
        raise BadProduct(_("a product needs a code: scan its barcode or type its SKU"))
    if len(code) > MAX_CODE:
        raise BadProduct(_("the code '{code}...' is too long ({most} characters at most)").format(
            code=code[:20], most=MAX_CODE))
    if not code.isprintable():
        raise BadProduct(_("the code {code} has characters that cannot be printed; retype it"
                           ).format(code=repr(code)))
    return code


def check_name(text: str) -> str:
    name = (text or "").strip()
    if not name:
        raise BadProduct(_("a product needs a name, as the receipt will show it"))
    if len(name) > MAX_NAME:
        raise BadProduct(_("the name is too long ({most} letters at most)").format(most=MAX_NAME))
    if name.isprintable():
        # No control, format, unassigned or separator character but the plain space, so
        # nothing clean_text refuses: a catalog's 250,000 names skip its slower look.
        return name
    return clean_text(name, field=_("the product's name"), most=MAX_NAME, error=BadProduct)


def check_price(price: int) -> int:
    if isinstance(price, bool) or not isinstance(price, int):
        raise TypeError("a price is an int of minor units, never a float or text")
    if price < 0:
        raise BadAmount(_("a price cannot be negative; a free product has price 0"))
    if price > MAX_PRICE:
        raise BadAmount(_("the price is too large; check the decimals"))
    return price


def _flag(value: bool, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} is True or False")
    return value


_INFO_COLUMNS = (Product.id, Product.code, Product.name, Product.price, Product.eligible,
                 Product.active)


def _info(p: Product) -> ProductInfo:
    return ProductInfo(id=p.id, code=p.code, name=p.name, price=p.price, eligible=p.eligible,
                       active=p.active)


# ---------------------------------------------------------------- looking up


def find_product(db: Database, *, code: str) -> ProductInfo | None:
    """The active product with a scanned or typed code, or None if the shop does not sell it."""
    clean = normalize_code(code)
    if not clean or len(clean) > MAX_CODE:
        return None
    with db.read() as s:
        product = s.scalar(
            select(Product).where(Product.code == clean, Product.active.is_(True))
        )
        return _info(product) if product is not None else None


def search_products(db: Database, *, text: str, limit: int = 50) -> list[ProductInfo]:
    """Active products whose code starts with ``text`` or whose name contains it, any case.

    Codes that match come first, then the rest by name. Matching is done here with
    Unicode case folding, because SQLite's ``lower()`` only knows ASCII letters and
    a shop's catalog is small.
    """
    needle = (text or "").strip().casefold()
    code_needle = normalize_code(text).casefold()
    if not needle or limit <= 0:
        return []
    with db.read() as s:
        rows = s.execute(select(*_INFO_COLUMNS).where(Product.active.is_(True))).all()
    found = []
    for row in rows:
        p = ProductInfo(*row)
        by_code = p.code.casefold().startswith(code_needle)
        if by_code or needle in p.name.casefold():
            found.append((not by_code, p.name.casefold(), p.code, p))
    found.sort(key=lambda hit: hit[:3])
    return [hit[3] for hit in found[:limit]]


def list_products(db: Database, *, include_inactive: bool = False) -> list[ProductInfo]:
    """The catalog by name; products taken off sale only when asked for."""
    with db.read() as s:
        query = select(*_INFO_COLUMNS)
        if not include_inactive:
            query = query.where(Product.active.is_(True))
        products = [ProductInfo(*row) for row in s.execute(query)]
    return sorted(products, key=lambda p: (p.name.casefold(), p.code))


# ---------------------------------------------------------------- changing


def save_product(
    db: Database,
    *,
    actor: Actor,
    code: str,
    name: str,
    price: int,
    eligible: bool = True,
    active: bool = True,
) -> ProductInfo:
    """Add a product, or change the one with this code (manager; audited).

    ``eligible=False`` keeps a product out of the loyalty program (gift cards,
    tobacco); ``active=False`` takes it off sale without forgetting it. Saving a
    product exactly as it is writes nothing.
    """
    require_manager(actor, _("changing the product catalog"))
    code = check_code(code)
    wanted = {
        "name": check_name(name),
        "price": check_price(price),
        "eligible": _flag(eligible, "eligible"),
        "active": _flag(active, "active"),
    }
    with db.write() as s:
        product = s.scalar(select(Product).where(Product.code == code).with_for_update())
        if product is None:
            product = Product(code=code, updated_at=clock.now(), **wanted)
            s.add(product)
            audit(s, actor, "product_add", code, **wanted)
        else:
            before = {k: getattr(product, k) for k, v in wanted.items()
                      if getattr(product, k) != v}
            if before:
                for key in before:
                    setattr(product, key, wanted[key])
                product.updated_at = clock.now()
                audit(s, actor, "product_change", code, before=before,
                      after={k: wanted[k] for k in before})
        s.flush()
        return _info(product)


def import_products_csv(db: Database, *, actor: Actor, path: str | Path) -> ImportResult:
    """Add and update products from a CSV file (manager; audited): every row or none.

    The format is described by :func:`parse_products_csv`. Products the file does not
    mention are left as they are; a product in the file is on sale again. Where the
    file says nothing about ``eligible``, a new product is eligible and a known one
    keeps its setting, so a price list never puts tobacco back into the program.

    The file is read a line at a time and written in batches of :data:`BATCH_ROWS`, all in
    one transaction: a shop's whole catalog (20 MB) never sits in memory, and a bad row
    near its end still leaves the database as it was.
    """
    require_manager(actor, _("importing products"))
    path = Path(path)
    with _opened(path) as handle, db.write() as s:
        rows = _products(_decoded(_file_lines(handle, path), path.name),
                         currency=current_program(s).currency, source=path.name)
        stored = _Stored(now=clock.now())
        while batch := list(itertools.islice(rows, BATCH_ROWS)):
            stored.write(s, batch)
        audit(s, actor, "product_import", path.name[:120], added=stored.added,
              updated=len(stored.updated), unchanged=stored.unchanged,
              updated_codes=stored.updated)
    return ImportResult(added=stored.added, updated=len(stored.updated),
                        unchanged=stored.unchanged)


@dataclass
class _Stored:
    """What an import has written so far: plain rows in bulk, no ORM object per product."""

    now: dt.datetime
    added: int = 0
    unchanged: int = 0
    updated: list[str] = field(default_factory=list)

    def write(self, s: Session, batch: list[ProductRow]) -> None:
        known = {p.code: p for p in s.execute(
            select(*_INFO_COLUMNS).where(Product.code.in_([row.code for row in batch]))
            .with_for_update())}
        new, changed = [], []
        for row in batch:
            product = known.get(row.code)
            if product is None:
                eligible = True if row.eligible is None else row.eligible
                new.append({"code": row.code, "name": row.name, "price": row.price,
                            "eligible": eligible, "active": True, "updated_at": self.now})
                continue
            eligible = product.eligible if row.eligible is None else row.eligible
            wanted = (row.name, row.price, eligible, True)
            if (product.name, product.price, product.eligible, product.active) == wanted:
                self.unchanged += 1
                continue
            changed.append({"id": product.id, "name": row.name, "price": row.price,
                            "eligible": eligible, "active": True, "updated_at": self.now})
            self.updated.append(row.code)
        if new:
            s.execute(insert(Product.__table__), new)
            self.added += len(new)
        if changed:
            s.execute(update(Product), changed)


# ---------------------------------------------------------------- the CSV file


def _too_large(path: Path) -> ProductFileWrong:
    return ProductFileWrong(
        _("{name} is too large for a product list ({most} MB at most); nothing was"
          " imported").format(name=path.name, most=MAX_FILE_BYTES // 2**20))


def _cannot_read(path: Path, exc: OSError) -> ProductFileWrong:
    return ProductFileWrong(_("cannot read {path}: {problem}").format(
        path=path, problem=exc.strerror or exc))


@contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    """The catalog file open for reading, once it is known to be a file within the limit."""
    with open_to_read(path, most_bytes=MAX_FILE_BYTES, refuse=ProductFileWrong,
                      too_large=_too_large) as handle:
        yield handle


def _file_lines(handle: BinaryIO, path: Path) -> Iterator[bytes]:
    """The file's lines as bytes, each up to its newline. A file that grows past the limit
    while it is read is refused, and at most one byte more than allowed is read."""
    left = MAX_FILE_BYTES
    while True:
        try:
            raw = handle.readline(left + 1)
        except OSError as exc:
            raise _cannot_read(path, exc) from None
        if not raw:
            return
        left -= len(raw)
        if left < 0:
            raise _too_large(path)
        yield raw


def _decoded(lines: Iterable[bytes], source: str) -> Iterator[str]:
    """UTF-8 lines, a byte order mark dropped, split as ``csv`` wants them (``newline=""``).

    Splitting at a newline never cuts a UTF-8 character, so each line decodes on its own and a
    byte that is not UTF-8 is found on its line.
    """
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProductFileWrong(
                _("{source} line {line}: not UTF-8 text; save the file as 'CSV UTF-8' and import"
                  " again (nothing was imported)").format(source=source, line=number)
            ) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        if "\r" in text and not (text.endswith("\r\n") and text.count("\r") == 1):
            yield from io.StringIO(text, newline="")  # old Mac files end lines with \r alone
        else:
            yield text


def _columns(cells: list[str]) -> list[str]:
    columns = [c.strip().casefold() for c in cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise BadProduct(
            _("the first line must name the columns {columns} (eligible may be left out);"
              " {missing} is missing").format(columns=",".join(COLUMNS),
                                               missing=", ".join(missing))
        )
    for column in columns:
        if column not in COLUMNS:
            raise BadProduct(_("unknown column '{column}'; the columns are {columns}").format(
                column=column, columns=", ".join(COLUMNS)))
        if columns.count(column) > 1:
            raise BadProduct(_("the column '{column}' is there twice").format(column=column))
    return columns


def _eligible(cell: str) -> bool | None:
    value = cell.strip().casefold()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise BadProduct(_("eligible is '{value}'; write yes or no").format(value=cell.strip()))


def parse_products_csv(data: bytes | str, *, currency: str,
                       source: str | None = None) -> list[ProductRow]:
    """Check a whole catalog file and return its rows; the first bad row refuses it all.

    The first line names the columns: ``code,name,price`` and optionally ``eligible``
    (yes/no/true/false/1/0; empty means "not said"). Columns are separated by commas or
    semicolons, whichever the first line uses. Prices are in major units with at most
    the currency's decimals ("129.90", or "129,90" in a semicolon file). UTF-8, with
    or without a byte order mark. Blank lines are skipped. A refusal names the line, and
    the file by ``source`` (its name) when it is given.
    """
    source = _(_THE_FILE) if source is None else source
    if isinstance(data, str):
        lines: Iterator[str] = iter(io.StringIO(data.removeprefix("\ufeff"), newline=""))
    else:
        lines = _decoded(io.BytesIO(data), source)
    return list(_products(lines, currency=currency, source=source))


def _products(lines: Iterator[str], *, currency: str, source: str) -> Iterator[ProductRow]:
    """The rows of a catalog file, checked one at a time as its lines are read (see
    :func:`parse_products_csv`); a bad row raises when it is reached."""
    seen: dict[str, int] = {}
    columns: list[str] | None = None
    for line, cells, sep in csvfile.rows(lines, source=source, required=REQUIRED_COLUMNS,
                                         refuse=ProductFileWrong):
        try:
            if columns is None:
                columns = _columns(cells)
                continue
            row = _row(cells, columns, line, currency, sep)
            if row.code in seen:
                raise BadProduct(_("the code {code} is already on line {line}").format(
                    code=row.code, line=seen[row.code]))
        except Refused as exc:
            raise ProductFileWrong(_("{source} line {line}: {problem}; nothing was imported"
                                     ).format(source=source, line=line, problem=exc)
                                   ) from None
        seen[row.code] = line
        yield row
    if not seen:
        raise ProductFileWrong(_("{source} has no products under its first line; nothing was"
                                 " imported").format(source=source))


def _row(cells: list[str], columns: list[str], line: int, currency: str,
         sep: str) -> ProductRow:
    extra = cells[len(columns):]
    if any(c.strip() for c in extra):
        raise BadProduct(
            ngettext("{values} value for {columns} columns; put a name with a '{sep}' in"
                     " \"double quotes\"",
                     "{values} values for {columns} columns; put a name with a '{sep}' in"
                     " \"double quotes\"",
                     len(cells)).format(values=len(cells), columns=len(columns), sep=sep)
        )
    value = dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=False))
    code = check_code(value["code"])
    name = value["name"].strip()
    if not name:
        raise BadProduct(_("the product {code} has no name").format(code=code))
    name = check_name(name)
    price_text = value["price"].strip()
    if not price_text:
        raise BadProduct(_("the product {code} has no price").format(code=code))
    price = check_price(parse_amount(price_text, currency))
    return ProductRow(line=line, code=code, name=name, price=price,
                      eligible=_eligible(value.get("eligible", "")))
