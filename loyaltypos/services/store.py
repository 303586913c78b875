"""The shop itself: setting up a new database, its program, settings and the open day.

Text that will be printed again (the shop's name typed at ``init``, receipt header
lines) passes :func:`loyaltypos.domain.text.clean_text`: no control characters, trimmed,
not empty. A program is stored only as :func:`~loyaltypos.domain.program.program_text`,
which proves it reads back; a stored version that no longer reads (an old bug, a hand
edit of the database) is reported as :class:`ProgramInvalid` saying to load a good
program, and :func:`load_program` can still replace it (see there for its currency).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from loyaltypos.db import Database
from loyaltypos.db.engine import schema_revision
from loyaltypos.db.models import (
    AuditEntry,
    BusinessDay,
    Product,
    ProgramVersion,
    Sale,
    Setting,
    User,
)
from loyaltypos.db.places import place_of
from loyaltypos.domain import clock
from loyaltypos.domain.cardnumbers import DEFAULT_PREFIX
from loyaltypos.domain.errors import (
    AlreadyInitialised,
    DayNeedsConfirmation,
    NotInitialised,
    ProgramInvalid,
    Refused,
)
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.money import CURRENCY_EXPONENTS
from loyaltypos.domain.program import (
    Program,
    dump_program,
    parse_program,
    program_text,
)
from loyaltypos.domain.text import MAX_NAME, clean_text
from loyaltypos.services.audit import audit
from loyaltypos.services.users import Actor, insert_user, require_manager

_program_cache: dict[tuple[str, int], Program] = {}


_LATEST_PROGRAM = select(func.max(ProgramVersion.id))
_PROGRAM_TEXT = select(ProgramVersion.text).where(ProgramVersion.id == bindparam("version"))


def program_version(session: Session, version: int | None) -> Program:
    """The program of one stored version, parsed once per database and version."""
    if version is None:
        raise NotInitialised(_("this database has no shop yet; run 'loyaltypos init' first"))
    key = (str(session.get_bind().engine.url), version)  # bound to an engine or a connection
    program = _program_cache.get(key)
    if program is None:
        text = session.connection().execute(_PROGRAM_TEXT, {"version": version}).scalar_one()
        try:
            if not isinstance(text, str):
                raise ProgramInvalid(_("it is not text"))
            program = parse_program(text)
        except ProgramInvalid as exc:
            raise ProgramInvalid(
                _("the stored program (version {version}) cannot be read: {problem}; "
                  "load a good program with 'loyaltypos program load FILE'").format(
                    version=version, problem=str(exc).splitlines()[0] if str(exc) else "")
            ) from None
        _program_cache[key] = program
    return program


def current_program(session: Session) -> Program:
    """The program in force: the newest version loaded."""
    return program_version(session, session.connection().execute(_LATEST_PROGRAM).scalar())


_VERSIONS_NEWEST_FIRST = select(ProgramVersion.id).order_by(ProgramVersion.id.desc())
_INIT_DETAIL = (select(AuditEntry.detail).where(AuditEntry.action == "init")
                .order_by(AuditEntry.id).limit(1))


def shop_currency(session: Session) -> str:
    """The shop's currency, even when the program in force cannot be read.

    It is the currency of the newest stored program version that still reads; if none
    does, the currency the shop was set up with, as the append-only audit log's ``init``
    entry recorded it (every later version had to keep it). If neither is known, the
    currency cannot be vouched for and this refuses.
    """
    conn = session.connection()
    version = conn.execute(_LATEST_PROGRAM).scalar()
    if version is None:
        raise NotInitialised(_("this database has no shop yet; run 'loyaltypos init' first"))
    for older in conn.execute(_VERSIONS_NEWEST_FIRST).scalars():
        try:
            return program_version(session, older).currency
        except ProgramInvalid:
            continue
    detail = conn.execute(_INIT_DETAIL).scalar()
    try:
        currency = json.loads(detail or "{}").get("currency")
    except (ValueError, AttributeError):
        currency = None
    if isinstance(currency, str) and currency in CURRENCY_EXPONENTS:
        return currency
    raise ProgramInvalid(_("no stored program can be read and the shop's currency is not "
                           "on record; restore the database from a backup"))


def get_setting(session: Session, key: str, default: str) -> str:
    row = session.get(Setting, key)
    return row.value if row else default


def set_setting(session: Session, actor: Actor | None, key: str, value: str) -> None:
    """Write one setting, its ``setting`` audit line first (the database insists)."""
    audit(session, actor, "setting", key, value=value)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def card_prefix(session: Session) -> str:
    return get_setting(session, "card_prefix", DEFAULT_PREFIX)


def is_initialised(db: Database) -> bool:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(ProgramVersion)) > 0


@dataclass(frozen=True)
class Initialised:
    manager: Actor
    program: Program


def initialise(
    db: Database,
    *,
    manager_name: str,
    manager_pin: str,
    program: Program,
    shop_name: str | None = None,
    currency: str | None = None,
) -> Initialised:
    """Set up an empty database: the program, the shop's name and currency, the first manager."""
    if is_initialised(db):
        raise AlreadyInitialised(_("this database already has a shop; nothing was changed"))
    if shop_name:
        program = replace(program, name=clean_text(shop_name, field=_("the shop's name"),
                                                   most=MAX_NAME, error=ProgramInvalid))
    if currency:
        program = parse_program(dump_program(replace(program, currency=currency.upper())))
    text = program_text(program)
    # One transaction: a crash half-way leaves an empty database that can be set up again,
    # never a manager without a program (which could neither sell nor be set up).
    with db.write() as s:
        if s.scalar(select(func.count()).select_from(ProgramVersion)):
            raise AlreadyInitialised(_("this database already has a shop; nothing was changed"))
        if s.scalar(select(func.count()).select_from(User)):
            raise AlreadyInitialised(_("this database already has users; nothing was changed"))
        manager = insert_user(s, actor=None, name=manager_name, role="manager", pin=manager_pin)
        s.add(ProgramVersion(text=text, loaded_at=clock.now(), user_id=manager.user_id))
        audit(s, manager, "init", program.name, currency=program.currency)
    return Initialised(manager=manager, program=program)


