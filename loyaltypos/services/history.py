"""Purchases from before the program: a shop's past sales, imported from a CSV file.

An old till's export or a bank statement gives the insight figures a history to start
from. Imported purchases earn nothing: they never touch the ledger, a balance, a card's
spend or its tier. They are facts (written once, never changed), grouped by the file
they came from.

The file
- CSV, UTF-8 (a byte order mark is fine), separated by commas or semicolons, whichever
  makes the first line name the columns. The first line (line 1) names the columns
  ``date,card,amount`` and optionally ``receipt``, in any order and any case; another
  column, or a column named twice, refuses the file. Blank lines are skipped.
- ``date``: the business date of the purchase, ``YYYY-MM-DD`` or ``DD.MM.YYYY``. Not
  before 2000-01-01 (a year typed wrong), not in the future (the till's local date), and
  strictly before the shop's first business day, if it has one: from that day on the
  purchases are on the ledger already, and importing them would count them twice.
- ``card``: a card number (13 digits, spaces and dashes ignored) of any card, a replaced
  or blocked one too: the purchase is stored on that card and the figures follow its
  lineage. Or a customer's phone (as :func:`~loyaltypos.services.cards.normalize_phone`
  writes it): the purchase goes on that customer's card in use now. A text that is both a
  valid card number and a phone is looked up as a card first. Bearer cards are refused:
  they are anonymous, not customers.
- ``amount``: more than zero, in the shop's currency, with at most its decimals, read
  exactly into minor units ("1250.50", "1 250,50"; a decimal comma in a comma-separated
  file needs "double quotes").
- ``receipt``: optional, the old till's receipt number, at most 64 printable characters.

All or nothing
- Every problem of every row is collected, each with its line number, and the file is
  refused if there is any: nothing is written. The refusal lists the first
  :data:`MAX_SHOWN` problems and says how many more there are (all of them are on the
  exception's ``problems``). A file without rows is refused, and so is, at once and
  naming the line, one that cannot be read as such a CSV at all (not UTF-8, a first line
  without the columns, a quote left open).
- A file is known by the SHA-256 of its bytes: the same file twice is refused, naming
  when and by whom it was imported.
- A row whose (card lineage, date, amount, receipt) is already imported, from another
  file, is skipped as already known, and counted. Identical rows in one file are
  separate purchases (two coffees on one day), so a key imported twice before skips two
  such rows of a new file, not more. If every row is known, nothing is written and the
  result says so (``imported == 0``).
- A manager imports (:func:`import_history_csv`), in one transaction: the audit line
  ``history_import`` first, then the file's row, then its purchases in bulk.
  :func:`check_history_csv` runs the same checks and writes nothing (a preview).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.models import BusinessDay, Card, Customer, HistoryImport, ImportedPurchase, User
from loyaltypos.documents.files import open_to_read
from loyaltypos.domain import cardnumbers, clock, csvfile
from loyaltypos.domain.errors import (
    BadAmount,
    BadCustomer,
    CardNumberWrong,
    CheckDigitWrong,
    Refused,
)
from loyaltypos.domain.i18n import _, date_text, ngettext
from loyaltypos.domain.money import parse_amount
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services.audit import audit
from loyaltypos.services.cards import normalize_phone
from loyaltypos.services.store import shop_currency

COLUMNS = ("date", "card", "amount", "receipt")
REQUIRED_COLUMNS = ("date", "card", "amount")
MAX_FILE_BYTES = 20 * 2**20  # about 500,000 rows: all of them are checked before any is written
MAX_RECEIPT = 64
MAX_SHOWN = 20  # problems named in the refusal; the rest are counted
EARLIEST = dt.date(2000, 1, 1)
LOOKUP_CHUNK = 500  # keys per IN (...) query: well inside any database's limit on variables
INSERT_CHUNK = 10_000

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_GROUP_SPACES = str.maketrans("", "", "\u202f\u2009")  # thin spaces between thousands


class HistoryFileWrong(Refused):
    """A history file cannot be read, or some of its rows are bad; nothing was imported.

    ``problems`` holds every problem found, each starting with its line ("line 7: ...").
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class HistoryAlreadyImported(HistoryFileWrong):
    """The same file (the same bytes) was imported before."""


