"""A card and its holder as the till, the printouts and the command line see them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from loyaltypos.domain.pricing import CartLine


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
class ReadyGift:
    """An item gift a card has earned and not yet taken."""

    id: int
    product: str | None
    description: str
    value: int  # the product's price when the gift was earned

    def line(self) -> CartLine:
        """The gift as a cart line: one unit at price 0, outside the program."""
        return CartLine(self.description, Decimal(1), 0, eligible=False, gift_id=self.id)


@dataclass(frozen=True)
class Rewards:
    """Where a card stands with the program's rewards, for the till and the receipt."""

    stamps: int = 0  # qualifying purchases since the last gift
    stamps_every: int | None = None  # None: the program has no stamps
    gifts_ready: tuple[ReadyGift, ...] = ()
    birthday_bonus: int = 0  # credited with a purchase today (its birthday window is on)
    next_expiry: tuple[dt.date, int] | None = None  # the next date cashback expires, how much
    locked: int = 0  # cashback earned lately that cannot be spent yet

    @property
    def stamps_left(self) -> int | None:
        return None if self.stamps_every is None else max(self.stamps_every - self.stamps, 1)


NO_REWARDS = Rewards()


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
    rewards: Rewards = NO_REWARDS
