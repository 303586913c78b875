"""The accountant's export: the sales, lines, payments, refunds and ledger of a date range as CSV.

Each file is UTF-8 with a byte-order mark and a header row, so Excel opens Cyrillic
text as it is; amounts are decimal text with the currency's decimals, never floats.
Rows are streamed from the database in batches, so a year's export needs no more
memory than a day's. All five files come from one read transaction, so they agree
with each other while the tills keep selling; each is written beside its final name
and moved in place at the end, so a failed export leaves no half-written file.

Text typed at the till (descriptions, notes, names) that starts like a spreadsheet
formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, so opening the file
never runs a formula.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from loyaltypos.db import Database
from loyaltypos.db.models import (
    BusinessDay,
    Card,
    LedgerEntry,
    Payment,
    Refund,
    Sale,
    SaleLine,
    User,
)
from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, known_language, speaking
from loyaltypos.domain.money import fmt
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.pricing import QTY_SCALE
from loyaltypos.services.audit import audit
from loyaltypos.services.store import current_program

BATCH = 1000  # rows fetched from the database at a time
# The columns' titles for a person: the files' first row when headers are asked in a
# language; by default the first row is these keys, stable for scripts.
TITLES = {
    "receipt_no": N_("Receipt no."), "sale_id": N_("Sale id"),
    "business_date": N_("Business date"), "local_time": N_("Local time"),
    "cashier": N_("Cashier"), "card_number": N_("Card number"), "tier": N_("Tier"),
    "subtotal": N_("Subtotal"), "discount": N_("Discount"), "redeemed": N_("Cashback paid"),
    "paid": N_("Paid"), "cashback": N_("Cashback earned"), "change": N_("Change given"),
    "line_no": N_("Line no."), "description": N_("Description"), "qty": N_("Quantity"),
    "unit_price": N_("Unit price"), "amount": N_("Amount"), "eligible": N_("In the program"),
    "refund_no": N_("Refund no."), "method": N_("Payment method"), "tendered": N_("Tendered"),
    "refund_id": N_("Refund id"), "user": N_("User"), "money_back": N_("Money back"),
    "restored": N_("Cashback restored"), "reversed": N_("Cashback reversed"),
    "shortfall": N_("Shortfall"), "entry_id": N_("Entry id"), "kind": N_("Kind"),
    "corrects_entry": N_("Corrects entry"), "note": N_("Note"),
}
FILES = ("sales", "sale_lines", "payments", "refunds", "ledger")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class ExportResult:
    """The files written (by name: "sales", "sale_lines", ...) and their data rows."""

    files: dict[str, Path]
    rows: dict[str, int]


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _time(stamp: dt.datetime) -> str:
    return clock.to_local(stamp).strftime("%Y-%m-%d %H:%M:%S")


def _qty(milli: int) -> str:
    return f"{(Decimal(milli) / QTY_SCALE).normalize():f}"


@dataclass(frozen=True)
class _Table:
    columns: tuple[str, ...]
    query: Select
    row: Callable[..., list[str]]


def _tables(start: dt.date, end: dt.date, currency: str) -> dict[str, _Table]:
    def money(units: int | None) -> str:
        return "" if units is None else fmt(units, currency)

    def number(value: int | None) -> str:
        return "" if value is None else str(value)

    in_range = BusinessDay.business_date.between(start, end)
    sold = aliased(Sale)
    sales = _Table(
        ("receipt_no", "sale_id", "business_date", "local_time", "cashier", "card_number",
         "tier", "subtotal", "discount", "redeemed", "paid", "cashback", "change"),
        select(Sale.receipt_no, Sale.id, BusinessDay.business_date, Sale.created_at, User.name,
               Card.number, Sale.tier, Sale.subtotal, Sale.discount, Sale.redeemed, Sale.paid,
               Sale.cashback, Sale.change_given)
        .join(BusinessDay, BusinessDay.id == Sale.day_id)
        .outerjoin(User, User.id == Sale.user_id)
        .outerjoin(Card, Card.id == Sale.card_id)
        .where(in_range)
        .order_by(Sale.receipt_no),
        lambda no, sale_id, date, at, cashier, card, tier, *amounts: [
            str(no), sale_id, date.isoformat(), _time(at), _text(cashier), card or "",
            _text(tier), *(money(a) for a in amounts)],
    )
    lines = _Table(
        ("receipt_no", "line_no", "description", "qty", "unit_price", "amount", "eligible",
         "discount", "redeemed", "paid", "cashback"),
        select(Sale.receipt_no, SaleLine.line_no, SaleLine.description, SaleLine.qty_milli,
               SaleLine.unit_price, SaleLine.amount, SaleLine.eligible, SaleLine.discount,
               SaleLine.redeemed, SaleLine.paid, SaleLine.cashback)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .join(BusinessDay, BusinessDay.id == Sale.day_id)
        .where(in_range)
        .order_by(Sale.receipt_no, SaleLine.line_no),
        lambda no, line_no, desc, qty, price, amount, eligible, *rest: [
            str(no), str(line_no), _text(desc), _qty(qty), money(price), money(amount),
            "yes" if eligible else "no", *(money(a) for a in rest)],
    )
    payments = _Table(
        ("business_date", "receipt_no", "refund_no", "method", "amount", "tendered"),
        select(BusinessDay.business_date, Sale.receipt_no, Refund.refund_no, Payment.method,
               Payment.amount, Payment.tendered)
        .select_from(Payment)
        .join(BusinessDay, BusinessDay.id == Payment.day_id)
        .outerjoin(Sale, Sale.id == Payment.sale_id)
        .outerjoin(Refund, Refund.id == Payment.refund_id)
        .where(in_range)
        .order_by(Payment.id),
        lambda date, receipt_no, refund_no, method, amount, tendered: [
            date.isoformat(), number(receipt_no), number(refund_no), method, money(amount),
            money(tendered)],
    )
    refunds = _Table(
        ("refund_no", "refund_id", "receipt_no", "business_date", "local_time", "user",
         "card_number", "money_back", "restored", "reversed", "shortfall"),
        select(Refund.refund_no, Refund.id, sold.receipt_no, BusinessDay.business_date,
               Refund.created_at, User.name, Card.number, Refund.money_back, Refund.restored,
               Refund.reversed, Refund.shortfall)
        .join(BusinessDay, BusinessDay.id == Refund.day_id)
        .join(sold, sold.id == Refund.sale_id)
        .outerjoin(User, User.id == Refund.user_id)
        .outerjoin(Card, Card.id == Refund.card_id)
        .where(in_range)
        .order_by(Refund.refund_no),
        lambda no, refund_id, receipt_no, date, at, user, card, *amounts: [
            str(no), refund_id, str(receipt_no), date.isoformat(), _time(at), _text(user),
            card or "", *(money(a) for a in amounts)],
    )
    ledger = _Table(
        ("entry_id", "local_time", "business_date", "card_number", "kind", "amount",
         "receipt_no", "refund_no", "user", "note", "corrects_entry"),
        select(LedgerEntry.id, LedgerEntry.created_at, BusinessDay.business_date, Card.number,
               LedgerEntry.kind, LedgerEntry.amount, Sale.receipt_no, Refund.refund_no,
               User.name, LedgerEntry.note, LedgerEntry.corrects_id)
        .join(BusinessDay, BusinessDay.id == LedgerEntry.day_id)
        .join(Card, Card.id == LedgerEntry.card_id)
        .outerjoin(Sale, Sale.id == LedgerEntry.sale_id)
        .outerjoin(Refund, Refund.id == LedgerEntry.refund_id)
        .outerjoin(User, User.id == LedgerEntry.user_id)
        .where(in_range)
        .order_by(LedgerEntry.id),
        lambda entry_id, at, date, card, kind, amount, receipt_no, refund_no, user, note,
        corrects: [
            str(entry_id), _time(at), date.isoformat(), card, kind, money(amount),
            number(receipt_no), number(refund_no), _text(user), _text(note), number(corrects)],
    )
    return {"sales": sales, "sale_lines": lines, "payments": payments, "refunds": refunds,
            "ledger": ledger}


def _stream(session: Session, query: Select) -> Iterator:
    # yield_per: rows arrive in batches from an open cursor, never all at once.
    yield from session.execute(query, execution_options={"yield_per": BATCH})


def _folder(folder: str | Path) -> Path:
    if not str(folder).strip():  # Path("") is the current folder: never export there unasked
        raise Refused(_("name the folder to export to"))
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise Refused(_("{path} is a file, not a folder; choose a folder for the export").format(
            path=target))
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Refused(_("cannot write to {path}: {problem}; choose another folder").format(
            path=target, problem=exc.strerror or exc)) from None
    return target


def _write_csv(path: Path, columns: Iterable[str], rows: Iterable[list[str]],
               progress: Callable[[int], None] | None, delimiter: str) -> int:
    count = 0
    # utf-8-sig writes the byte-order mark Excel looks for; newline="" lets csv end rows.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
            if progress is not None and count % BATCH == 0:
                progress(count)
    return count


DELIMITERS = (",", ";", "\t")


def headers(columns: Iterable[str], language: str | None) -> list[str]:
    """The first row of a file: the columns' keys (None), or their titles in ``language``."""
    if language is None:
        return list(columns)
    with speaking(known_language(language)):
        return [_(TITLES[column]) for column in columns]