@dataclass(frozen=True)
class HistoryImportResult:
    """What an import wrote, or (from :func:`check_history_csv`) would write.

    ``customers`` counts card lineages among the purchases imported; ``first_date``,
    ``last_date`` and ``total`` (minor units) are theirs, None and 0 when nothing is new.
    """

    file_name: str
    rows_in_file: int
    imported: int
    already_known: int
    customers: int
    first_date: dt.date | None
    last_date: dt.date | None
    total: int

    @property
    def nothing_new(self) -> bool:
        return self.imported == 0


@dataclass(frozen=True)
class HistoryImportInfo:
    """An earlier import: its file, who imported it and when (UTC), what it holds."""

    id: int
    file_name: str
    sha256: str
    imported_at: dt.datetime
    user: str
    purchases: int
    first_date: dt.date | None
    last_date: dt.date | None
    total: int


@dataclass(slots=True)
class _Row:
    """One row of the file as read; a field that could not be read is None."""

    line: int
    card_text: str
    number: str | None
    phone: str | None
    card_problem: str | None
    date: dt.date | None
    amount: int | None
    receipt: str | None
    card_id: int | None = None
    lineage: int | None = None


@dataclass(frozen=True)
class _Plan:
    sha256: str
    result: HistoryImportResult
    new: list[_Row]


# ---------------------------------------------------------------- the service calls


def import_history_csv(db: Database, *, actor: Actor, path: str | Path) -> HistoryImportResult:
    """Import a file of past purchases (manager; audited; the rules are the module's).

    Every row or none: a bad row refuses the whole file with all its problems listed.
    Rows already imported from another file are skipped and counted; a file with nothing
    new writes nothing. One transaction: the audit line, the file's row, its purchases.
    """
    require_manager(actor, _("importing past purchases"))
    path = Path(path)
    data = _read(path)
    with db.read() as s:
        currency = shop_currency(s)
    # Read and checked before the write begins: the tills wait only for the database part.
    rows, problems = _parse(data, currency=currency, source=path.name,
                            today=clock.local_today())
    with db.write() as s:
        plan = _plan(s, data, rows, problems, source=path.name)
        if plan.new:
            _write(s, actor, path.name, plan)
    return plan.result


def check_history_csv(db: Database, path: str | Path) -> HistoryImportResult:
    """What :func:`import_history_csv` would do with the file, writing nothing.

    Refuses exactly as the import would; the result's counts are the import's, as long
    as nobody imports another file or opens the first business day in between.
    """
    path = Path(path)
    data = _read(path)
    with db.read() as s:
        rows, problems = _parse(data, currency=shop_currency(s), source=path.name,
                                today=clock.local_today())
        return _plan(s, data, rows, problems, source=path.name).result


def imports(db: Database, *, actor: Actor) -> list[HistoryImportInfo]:
    """The files imported so far, oldest first (manager)."""
    require_manager(actor, _("the list of imported purchases"))
    bought = (select(ImportedPurchase.import_id, func.count().label("n"),
                     func.min(ImportedPurchase.business_date).label("first"),
                     func.max(ImportedPurchase.business_date).label("last"),
                     func.sum(ImportedPurchase.amount).label("total"))
              .group_by(ImportedPurchase.import_id).subquery())
    with db.read() as s:
        rows = s.execute(
            select(HistoryImport.id, HistoryImport.file_name, HistoryImport.sha256,
                   HistoryImport.created_at, User.name, func.coalesce(bought.c.n, 0),
                   bought.c.first, bought.c.last, func.coalesce(bought.c.total, 0))
            .join(User, User.id == HistoryImport.user_id)
            .outerjoin(bought, bought.c.import_id == HistoryImport.id)
            .order_by(HistoryImport.id)).all()
    return [HistoryImportInfo(id=i, file_name=name, sha256=sha, imported_at=at, user=user,
                              purchases=int(n), first_date=first, last_date=last,
                              total=int(total))
            for i, name, sha, at, user, n, first, last, total in rows]


