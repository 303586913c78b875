"""A card and its holder as the till, the printouts and the command line see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CustomerInput:
    name: str
    phone: str | None = None
    email: str | None = None
    birthday: dt.date | None = None
    marketing_consent: bool = False


@dataclass(frozen=True)
class Holder:
    name: str
    phone: str | None
    email: str | None
    birthday: dt.date | None
    marketing_consent: bool


@dataclass(frozen=True)
class Standing:
    """Where a customer stands as of the last insight refresh, for the till's panel."""

    step: str | None  # None: no purchase yet (as of ``as_of``)
    segment: str | None  # "AX" .. "CZ", "lapsed", or None
    advice: str  # one line the cashier can act on
    as_of: dt.date | None


@dataclass(frozen=True)
class CardInfo:
    """What the till and the command line show of a card."""

    number: str
    kind: str
    status: str
    tier: str
    discount_pct: Decimal
    cashback_pct: Decimal
    balance: int
    spend: int
    holder: Holder | None
    pinned: bool
    next_tier: str | None
    to_next_tier: int | None
    replaced_by: str | None
    standing: Standing | None = None  # a personal card at a scan
