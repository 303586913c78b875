"""The database schema as typed SQLAlchemy models.

Money columns are integer minor units (``Cents``); percentages are integer
hundredths of a percent (``Bp``, 7.5 % = 750); quantities are integer
thousandths (``Milli``). Timestamps are UTC without a zone. Facts (sales,
lines, payments, refunds, ledger entries, the audit log, program versions) are
only ever inserted; the schema's triggers refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, NewType

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

CardId = NewType("CardId", int)
UserId = NewType("UserId", int)
DayId = NewType("DayId", int)
SaleId = NewType("SaleId", str)
RefundId = NewType("RefundId", str)

Cents = Annotated[int, mapped_column(BigInteger)]
Bp = Annotated[int, mapped_column(Integer)]
Milli = Annotated[int, mapped_column(BigInteger)]
Stamp = Annotated[dt.datetime, mapped_column(DateTime())]
Uuid36 = Annotated[str, mapped_column(String(36))]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Tables whose rows are facts: written once, never changed.
APPEND_ONLY_TABLES = (
    "ledger_entries",
    "audit_log",
    "sales",
    "sale_lines",
    "payments",
    "refunds",
    "refund_lines",
    "programs",
    "nps_responses",
    "history_imports",
    "imported_purchases",
    "referrals",
    "gifts",
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def pct_to_bp(pct: Decimal) -> int:
    return int(pct * 100)


def bp_to_pct(bp: int) -> Decimal:
    value = Decimal(bp) / 100
    return Decimal(int(value)) if value == value.to_integral() else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ProgramVersion(Base):
    __tablename__ = "programs"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[Stamp]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # cashier | manager
    pin_hash: Mapped[str] = mapped_column(String(255))
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime())
    # the screen's language while this user is signed in; NULL: the computer's
    language: Mapped[str | None] = mapped_column(String(16))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime())  # signs in no more
    created_at: Mapped[Stamp]


def search_key(text: str) -> str:
    """Text as searches compare it: case-folded in Python, because SQLite's lower()
    only knows A-Z and would never match "ольга" to "Ольга"."""
    return " ".join(text.casefold().split())


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    search_name: Mapped[str] = mapped_column(String(200), index=True, default="")
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    birthday: Mapped[dt.date | None] = mapped_column(Date())
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Stamp]

    @validates("name")
    def _keep_search_name(self, _key: str, name: str) -> str:
        self.search_name = search_key(name)
        return name


class Shop(Base):
    """A shop of the program. NULL name and address: the program's own (settings);
    NULL time zone: the till computer's."""

    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)  # lines printed under the name
    timezone: Mapped[str | None] = mapped_column(String(64))
    # the language of its receipts, cards, reports and customer display; NULL: the computer's
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[Stamp]


class Till(Base):
    """A till of a shop, by a name unique in the program."""

    __tablename__ = "tills"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[Stamp]


class BusinessDay(Base):
    """A shop's business day, shared by its tills; dates and Z numbers are per shop."""

    __tablename__ = "business_days"
    __table_args__ = (
        UniqueConstraint("shop_id", "business_date", name="uq_business_days_shop_date"),
        UniqueConstraint("shop_id", "z_number", name="uq_business_days_shop_z"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    business_date: Mapped[dt.date] = mapped_column(Date())
    opened_at: Mapped[Stamp]
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    z_number: Mapped[int | None] = mapped_column(Integer)
    z_report: Mapped[str | None] = mapped_column(Text)


class Card(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(13), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # personal | bearer
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|blocked|replaced
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # The first card of a chain of replacements; windowed spend follows the chain.
    lineage_id: Mapped[int | None] = mapped_column(Integer, index=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    pinned_tier: Mapped[str | None] = mapped_column(String(80))
    balance: Mapped[Cents] = mapped_column(default=0)  # cache of the ledger sum
    spend: Mapped[Cents] = mapped_column(default=0)  # cache of lifetime qualifying spend
    stamps: Mapped[int] = mapped_column(Integer, default=0)  # cache: purchases since a gift
    created_at: Mapped[Stamp]
    day_id: Mapped[int | None] = mapped_column(ForeignKey("business_days.id"), index=True)

    customer: Mapped[Customer | None] = relationship(lazy="joined")


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[Uuid36] = mapped_column(primary_key=True)
    receipt_no: Mapped[int] = mapped_column(Integer)  # per shop
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("business_days.id"), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Stamp]
    tier: Mapped[str | None] = mapped_column(String(80))
    discount_bp: Mapped[Bp]
    cashback_bp: Mapped[Bp]
    subtotal: Mapped[Cents]
    discount: Mapped[Cents]
    redeemed: Mapped[Cents]
    paid: Mapped[Cents]
    cashback: Mapped[Cents]
    change_given: Mapped[Cents]
    balance_after: Mapped[Cents | None] = mapped_column(BigInteger)
    # A qualifying purchase of a program with stamps: the card's count after it (1..every)
    # and the min_check it qualified at; NULL when it earned no stamp.
    stamp: Mapped[int | None] = mapped_column(Integer)
    stamp_min: Mapped[Cents | None] = mapped_column(BigInteger)

    lines: Mapped[list[SaleLine]] = relationship(order_by="SaleLine.line_no")
    payments: Mapped[list[Payment]] = relationship(
        primaryjoin="Payment.sale_id == Sale.id", viewonly=True
    )

    __table_args__ = (
        Index("ix_sales_card_created", "card_id", "created_at"),
        UniqueConstraint("shop_id", "receipt_no", name="uq_sales_shop_receipt"),
    )


class SaleLine(Base):
    __tablename__ = "sale_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    qty_milli: Mapped[Milli]
    unit_price: Mapped[Cents]
    eligible: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[Cents]
    discount: Mapped[Cents]
    redeemed: Mapped[Cents]
    paid: Mapped[Cents]
    cashback: Mapped[Cents]
    gift_id: Mapped[int | None] = mapped_column(Integer, index=True)  # handed out at price 0

    __table_args__ = (UniqueConstraint("sale_id", "line_no"),)


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[Uuid36] = mapped_column(primary_key=True)
    __table_args__ = (
        UniqueConstraint("shop_id", "refund_no", name="uq_refunds_shop_refund"),
    )
    refund_no: Mapped[int] = mapped_column(Integer)  # per shop
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), index=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("business_days.id"), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Stamp]
    money_back: Mapped[Cents]
    restored: Mapped[Cents]
    reversed: Mapped[Cents]
    shortfall: Mapped[Cents]
    spend: Mapped[Cents]
    balance_after: Mapped[Cents | None] = mapped_column(BigInteger)
    # What the refund took back of the sale's rewards (docs/RULES-DECISIONS.md, "Rewards").
    unstamped: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_id: Mapped[int | None] = mapped_column(Integer, index=True)
    rewards_back: Mapped[Cents] = mapped_column(default=0)  # from the card's balance
    rewards_kept: Mapped[Cents] = mapped_column(default=0)  # from the money returned
    rewards_forgiven: Mapped[Cents] = mapped_column(default=0)  # neither could cover it

    lines: Mapped[list[RefundLine]] = relationship()


class RefundLine(Base):
    __tablename__ = "refund_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.id"), index=True)
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"), index=True)
    qty_milli: Mapped[Milli]
    amount: Mapped[Cents]
    discount: Mapped[Cents]
    redeemed: Mapped[Cents]
    paid: Mapped[Cents]
    cashback: Mapped[Cents]


