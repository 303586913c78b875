from decimal import Decimal

from conftest import line, personal

from loyaltypos.documents.receipts import render_text
from loyaltypos.domain.money import fmt
from loyaltypos.services import cards
from loyaltypos.services.checkout import PaymentInput, checkout, new_sale_id
from loyaltypos.services.receipts import sale_receipt


def test_receipt_shows_what_was_stored(db, cashier, manager):
    card = personal(db, cashier, name="Anna Karenina")
    cards.adjust_balance(db, actor=manager, number=card.number, amount=1_000, reason="gift")
    sale = checkout(db, actor=cashier, sale_id=new_sale_id(), card_number=card.number,
                    lines=[line("Tea", "2", 15_000), line("Lighter", 1, 9_900, eligible=False)],
                    redeem=1_000, payments=[PaymentInput("cash", tendered=50_000)])
    r = sale_receipt(db, sale_id=sale.sale_id)
    assert (r.receipt_no, r.subtotal, r.redeemed, r.total, r.change) == (
        sale.receipt_no, 39_900, 1_000, sale.paid, 50_000 - sale.paid)
    assert r.card.endswith(card.number[-4:]) and card.number not in r.card
    assert r.holder == "Anna Karenina" and r.cashier == "Kolya"
    assert r.lines[0].qty == Decimal(2) and not r.lines[1].eligible
    text = render_text(r)
    assert "Receipt 1" in text and "TOTAL" in text and "Anna Karenina" in text
    assert "2 x 150.00" in text and "not in the loyalty program" in text
    balance_row = next(row for row in text.splitlines() if row.startswith("Cashback balance"))
    assert balance_row.endswith(fmt(sale.balance, "RUB")) and len(balance_row) == 42
    assert all(len(row) <= 42 for row in text.splitlines())
