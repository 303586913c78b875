"""The shop itself: setting up a new database, its program, settings and the open day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos import clock
from loyaltypos.cardnumbers import DEFAULT_PREFIX
from loyaltypos.db import Database
from loyaltypos.errors import AlreadyInitialised, NotInitialised, ProgramInvalid
from loyaltypos.models import BusinessDay, ProgramVersion, Sale, Setting, User
from loyaltypos.program import Program, dump_program, parse_program
from loyaltypos.services.audit import audit
from loyaltypos.services.users import Actor, create_user, require_manager

_program_cache: dict[tuple[str, int], Program] = {}


def current_program(session: Session) -> Program:
    """The program in force: the newest version loaded. Parsed once per version."""
    row = session.execute(
        select(ProgramVersion.id, ProgramVersion.text).order_by(ProgramVersion.id.desc()).limit(1)
    ).first()
    if row is None:
        raise NotInitialised("this database has no shop yet; run 'loyaltypos init' first")
    key = (str(session.get_bind().url), row.id)
    program = _program_cache.get(key)
    if program is None:
        program = _program_cache[key] = parse_program(row.text)
    return program


def get_setting(session: Session, key: str, default: str) -> str:
    row = session.get(Setting, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
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
        raise AlreadyInitialised("this database already has a shop; nothing was changed")
    if shop_name:
        program = replace(program, name=shop_name.strip())
    if currency:
        program = parse_program(dump_program(replace(program, currency=currency.upper())))
    with db.read() as s:
        if s.scalar(select(func.count()).select_from(User)):
            raise AlreadyInitialised("this database already has users; nothing was changed")
    manager = create_user(db, actor=None, name=manager_name, role="manager", pin=manager_pin)
    with db.write() as s:
        s.add(ProgramVersion(text=dump_program(program), loaded_at=clock.now(),
                             user_id=manager.user_id))
        audit(s, manager, "init", program.name, currency=program.currency)
    return Initialised(manager=manager, program=program)


def load_program(db: Database, *, actor: Actor, program: Program) -> Program:
    """Put a new version of the program in force (manager only; audited).

    The currency is fixed once the shop exists: amounts already stored are in it.
    """
    require_manager(actor, "changing the program")
    with db.write() as s:
        old = current_program(s)
        if program.currency != old.currency:
            raise ProgramInvalid(
                f"the shop's currency is {old.currency}; a program in {program.currency}"
                " cannot be loaded"
            )
        s.add(ProgramVersion(text=dump_program(program), loaded_at=clock.now(),
                             user_id=actor.user_id))
        audit(s, actor, "program_load", program.name,
              tiers=[t.name for t in program.tiers])
    return program


def program_in_force(db: Database) -> Program:
    with db.read() as s:
        return current_program(s)


def open_day(session: Session) -> BusinessDay:
    """The open business day, opening a new one if the last was closed.

    A new day's date is today, or the day after the last closed one if that is
    later, so a sale made after closing belongs to the next day.
    """
    day = session.scalar(select(BusinessDay).where(BusinessDay.closed_at.is_(None)).limit(1))
    if day is not None:
        return day
    last = session.scalar(select(func.max(BusinessDay.business_date)))
    date = clock.local_today()
    if last is not None and last >= date:
        date = last + dt.timedelta(days=1)
    day = BusinessDay(business_date=date, opened_at=clock.now())
    session.add(day)
    session.flush()
    return day


def next_number(session: Session, column) -> int:
    """The next receipt-style number; write transactions are serialised, so max + 1 is safe."""
    return (session.scalar(select(func.max(column))) or 0) + 1


def has_sales(session: Session) -> bool:
    return session.scalar(select(Sale.id).limit(1)) is not None