# ---------------------------------------------------------------- the database part


def _plan(s: Session, data: bytes, rows: list[_Row], problems: list[tuple[int, str]], *,
          source: str) -> _Plan:
    """The file checked against the database: refused, or what is new in it."""
    sha = hashlib.sha256(data).hexdigest()
    _refuse_known_file(s, sha, source)
    problems = problems + _resolve(s, rows)
    first_day = s.scalar(select(func.min(BusinessDay.business_date)))
    if first_day is not None:
        problems += [(row.line, _(
            "{date} is on or after the shop's first business day, {first}: purchases from"
            " then on are on the ledger already and would be counted twice").format(
                date=row.date.isoformat(), first=first_day.isoformat()))
            for row in rows if row.date is not None and row.date >= first_day]
    if problems:
        raise _refusal(problems, source)
    if not rows:
        raise HistoryFileWrong(_("{source} has no purchases under its first line; nothing was"
                                 " imported").format(source=source))
    new = _unknown(s, rows)
    lineages = {row.lineage for row in new}
    dates = [row.date for row in new]
    result = HistoryImportResult(
        file_name=source, rows_in_file=len(rows), imported=len(new),
        already_known=len(rows) - len(new), customers=len(lineages),
        first_date=min(dates, default=None), last_date=max(dates, default=None),
        total=sum(row.amount for row in new))
    return _Plan(sha256=sha, result=result, new=new)


def _refuse_known_file(s: Session, sha: str, source: str) -> None:
    known = s.execute(
        select(HistoryImport.created_at, User.name, HistoryImport.rows)
        .join(User, User.id == HistoryImport.user_id)
        .where(HistoryImport.sha256 == sha)).first()
    if known is not None:
        at, name, purchases = known
        raise HistoryAlreadyImported(ngettext(
            "{source}: this file was imported on {date} by {name} ({n} purchase); nothing was"
            " imported again",
            "{source}: this file was imported on {date} by {name} ({n} purchases); nothing was"
            " imported again", purchases).format(
                source=source, date=date_text(clock.to_local(at).date()), name=name,
                n=purchases))