class Payment(Base):
    """Money that changed hands: positive taken at a sale, negative paid back at a refund."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    refund_id: Mapped[str | None] = mapped_column(ForeignKey("refunds.id"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("business_days.id"), index=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # cash | card
    amount: Mapped[Cents]
    tendered: Mapped[Cents | None] = mapped_column(BigInteger)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_kind_card", "kind", "card_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Cents]
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    refund_id: Mapped[str | None] = mapped_column(ForeignKey("refunds.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    day_id: Mapped[int | None] = mapped_column(ForeignKey("business_days.id"), index=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), index=True)
    created_at: Mapped[Stamp]
    note: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Stamp]


class NpsResponse(Base):
    """One answer to "how likely are you to recommend us?": a fact, written once."""

    __tablename__ = "nps_responses"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 10", name="score"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), index=True)
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day_id: Mapped[int] = mapped_column(ForeignKey("business_days.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Stamp]


class HistoryImport(Base):
    """One CSV file of purchases from before the program, known by its SHA-256."""

    __tablename__ = "history_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Stamp]


class ImportedPurchase(Base):
    """A purchase from before the program: counted by insight, never on the ledger."""

    __tablename__ = "imported_purchases"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("history_imports.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    business_date: Mapped[dt.date] = mapped_column(Date())
    amount: Mapped[Cents]
    receipt: Mapped[str | None] = mapped_column(String(64))


class Referral(Base):
    """Who recommended the shop to the customer of a new personal card."""

    __tablename__ = "referrals"
    __table_args__ = (CheckConstraint("card_id <> referrer_card_id", name="not_self"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    referrer_card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Stamp]


class InsightSnapshot(Base):
    """A customer's step, segment and visits as of the last refresh: a cache for the till's
    panel, rewritten whole at each refresh (day close, the Insight window)."""

    __tablename__ = "insight_snapshot"
    lineage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    as_of: Mapped[dt.date] = mapped_column(Date())
    step: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(8))
    purchases: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Cents]
    first_date: Mapped[dt.date] = mapped_column(Date())
    last_date: Mapped[dt.date] = mapped_column(Date())
    months_bought: Mapped[int] = mapped_column(Integer)  # of the ladder's last months
    rfm: Mapped[str] = mapped_column(String(3))  # recency, frequency, money: "545"
    refreshed_at: Mapped[Stamp]


LEDGER_KINDS = (
    "earn",
    "redeem",
    "refund_restore",
    "refund_reverse",
    "adjust",
    "transfer_in",
    "transfer_out",
    "expire",
    "bonus_welcome",
    "bonus_stamps",
    "bonus_birthday",
    "bonus_referral",
    "reverse_stamps",
    "reverse_birthday",
    "reverse_referral",
)
BONUS_KINDS = ("bonus_welcome", "bonus_stamps", "bonus_birthday", "bonus_referral")
REVERSE_KINDS = {"bonus_stamps": "reverse_stamps", "bonus_birthday": "reverse_birthday",
                 "bonus_referral": "reverse_referral"}


class Gift(Base):
    """A gift a stamp earned: a bonus credited with the sale, or one unit of a product
    the card takes at a later sale. A fact; whether it was used or taken back is told by
    the sale line that handed it out and the refund that took it back."""

    __tablename__ = "gifts"
    __table_args__ = (CheckConstraint("value >= 0", name="value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), unique=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    lineage_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(8))  # bonus | item
    product: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    value: Mapped[Cents]  # the bonus, or the product's price when the gift was earned
    day_id: Mapped[int] = mapped_column(ForeignKey("business_days.id"))
    created_at: Mapped[Stamp]


class Product(Base):
    """A thing the shop sells. An ordinary row: prices and names are edited in place."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # barcode or SKU, trimmed
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Cents]
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)  # false: outside the program
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[Stamp]
