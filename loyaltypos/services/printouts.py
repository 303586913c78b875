"""Printouts that need the database: a card's PDF from its number."""

from __future__ import annotations

from pathlib import Path

from loyaltypos.db import Database
from loyaltypos.documents.cards import PdfWritten, write_card_pdf
from loyaltypos.documents.files import check_writable
from loyaltypos.domain.errors import CardBlocked, CardReplaced
from loyaltypos.domain.i18n import _
from loyaltypos.services.cards import card_info, find_card
from loyaltypos.services.store import current_program


def card_pdf(db: Database, *, number: str, path: str | Path) -> PdfWritten:
    """Write one card's front and back (two CR80 pages) to ``path``; reads only.

    Blocked and replaced cards are refused: the till would refuse them too.
    """
    check_writable(path)
    with db.read() as s:
        card = card_info(s, find_card(s, number))
        program = current_program(s)
    if card.status == "blocked":
        raise CardBlocked(_("card {number} is blocked (lost or stolen); it is not printed").format(
            number=card.number))
    if card.status == "replaced":
        raise CardReplaced(_("card {number} was replaced by card {new}; print the new card").format(
            number=card.number, new=card.replaced_by))
    return write_card_pdf(card, program, path)
