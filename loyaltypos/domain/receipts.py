"""A sale's receipt and a refund's receipt as data: what was stored, ready to print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ReceiptLine:
    line_no: int
    description: str
    qty: Decimal
    unit_price: int
    amount: int
    discount: int
    eligible: bool
    gift: bool = False  # a gift the card earned, handed out at price 0


@dataclass(frozen=True)
class Receipt:
    shop: str
    header: tuple[str, ...]  # the shop's lines under its name (address, tax number...)
    currency: str
    receipt_no: int
    sale_id: str
    when: dt.datetime  # local time
    cashier: str
    lines: tuple[ReceiptLine, ...]
    subtotal: int
    discount: int
    discount_pct: Decimal
    redeemed: int
    total: int  # what the customer paid in money
    payments: tuple[tuple[str, int], ...]
    tendered: int | None
    change: int
    card: str | None  # masked
    holder: str | None
    tier: str | None
    cashback: int
    balance: int | None
    next_tier: str | None
    to_next_tier: int | None
    # The shop the receipt is from (its number and barcode are that shop's) and the till.
    shop_id: int = 1
    till: str = ""
    # The rewards, from what the sale stored: the bonuses it credited to this card (kind,
    # amount), the stamp it earned (the count after it) out of the program's `every`, and
    # the gift that stamp earned; the next expiry is the card's as the receipt is made.
    bonuses: tuple[tuple[str, int], ...] = ()
    stamp: int | None = None
    stamps_every: int | None = None
    gift_earned: bool = False
    gift_item: str | None = None  # an item gift earned: what the card takes next time
    next_expiry: tuple[dt.date, int] | None = None
    copy: bool = False  # a reprint: marked COPY, and only what the sale stored


@dataclass(frozen=True)
class RefundReceiptLine:
    line_no: int
    description: str
    qty: Decimal
    money_back: int


@dataclass(frozen=True)
class RefundReceipt:
    shop: str
    header: tuple[str, ...]
    currency: str
    refund_no: int
    sale_receipt_no: int
    when: dt.datetime
    manager: str
    lines: tuple[RefundReceiptLine, ...]
    money_back: int
    payouts: tuple[tuple[str, int], ...]
    restored: int
    reversed: int
    shortfall: int
    card: str | None
    balance: int | None
    copy: bool = False  # a reprint, marked COPY