def _chunks(keys: Iterable, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    it = iter(keys)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _resolve(s: Session, rows: list[_Row]) -> list[tuple[int, str]]:
    """Find each row's card and lineage; the problems of rows whose card is not one."""
    conn = s.connection()  # plain rows: a year of an old till's export is many of them
    found: dict[str, tuple[int, str, int] | str] = {}
    for chunk in _chunks({r.number for r in rows if r.number}):
        for number, card_id, kind, lineage in conn.execute(
                select(Card.number, Card.id, Card.kind, Card.lineage_id)
                .where(Card.number.in_(chunk))):
            found[number] = (card_id, kind, lineage)
    by_phone: dict[str, list[tuple[int, str, int]]] = {}
    for chunk in _chunks({r.phone for r in rows if r.phone and r.number not in found}):
        for phone, card_id, kind, lineage in conn.execute(
                select(Customer.phone, Card.id, Card.kind, Card.lineage_id)
                .join(Card, Card.customer_id == Customer.id)
                .where(Customer.phone.in_(chunk), Card.status != "replaced")
                .order_by(Card.id)):
            by_phone.setdefault(phone, []).append((card_id, kind, lineage))
    phones = {phone: _customer_card(phone, cards) for phone, cards in by_phone.items()}
    phones.update(_by_ending(conn, {r.phone for r in rows if r.phone and r.number not in found
                                    and r.phone not in phones}))

    problems = []
    for row in rows:
        card = found.get(row.number) if row.number else None
        if card is None and row.phone:
            card = phones.get(row.phone)
        if card is None:
            problems.append((row.line, _card_unknown(row)))
        elif isinstance(card, str):
            problems.append((row.line, card))
        elif card[1] == "bearer":
            problems.append((row.line, _(
                "card {number} is a bearer card: it is anonymous, not a customer's; leave its"
                " purchases out, or register the card to its customer first").format(
                    number=row.number)))
        else:
            row.card_id, row.lineage = card[0], card[2]
    return problems


def _by_ending(conn, typed: set[str]) -> dict[str, tuple[int, str, int] | str]:
    """Phones not found as written, by their last ten digits: "8 912 555-00-11" is the
    customer saved as "+7 912 555-00-11", when exactly one customer's phone ends so."""
    endings = {phone[-10:] for phone in typed if len(phone.lstrip("+")) >= 10}
    if not endings:
        return {}
    owners: dict[str, dict[str, list[tuple[int, str, int]]]] = {}
    for phone, card_id, kind, lineage in conn.execute(
            select(Customer.phone, Card.id, Card.kind, Card.lineage_id)
            .join(Card, Card.customer_id == Customer.id)
            .where(Customer.phone.is_not(None), Card.status != "replaced").order_by(Card.id)):
        if phone[-10:] in endings:
            owners.setdefault(phone[-10:], {}).setdefault(phone, []).append(
                (card_id, kind, lineage))
    found: dict[str, tuple[int, str, int] | str] = {}
    for phone in typed:
        matches = owners.get(phone[-10:], {})
        if len(matches) == 1:
            found[phone] = _customer_card(phone, next(iter(matches.values())))
        elif matches:
            found[phone] = _("more than one customer's phone ends in {digits}; write the card"
                             " number instead").format(digits=phone[-10:])
    return found


def _customer_card(phone: str, cards: list[tuple[int, str, int]]) -> tuple[int, str, int] | str:
    """The card a customer uses now: the end of their cards' lineage (the cards that were
    not replaced); or the problem, when the phone does not say which card."""
    if len(cards) > 1:
        return _("phone {phone} belongs to a customer with {n} cards; write the card"
                 " number instead").format(phone=phone, n=len(cards))
    return cards[0]


def _card_unknown(row: _Row) -> str:
    if row.number is None and row.phone is None:
        if not row.card_text:
            return _("no card number or phone; write the customer's card number or phone")
        return _("'{text}' is neither a card number (13 digits) nor a phone number").format(
            text=row.card_text)
    message = _("no card or customer's phone '{text}' in this shop; check the number").format(
        text=row.card_text)
    if row.card_problem is not None:
        message += f" ({row.card_problem})"
    return message


def _unknown(s: Session, rows: list[_Row]) -> list[_Row]:
    """The rows not imported before: each key imported k times already skips k rows."""
    known: Counter[tuple] = Counter()
    for chunk in _chunks({row.lineage for row in rows}):
        known.update(tuple(key) for key in s.connection().execute(
            select(Card.lineage_id, ImportedPurchase.business_date, ImportedPurchase.amount,
                   ImportedPurchase.receipt)
            .join(Card, Card.id == ImportedPurchase.card_id)
            .where(Card.lineage_id.in_(chunk))))
    if not known:
        return rows
    new = []
    for row in rows:
        key = (row.lineage, row.date, row.amount, row.receipt)
        if known[key] > 0:
            known[key] -= 1
        else:
            new.append(row)
    return new


def _write(s: Session, actor: Actor, file_name: str, plan: _Plan) -> None:
    result = plan.result
    audit(s, actor, "history_import", file_name[:120], sha256=plan.sha256,
          rows_in_file=result.rows_in_file, imported=result.imported,
          already_known=result.already_known, customers=result.customers,
          first_date=result.first_date, last_date=result.last_date, total=result.total)
    record = HistoryImport(sha256=plan.sha256, file_name=file_name[:255], rows=result.imported,
                           user_id=actor.user_id, created_at=clock.now())
    s.add(record)
    s.flush()
    # Plain rows in bulk (one executemany per chunk), no ORM object per purchase.
    for chunk in _chunks(plan.new, INSERT_CHUNK):
        s.execute(insert(ImportedPurchase.__table__), [
            {"import_id": record.id, "line_no": row.line, "card_id": row.card_id,
             "business_date": row.date, "amount": row.amount, "receipt": row.receipt}
            for row in chunk])


# ---------------------------------------------------------------- the file


def _read(path: Path) -> bytes:
    """The whole file, once it is known to be a file within the limit."""
    handle = open_to_read(path, most_bytes=MAX_FILE_BYTES, refuse=HistoryFileWrong,
                          too_large=_too_large)
    try:
        with handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a file that grew meanwhile stops here
    except OSError as exc:
        raise HistoryFileWrong(_("cannot read {path}: {problem}").format(
            path=path, problem=exc.strerror or exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(path)
    return data


def _too_large(path: Path) -> HistoryFileWrong:
    return HistoryFileWrong(
        _("{name} is too large ({most} MB at most); split it into smaller files, nothing was"
          " imported").format(name=path.name, most=MAX_FILE_BYTES // 2**20))


def _refusal(problems: list[tuple[int, str]], source: str) -> HistoryFileWrong:
    problems = sorted(problems, key=lambda p: p[0])  # stable: a line's problems keep order
    listed = [_("line {line}: {problem}").format(line=line, problem=text)
              for line, text in problems]
    head = ngettext("{source}: {n} problem; nothing was imported. Correct the file and import"
                    " it again:",
                    "{source}: {n} problems; nothing was imported. Correct the file and import"
                    " it again:", len(listed)).format(source=source, n=len(listed))
    lines = [head, *("  " + p for p in listed[:MAX_SHOWN])]
    if len(listed) > MAX_SHOWN:
        lines.append("  " + _("and {n} more").format(n=len(listed) - MAX_SHOWN))
    return HistoryFileWrong("\n".join(lines), listed)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise HistoryFileWrong(
            _("{source} line {line}: not UTF-8 text; save the file as 'CSV UTF-8' and import"
              " again (nothing was imported)").format(source=source, line=line)) from None


def _columns(cells: list[str], source: str, line: int) -> list[str]:
    columns = [c.strip().casefold() for c in cells]
    problem = None
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        problem = _("the first line must name the columns {columns} (receipt may be left out);"
                    " {missing} is missing").format(columns=",".join(COLUMNS),
                                                    missing=", ".join(missing))
    elif unknown:
        problem = _("unknown column '{column}'; the columns are {columns}: leave the others out"
                    " of the file").format(column=unknown[0], columns=", ".join(COLUMNS))
    elif twice:
        problem = _("the column '{column}' is there twice").format(column=twice[0])
    if problem:
        raise HistoryFileWrong(_("{source} line {line}: {problem}; nothing was imported").format(
            source=source, line=line, problem=problem))
    return columns


def _parse(data: bytes, *, currency: str, source: str, today: dt.date
           ) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Every row of the file, and every problem found in a row by itself (line, text).

    A file that is not a CSV of purchases at all (not UTF-8, no header, a quote left open)
    is refused at once.
    """
    lines = iter(io.StringIO(_decode(data, source), newline=""))
    reading = _Reading(currency=currency, today=today)
    at: dict[str, int] | None = None
    rows: list[_Row] = []
    for line, cells, sep in csvfile.rows(lines, source=source, required=REQUIRED_COLUMNS,
                                         refuse=HistoryFileWrong):
        if at is None:
            at = {column: place for place, column in enumerate(_columns(cells, source, line))}
            continue
        row = reading.row(cells, at, line, sep)
        if row is not None:
            rows.append(row)
    return rows, reading.problems


class _Reading:
    """Reads rows one by one, keeping their problems; a card or date text seen before is
    not read again (a year of an old till's export names the same customers often)."""

    def __init__(self, *, currency: str, today: dt.date) -> None:
        self.currency, self.today = currency, today
        self.problems: list[tuple[int, str]] = []
        self._cards: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._dates: dict[str, dt.date | str] = {}

    def row(self, cells: list[str], at: dict[str, int], line: int, sep: str) -> _Row | None:
        """The row of ``cells`` (``at``: each column's place), or None if its values cannot
        be told apart."""
        if len(cells) > len(at) and any(c.strip() for c in cells[len(at):]):
            self.problems.append((line, ngettext(
                "{values} value for {columns} columns; put an amount with a '{sep}' in"
                " \"double quotes\"",
                "{values} values for {columns} columns; put an amount with a '{sep}' in"
                " \"double quotes\"", len(cells)).format(values=len(cells), columns=len(at),
                                                          sep=sep)))
            return None
        if len(cells) < len(at):
            cells = cells + [""] * (len(at) - len(cells))
        before = len(self.problems)
        card_text = cells[at["card"]].strip()
        number, phone, card_problem = self._card(card_text)
        date = self._date(cells[at["date"]].strip(), line)
        amount = self._amount(cells[at["amount"]].strip(), line)
        receipt = self._receipt(cells[at["receipt"]].strip(), line) if "receipt" in at else None
        if len(self.problems) > before:
            # Its card is still looked up, so an unknown card is listed with the rest.
            date, amount = None, None
        return _Row(line, card_text, number, phone, card_problem, date, amount, receipt)

    def _card(self, text: str) -> tuple[str | None, str | None, str | None]:
        if text not in self._cards:
            number = phone = problem = None
            try:
                number = cardnumbers.normalize(text)
            except CheckDigitWrong as exc:  # a card number mistyped, or maybe a phone
                problem = str(exc)
            except CardNumberWrong:
                pass
            with contextlib.suppress(BadCustomer):
                phone = normalize_phone(text)
            self._cards[text] = (number, phone, problem)
        return self._cards[text]

    def _date(self, text: str, line: int) -> dt.date | None:
        if text not in self._dates:
            self._dates[text] = self._read_date(text)
        date = self._dates[text]
        if isinstance(date, str):
            self.problems.append((line, date))
            return None
        return date

    def _read_date(self, text: str) -> dt.date | str:
        """The date, or the problem with it."""
        if not text:
            return _("no date; write it as YYYY-MM-DD or DD.MM.YYYY")
        try:
            if match := _ISO_DATE.fullmatch(text):
                date = dt.date(*map(int, match.groups()))
            elif match := _DOTTED_DATE.fullmatch(text):
                day, month, year = map(int, match.groups())
                date = dt.date(year, month, day)
            else:
                return _("'{text}' is not a date; write it as YYYY-MM-DD or DD.MM.YYYY").format(
                    text=text)
        except ValueError:
            return _("'{text}' is not a day of the calendar").format(text=text)
        if date > self.today:
            return _("{date} is in the future (today is {today})").format(
                date=date.isoformat(), today=self.today.isoformat())
        if date < EARLIEST:
            return _("{date} is before {earliest}; check the year").format(
                date=date.isoformat(), earliest=EARLIEST.isoformat())
        return date

    def _amount(self, text: str, line: int) -> int | None:
        if not text:
            self.problems.append((line, _("no amount")))
            return None
        try:
            units = parse_amount(text.translate(_GROUP_SPACES), self.currency,
                                 allow_negative=True)
        except BadAmount as exc:
            self.problems.append((line, str(exc)))
            return None
        if units <= 0:
            self.problems.append((line, _(
                "the amount '{text}' is not more than zero; leave refunds and corrections out"
                " of the file").format(text=text)))
            return None
        return units

    def _receipt(self, text: str, line: int) -> str | None:
        if not text:
            return None
        if len(text) > MAX_RECEIPT:
            self.problems.append((line, _("the receipt '{text}...' is too long ({most}"
                                          " characters at most)").format(
                text=text[:20], most=MAX_RECEIPT)))
        elif not text.isprintable():
            self.problems.append((line, _("the receipt {text} has characters that cannot be"
                                          " printed").format(text=repr(text))))
        return text
