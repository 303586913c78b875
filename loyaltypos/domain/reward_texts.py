"""How the till, the receipt and the customer display word the rewards: one wording each,
so the panel's "4 of 6: 2 more purchases to a gift" is the receipt's too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from loyaltypos.domain.i18n import N_, _, date_text, ngettext

# The ledger kinds of the bonuses, as a person reads them.
BONUS_NAMES = {"bonus_stamps": N_("Stamp bonus"), "bonus_birthday": N_("Birthday bonus"),
               "bonus_referral": N_("Referral bonus"), "bonus_welcome": N_("Welcome bonus")}


def bonus_name(kind: str) -> str:
    """A bonus's ledger kind as a person reads it; an unknown kind as it is stored."""
    return _(BONUS_NAMES[kind]) if kind in BONUS_NAMES else kind


def stamps_to_go(stamps: int, every: int) -> str:
    """Where a card stands with its stamps: "4 of 6: 2 more purchases to a gift"."""
    left = max(every - stamps, 1)
    return ngettext("{stamps} of {every}: {left} more purchase to a gift",
                    "{stamps} of {every}: {left} more purchases to a gift", left).format(
        stamps=stamps, every=every, left=left)


def stamp_of_sale(stamp: int, every: int, *, gift: bool) -> str:
    """The stamp a sale earned: "Stamp 4 of 6: 2 more purchases to a gift", or
    "Stamp 6 of 6: gift earned" for the purchase that earned the gift."""
    if gift:
        # A program whose `every` was lowered since may give a gift past it: never "7 of 6".
        return _("Stamp {stamp} of {every}: gift earned").format(stamp=stamp,
                                                                 every=max(stamp, every))
    left = max(every - stamp, 1)
    return ngettext("Stamp {stamp} of {every}: {left} more purchase to a gift",
                    "Stamp {stamp} of {every}: {left} more purchases to a gift", left).format(
        stamp=stamp, every=every, left=left)


def expires_on(amount: str, date: dt.date) -> str:
    """The next expiry, the amount already formatted: "120.00 expires on 2026-12-31"."""
    return _("{amount} expires on {date}").format(amount=amount, date=date_text(date))


def sale_earned(*, stamp: int | None, every: int | None, gift: str | None,
                gift_item: str | None, bonuses: Mapping[str, int],
                money: Callable[[int], str]) -> list[str]:
    """What a sale just paid earned besides cashback, for the till, one phrase each:
    "Stamp 4 of 6", "Gift earned: 150.00 bonus" or "Gift earned: Coffee - ready for the
    next purchase", "Birthday bonus 200.00". ``gift``: "bonus", "item" or None."""
    parts = []
    if stamp is not None:
        parts.append(_("Stamp {stamp} of {every}").format(stamp=stamp, every=max(stamp, every))
                     if every else _("Stamp {stamp}").format(stamp=stamp))
    if gift == "bonus" and bonuses.get("bonus_stamps"):
        parts.append(_("Gift earned: {amount} bonus").format(
            amount=money(bonuses["bonus_stamps"])))
    elif gift == "item":
        parts.append(_("Gift earned: {item} - ready for the next purchase").format(
            item=gift_item or _("an item")))
    if bonuses.get("bonus_birthday"):
        parts.append(_("Birthday bonus {amount}").format(amount=money(bonuses["bonus_birthday"])))
    if bonuses.get("bonus_referral"):
        parts.append(_("Referral bonus {amount} to the customer who recommended this one")
                     .format(amount=money(bonuses["bonus_referral"])))
    return parts