def export_range(db: Database, *, actor: Actor, start: dt.date, end: dt.date,
                 folder: str | Path, progress: Progress | None = None,
                 delimiter: str = ",", titles: str | None = None) -> ExportResult:
    """Write sales.csv, sale_lines.csv, payments.csv, refunds.csv and ledger.csv to ``folder``
    (manager; audited once the files are in place).

    They hold the business days dated ``start`` to ``end``, both included; files of the
    same names in the folder are replaced. ``progress(file, rows)`` is called every
    thousand rows, for a progress bar. ``delimiter`` is "," by default; Excel with
    Russian, German or French settings expects ";". ``titles`` names the columns for a
    person in that language ("ru"); by default the first row is the columns' stable keys
    (``receipt_no``, ``paid``...). The values are the same either way.
    """
    if delimiter not in DELIMITERS:
        raise Refused(_("the separator is a comma, a semicolon or a tab"))
    if start > end:
        raise Refused(_("the export starts on {start}, after it ends on {end}; swap the dates"
                        ).format(start=start.isoformat(), end=end.isoformat()))
    require_manager(actor, _("exporting sales"))
    first_rows = {name: headers(table.columns, titles)
                  for name, table in _tables(start, end, "RUB").items()}
    target = _folder(folder)
    parts = {name: target / f".{name}.csv.part" for name in FILES}
    rows: dict[str, int] = {}
    try:
        with db.read() as s:
            tables = _tables(start, end, current_program(s).currency)
            for name in FILES:
                table = tables[name]
                step = (lambda n, name=name: progress(name, n)) if progress else None
                rows[name] = _write_csv(parts[name], first_rows[name],
                                        (table.row(*r) for r in _stream(s, table.query)), step,
                                        delimiter)
        files = {name: target / f"{name}.csv" for name in FILES}
        for name in FILES:
            os.replace(parts[name], files[name])
        with db.write() as s:  # once the files are in place: a refused export writes nothing
            audit(s, actor, "export", f"{start.isoformat()}..{end.isoformat()}",
                  folder=str(target), rows=rows)
    except OSError as exc:
        raise Refused(_("cannot write to {path}: {problem}; choose another folder").format(
            path=target, problem=exc.strerror or exc)) from None
    finally:
        for part in parts.values():
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
    return ExportResult(files=files, rows=rows)
