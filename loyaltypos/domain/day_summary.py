"""The figures of one business day, as the end-of-day window and the Z report show them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from loyaltypos.domain.i18n import N_, _

# The key of the sales made without a card in ``DaySummary.tiers``. It is stored in the
# frozen Z report, so it stays English there; :func:`tier_label` shows it translated.
NO_CARD = N_("No card")


def tier_label(name: str) -> str:
    """A key of ``DaySummary.tiers`` as a person reads it: a tier's own name, or "No card"."""
    return _(name) if name == NO_CARD else name


@dataclass(frozen=True)
class TierLine:
    sales: int
    subtotal: int
    discount: int


@dataclass(frozen=True)
class TillLine:
    """What one till of the shop did in the day: its line of the Z report."""

    till: str
    sales: int
    paid: int  # what its sales' customers paid
    refunds: int
    money_back: int
    cash: int  # cash taken less cash paid back: what its drawer should hold more
    card: int


@dataclass(frozen=True)
class TopCustomer:
    card: str
    name: str | None
    paid: int


@dataclass(frozen=True)
class DaySummary:
    """Everything RULES.md lists for the end of a business day; amounts in minor units."""

    date: dt.date
    day_id: int | None
    closed: bool
    z_number: int | None
    sales: int
    refunds: int
    subtotal: int
    discount: int
    redeemed: int
    paid: int
    money_back: int
    paid_by: dict[str, int]
    cashback_earned: int
    cashback_restored: int
    cashback_reversed: int
    adjustments: int
    liability_change: int
    liability_total: int
    new_cards: dict[str, int]
    average_check: int
    tiers: dict[str, TierLine]
    hours: dict[str, int]
    top_customers: list[TopCustomer]
    expected_cash: int
    counted_cash: int | None = None
    cash_difference: int | None = None
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    # Bonuses credited by the program's rewards, by kind ("welcome": minor units); a Z
    # report frozen before rewards existed has none.
    bonuses: dict[str, int] = field(default_factory=dict)
    # Cashback written off as lapsed that day (positive), and the gifts the stamps earned
    # that day (how many, and their value); a Z report frozen before expiry has none.
    expired: int = 0
    gifts: int = 0
    gifts_value: int = 0
    # Bonuses and used gifts refunds took back that day (positive; issue 11's reversals).
    rewards_taken_back: int = 0
    # One line per till that sold or refunded that day; a Z report frozen before a shop
    # had tills has none.
    tills: list[TillLine] = field(default_factory=list)
    # The shop's own name (None: the program's) and the time zone its day is dated in
    # (None: the till computer's), so the report's times are the shop's clock.
    shop: str | None = None
    timezone: str | None = None
