"""What a scan at the till is: the rules that read a scanner's burst or typed code.

A USB scanner types the code and Enter. The till accepts, in this order:
- ``3*CODE`` (or ``1.5*CODE``): the quantity, then the code of the goods;
- ``R123``: the barcode at the bottom of receipt 123 (the customer brings goods back);
- 13 digits with a right EAN-13 check digit: a loyalty card, or goods with an EAN-13;
- anything else: a product code from the catalog.
Spaces and dashes that scanners and people add are ignored in numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from loyaltypos.domain import cardnumbers
from loyaltypos.domain.i18n import _
from loyaltypos.domain.pricing import parse_quantity

RECEIPT_PREFIX = "R"
_QTY_PREFIX = re.compile(r"^(\d+(?:[.,]\d+)?)\*(.+)$", re.ASCII)  # "3*4601234567893": three of them
_RECEIPT = re.compile(r"^[Rr](?:(\d{1,9})-)?(\d{1,12})$", re.ASCII)

Kind = Literal["receipt", "ean13", "code"]


@dataclass(frozen=True)
class Scan:
    """One scan, read: its kind, the code as typed (``text``) and cleaned (``code``)."""

    kind: Kind
    text: str
    code: str
    qty: Decimal = Decimal(1)
    receipt_no: ReceiptRef | None = None

    @property
    def looks_like_card(self) -> bool:
        """13 digits: a card number, right or mistyped."""
        return self.code.isascii() and self.code.isdigit() and len(self.code) == cardnumbers.LENGTH


class ReceiptRef(NamedTuple):
    """A receipt as a person or a scanner names it: its number, and its shop when a
    barcode says it (None: typed digits, which mean a receipt of this till's shop)."""

    number: int
    shop: int | None = None

    def __str__(self) -> str:
        return str(self.number) if self.shop is None else receipt_code(self.number, self.shop)


def receipt_code(receipt_no: int, shop_id: int = 1) -> str:
    """The text of a receipt's barcode: "R123" in the program's first shop, "R2-123" in
    shop 2. Receipt numbers are per shop; the code is unique in the whole program, so a
    receipt scanned in any shop finds its sale."""
    if shop_id == 1:
        return f"{RECEIPT_PREFIX}{receipt_no}"
    return f"{RECEIPT_PREFIX}{shop_id}-{receipt_no}"


def parse_receipt_code(text: str) -> ReceiptRef | None:
    """The receipt a scanned barcode ("R123", "R2-123") or typed digits name."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 12:
        return ReceiptRef(int(text))
    match = _RECEIPT.match(text)
    if match is None:
        return None
    return ReceiptRef(int(match.group(2)), int(match.group(1) or 1))


def read_scan(text: str) -> Scan | None:
    """Read a scan; None when there is nothing in it. A bad quantity is refused."""
    text = text.strip()
    if not text:
        return None
    qty = Decimal(1)
    match = _QTY_PREFIX.match(text)
    if match:
        qty = parse_quantity(match.group(1))
        text = match.group(2).strip()
    if _RECEIPT.match(text):
        return Scan("receipt", text, text.upper(), qty, parse_receipt_code(text))
    code = re.sub(r"[\s-]", "", text)
    scan = Scan("code", text, code, qty)
    if scan.looks_like_card and cardnumbers.is_valid(code):
        return Scan("ean13", text, code, qty)
    return scan


def not_found(scan: Scan) -> str:
    """What the cashier is told when nothing has the scanned code."""
    if scan.looks_like_card and not cardnumbers.is_valid(scan.code):
        return _("{code}: check digit wrong, scan again").format(code=scan.code)
    if scan.looks_like_card:
        return _("not found: {code}. No card or goods with this code").format(code=scan.code)
    return _("not found: {text}. Scan again, or F5 for an item not in the catalog").format(
        text=scan.text)