def load_program(db: Database, *, actor: Actor, program: Program) -> Program:
    """Put a new version of the program in force (manager only; audited).

    The currency is fixed once the shop exists: amounts already stored are in it. It is
    taken from :func:`shop_currency`, not from the program in force, so a good program can
    replace a stored one that no longer reads (the way out of that state).
    """
    require_manager(actor, _("changing the program"))
    text = program_text(program)
    with db.write() as s:
        currency = shop_currency(s)
        if program.currency != currency:
            raise ProgramInvalid(
                _("the shop's currency is {currency}; a program in {other} cannot be loaded"
                  ).format(currency=currency, other=program.currency)
            )
        _refuse_unknown_gift(s, program)
        s.add(ProgramVersion(text=text, loaded_at=clock.now(), user_id=actor.user_id))
        audit(s, actor, "program_load", program.name,
              tiers=[t.name for t in program.tiers])
    return program


def _refuse_unknown_gift(session: Session, program: Program) -> None:
    """An item gift names a product the catalog has: the till hands out what it can price."""
    stamps = program.reward("stamps")
    if stamps is None or stamps.gift != "item":
        return
    if session.scalar(select(Product.id).where(Product.code == stamps.product)) is None:
        raise ProgramInvalid(_("the stamps reward gives product {code}, which is not in the"
                               " catalog; add the product first").format(code=stamps.product))


def program_in_force(db: Database) -> Program:
    with db.read() as s:
        return current_program(s)


# A day opens by itself at most this many days after the last one; further needs a manager.
MAX_DAYS_AHEAD = 1
_SHOP = bindparam("shop")
_OPEN_DAY = select(BusinessDay.id).where(BusinessDay.closed_at.is_(None),
                                         BusinessDay.shop_id == _SHOP).limit(1)
_LAST_DATE = select(func.max(BusinessDay.business_date)).where(BusinessDay.shop_id == _SHOP)


def open_day(session: Session) -> int:
    """The id of this till's shop's open business day, opening a new one if the last was
    closed. The tills of a shop share its day.

    A new day's date is today in the shop's time zone, or the day after the last closed
    one if that is later, so a sale made after closing belongs to the next day.
    """
    conn = session.connection()
    shop = place_of(session).shop_id
    day_id = conn.execute(_OPEN_DAY, {"shop": shop}).scalar()
    return day_id if day_id is not None else _open_new_day(session)


def _open_new_day(session: Session) -> int:
    conn = session.connection()
    place = place_of(session)
    last = conn.execute(_LAST_DATE, {"shop": place.shop_id}).scalar()
    date = place.today()
    if last is not None and last >= date:
        date = last + dt.timedelta(days=1)
    if last is not None and (date - last).days > MAX_DAYS_AHEAD:
        # One wrong clock reading must not date every later day: a manager confirms.
        raise DayNeedsConfirmation(
            _("the last business day was {last}; the clock says {date}. A manager opens"
              " {date} first (the till asks, or: loyaltypos day open --date {date})").format(
                last=last.isoformat(), date=date.isoformat()),
            date=date, last=last)
    return conn.execute(
        insert(BusinessDay).values(shop_id=place.shop_id, business_date=date,
                                   opened_at=clock.now())
        .returning(BusinessDay.id)
    ).scalar_one()


