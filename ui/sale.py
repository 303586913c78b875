"""The sale being rung up at the till: its id, card, lines and the cashback to redeem.

No Qt here: the till screen draws what this holds, and every figure comes from the
services (``checkout.quote``), priced again after each change.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from loyaltypos.db import Database
from loyaltypos.domain.cards import CardInfo, ReadyGift
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.pricing import CartLine, RedeemRequest
from loyaltypos.services import checkout


class OpenSale:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new, empty sale with a new id (the id makes a second payment impossible)."""
        self.sale_id = checkout.new_sale_id()
        self.card: CardInfo | None = None
        self.lines: list[CartLine] = []
        self.redeem: RedeemRequest = None
        self.quote: checkout.Quote | None = None

    @property
    def card_number(self) -> str | None:
        return self.card.number if self.card else None

    def attach(self, card: CardInfo) -> list[CartLine]:
        """Put ``card`` on the sale. Returns the gift lines of another card it had, taken
        out: a gift goes only with the card that earned it."""
        dropped = []
        if self.card is not None and self.card.number != card.number:
            dropped = self.drop_gifts()
        self.card, self.redeem = card, None
        return dropped

    def detach(self) -> list[CartLine]:
        """Take the card off the sale (it was blocked or replaced), and its gift lines."""
        self.card, self.redeem = None, None
        return self.drop_gifts()

    def drop_gifts(self) -> list[CartLine]:
        dropped = [line for line in self.lines if line.gift_id is not None]
        self.lines = [line for line in self.lines if line.gift_id is None]
        return dropped

    @property
    def gift_ids(self) -> frozenset[int]:
        """The card's gifts already in the cart."""
        return frozenset(line.gift_id for line in self.lines if line.gift_id is not None)

    def next_gift(self) -> ReadyGift | None:
        """The card's first gift ready that is not in the cart yet."""
        if self.card is None:
            return None
        taken = self.gift_ids
        return next((g for g in self.card.rewards.gifts_ready if g.id not in taken), None)

    def add(self, line: CartLine) -> int:
        """Add a line; returns its row."""
        self.lines.append(line)
        return len(self.lines) - 1

    def set_qty(self, row: int, qty: Decimal) -> None:
        line = self.lines[row]
        if line.gift_id is not None and qty != line.qty:
            raise Refused(_("a gift is one unit; Delete takes it out if the customer does not"
                            " want it"))
        self.lines[row] = replace(line, qty=qty)

    def remove(self, row: int) -> CartLine:
        return self.lines.pop(row)

    def price(self, db: Database) -> str | None:
        """Price the sale again. Returns a note when the cashback payment had to go (the cart
        shrank under it); a refusal of the cart itself is raised."""
        self.quote = None
        if not self.lines:
            return None
        note = None
        try:
            self.quote = checkout.quote(db, card_number=self.card_number, lines=self.lines,
                                        redeem=self.redeem)
        except Refused as exc:
            if self.redeem is None:
                raise
            self.redeem = None
            note = _("{reason}; cashback payment removed").format(reason=exc)
            self.quote = checkout.quote(db, card_number=self.card_number, lines=self.lines)
        if self.quote.card is not None:
            self.card = self.quote.card
        return note

    def redeem_cap(self, db: Database) -> int:
        """How much cashback could pay this sale, before any is asked for."""
        quote = checkout.quote(db, card_number=self.card_number, lines=self.lines)
        return quote.pricing.redeemable