def selling_date(session: Session) -> dt.date:
    """The business date a sale made now goes into: the open day's, or the date the next
    day would open on (today, or the day after the last closed day if that is later)."""
    conn = session.connection()
    place = place_of(session)
    date = conn.execute(select(BusinessDay.business_date)
                        .where(BusinessDay.closed_at.is_(None),
                               BusinessDay.shop_id == place.shop_id).limit(1)).scalar()
    if date is not None:
        return date
    last = conn.execute(_LAST_DATE, {"shop": place.shop_id}).scalar()
    today = place.today()
    return last + dt.timedelta(days=1) if last is not None and last >= today else today


def day_stamp(session: Session, day_id: int) -> dt.datetime:
    """The stamp for a row of day ``day_id``: now, or the day's opening if the clock went
    back since (nothing is stamped before its day opened)."""
    opened = session.connection().execute(
        select(BusinessDay.opened_at).where(BusinessDay.id == day_id)).scalar_one()
    return max(clock.now(), opened)


def open_day_on(session: Session, *, actor: Actor, date: dt.date) -> int:
    """Open business day ``date`` on a manager's word (audited), when the clock is further
    from the last day than a day opens by itself. ``date`` must come after the last day
    and be within a day of the clock's date, so a typo cannot open 2031 either."""
    require_manager(actor, _("opening a business day"))
    conn = session.connection()
    place = place_of(session)
    if conn.execute(_OPEN_DAY, {"shop": place.shop_id}).scalar() is not None:
        raise Refused(_("a business day is open already; close it before opening another"))
    last = conn.execute(_LAST_DATE, {"shop": place.shop_id}).scalar()
    if last is not None and date <= last:
        raise Refused(_("{date} is not after the last business day, {last}").format(
            date=date_text(date), last=date_text(last)))
    today = place.today()
    if abs((date - today).days) > MAX_DAYS_AHEAD:
        raise Refused(_("the clock says {today}; a business day {date} cannot be opened now."
                        " Check the date, or the till's clock").format(
            today=date_text(today), date=date_text(date)))
    audit(session, actor, "day_open_confirmed", date.isoformat(),
          last=last.isoformat() if last else None, clock=today.isoformat())
    return conn.execute(
        insert(BusinessDay).values(shop_id=place.shop_id, business_date=date,
                                   opened_at=clock.now())
        .returning(BusinessDay.id)
    ).scalar_one()


def has_sales(session: Session) -> bool:
    return session.scalar(select(Sale.id).limit(1)) is not None


def sign_in_hint(db: Database) -> str:
    """A line the sign-in screen shows (the demo shop says its PINs there)."""
    with db.read() as s:
        return get_setting(s, "sign_in_hint", "")


def set_sign_in_hint(db: Database, *, actor: Actor, text: str) -> None:
    require_manager(actor, _("changing the sign-in note"))
    with db.write() as s:
        set_setting(s, actor, "sign_in_hint", text.strip())


def receipt_header(session: Session) -> tuple[str, ...]:
    """The lines printed under the shop's name on every receipt."""
    text = get_setting(session, "receipt_header", "")
    return tuple(line for line in text.splitlines() if line.strip())


def shop_receipt_header(db: Database) -> tuple[str, ...]:
    with db.read() as s:
        return receipt_header(s)


def set_receipt_header(db: Database, *, actor: Actor, lines: list[str]) -> tuple[str, ...]:
    """Set the receipt's header lines (manager; audited). At most 6 lines of 48 characters."""
    require_manager(actor, _("changing the receipt header"))
    clean = [clean_text(line, field=_("header line {number}").format(number=i), most=10**6)
             for i, line in enumerate(lines, start=1) if line.strip()]
    if len(clean) > 6 or any(len(line) > 48 for line in clean):
        raise Refused(_("the receipt header takes at most 6 lines of 48 characters"))
    with db.write() as s:
        set_setting(s, actor, "receipt_header", "\n".join(clean))
    return tuple(clean)


def schema(db: Database) -> str | None:
    """The schema revision the database is at (None: no LoyaltyPOS tables)."""
    return schema_revision(db.engine)
