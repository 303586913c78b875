"""Every string the core shows a person goes through the translation function.

The test makes a pseudo-translation catalog from the source itself: every literal
message passed to ``_``, ``ngettext`` and ``N_`` in ``loyaltypos/`` is "translated" as
the English wrapped in ⟦...⟧, written as a GNU gettext ``.mo`` file and put in use with
``i18n.use_language(..., localedir=...)``. With it in use, every word of a receipt, a
report, a card or a refusal must sit inside ⟦...⟧, apart from the data (names, tiers,
the shop's name, the currency code): a word outside was never asked of the catalog,
so no translation will ever reach it.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import personal, reader

import loyaltypos
from loyaltypos.documents import cards as card_print
from loyaltypos.documents.receipt_print import print_escpos
from loyaltypos.documents.receipts import render_refund_text, render_text
from loyaltypos.documents.z_report import render_z_text, z_pdf
from loyaltypos.domain import cardnumbers, i18n, money
from loyaltypos.domain.cards import CardInfo, Holder
from loyaltypos.domain.day_summary import NO_CARD, DaySummary, TierLine, TopCustomer
from loyaltypos.domain.errors import (
    BadAmount,
    BadQuantity,
    CardBlocked,
    CardNumberWrong,
    CheckDigitWrong,
    NotAllowed,
    PinWrong,
    ProgramInvalid,
    RedeemRefused,
    Refused,
)
from loyaltypos.domain.pricing import CartLine, Terms, price_sale
from loyaltypos.domain.program import parse_program
from loyaltypos.domain.receipts import Receipt, ReceiptLine, RefundReceipt, RefundReceiptLine
from loyaltypos.services import cards, days, users

CORE = Path(loyaltypos.__file__).resolve().parent
ROOT = CORE.parent
PSEUDO = "qps"  # the conventional code of a pseudo-locale
OPEN, CLOSE = "⟦", "⟧"
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}  # function name -> message arguments

# ---------------------------------------------------------------- the catalog


def _marker_calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS):
            yield node.func.id, node


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(folder: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """The messages of ``folder``'s source: single ones, and (singular, plural) pairs."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, call in _marker_calls(tree):
            texts = [_literal(arg) for arg in call.args[:MARKERS[name]]]
            if len(texts) < MARKERS[name] or None in texts:
                continue  # a variable holding N_-marked text: found where it is marked
            if name == "ngettext":
                plurals.add((texts[0], texts[1]))
            else:
                singles.add(texts[0])
    return singles, plurals


def wrap(text: str) -> str:
    if text.endswith("\n"):  # a line's end stays the line's end, as msgfmt checks
        return f"{OPEN}{text[:-1]}{CLOSE}\n"
    return f"{OPEN}{text}{CLOSE}"


HEADER = ("Project-Id-Version: loyaltypos pseudo\n"
          "MIME-Version: 1.0\n"
          "Content-Type: text/plain; charset=UTF-8\n"
          "Content-Transfer-Encoding: 8bit\n"
          "Language: qps\n"
          "Plural-Forms: nplurals=2; plural=(n != 1);\n")


def catalog_entries(singles: set[str], plurals: set[tuple[str, str]]) -> dict[str, str]:
    """The .mo file's keys and values: a plural's key and forms are joined by NUL."""
    entries = {"": HEADER}
    entries |= {text: wrap(text) for text in singles}
    entries |= {f"{one}\0{many}": f"{wrap(one)}\0{wrap(many)}" for one, many in plurals}
    return entries


def write_mo(path: Path, entries: dict[str, str]) -> None:
    """A GNU gettext .mo file, laid out as msgfmt writes it (no hash table)."""
    keys = sorted(entries, key=lambda k: k.encode())
    ids = strs = b""
    spans = []
    for key in keys:
        k, v = key.encode(), entries[key].encode()
        spans.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\0"
        strs += v + b"\0"
    n = len(keys)
    ids_at = 7 * 4 + 16 * n
    strs_at = ids_at + len(ids)
    originals = [x for id_at, id_len, _s, _l in spans for x in (id_len, ids_at + id_at)]
    translations = [x for _i, _n, s_at, s_len in spans for x in (s_len, strs_at + s_at)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<7I", 0x950412DE, 0, n, 7 * 4, 7 * 4 + 8 * n, 0, 0)
                     + struct.pack(f"<{4 * n}I", *originals, *translations) + ids + strs)


def _po_quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


def write_po(path: Path, singles: set[str], plurals: set[tuple[str, str]]) -> None:
    """The same catalog as a .po file, for msgfmt and for a person to read."""
    out = ['msgid ""', "msgstr " + _po_quote(HEADER), ""]
    for text in sorted(singles):
        out += ["msgid " + _po_quote(text), "msgstr " + _po_quote(wrap(text)), ""]
    for one, many in sorted(plurals):
        out += ["msgid " + _po_quote(one), "msgid_plural " + _po_quote(many),
                "msgstr[0] " + _po_quote(wrap(one)), "msgstr[1] " + _po_quote(wrap(many)), ""]
    path.write_text("\n".join(out), encoding="utf-8")


@contextmanager
def pseudo_language(folder: Path) -> Iterator[None]:
    """The pseudo-translation in use inside the block; English again after it."""
    singles, plurals = extract(CORE)
    write_mo(folder / PSEUDO / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo",
             catalog_entries(singles, plurals))
    assert i18n.use_language(PSEUDO, localedir=folder) == PSEUDO
    try:
        yield
    finally:
        i18n.use_language(None)


@pytest.fixture
def pseudo(tmp_path):
    with pseudo_language(tmp_path / "locale"):
        yield
    assert i18n.language() == i18n.SOURCE_LANGUAGE


# ---------------------------------------------------------------- the check


_INNERMOST = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# Dates and times are written by Babel in the locale's words (CLDR's, not the catalog's):
# the pseudo-language writes them as English does.
_BABEL_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}"
                         r"|\b\d{1,2}:\d\d\s?[AP]M\b")


def untranslated(text: str, *data: str) -> list[str]:
    """The lines of ``text`` with letters outside ⟦...⟧, once the data is taken out.

    Translated messages nest (a refusal inside a refusal), and a long one may wrap onto
    the next line, so the brackets are matched over the whole text, innermost first.
    """
    rest = text
    for value in sorted(filter(None, data), key=len, reverse=True):
        rest = rest.replace(value, " ")
    rest = _BABEL_DATE.sub(" ", rest)
    while True:
        rest, found = _INNERMOST.subn(" ", rest)
        if not found:
            break
    return [line for line in rest.splitlines() if any(ch.isalpha() for ch in line)]


def assert_translated(text: str, *data: str) -> None:
    assert OPEN in text, f"nothing translated in:\n{text}"
    left = untranslated(text, *data)
    assert not left, f"not translated: {left!r} in:\n{text}"


def test_the_check_finds_a_word_outside_the_brackets():
    # The check itself can fail: a bare word, a half-wrapped line, an unclosed bracket.
    assert untranslated("⟦Subtotal⟧   12.00\nTOTAL 12.00") == ["TOTAL 12.00"]
    assert untranslated("⟦Card⟧ holder", "Olga") == ["  holder"]
    assert untranslated("⟦Receipt 1⟧ May 6, 2024 10:30 AM") == []
    assert untranslated("⟦Receipt 1⟧ May 6 2024") != []
    assert untranslated("⟦Discount Gold 10%") != []
    assert untranslated("⟦⟦closing the day⟧ needs a manager⟧\n⟦Tier⟧ Gold", "Gold") == []


# ---------------------------------------------------------------- the documents

SHOP, CASHIER, MANAGER, HOLDER = "Lavka Zvezda", "Kolya", "Maria", "Olga Smirnova"
TIER, NEXT_TIER, GOODS, MORE_GOODS = "Zoloto", "Platina", "Chai Assam", "Zazhigalka"
ADDRESS, CUR, GIFT_GOODS = "12 Lenina", "RUB", "Kofe"
WHEN = dt.datetime(2024, 5, 6, 10, 30)
DATA = (SHOP, ADDRESS, CASHIER, MANAGER, HOLDER, TIER, NEXT_TIER, GOODS, MORE_GOODS, CUR,
        GIFT_GOODS)


def a_receipt() -> Receipt:
    """A sale with every line a receipt can have: discount, cashback paid, two methods, a
    gift handed out, bonuses, the stamp that earned a gift, the next expiry."""
    return Receipt(
        shop=SHOP, header=(ADDRESS,), currency=CUR, receipt_no=17, sale_id="s-1", when=WHEN,
        cashier=CASHIER,
        lines=(ReceiptLine(1, GOODS, Decimal(2), 12_500, 25_000, 2_500, True),
               ReceiptLine(2, MORE_GOODS, Decimal(1), 9_900, 9_900, 0, False),
               ReceiptLine(3, GIFT_GOODS, Decimal(1), 0, 0, 0, False, gift=True)),
        subtotal=34_900, discount=2_500, discount_pct=Decimal(10), redeemed=1_000, total=31_400,
        payments=(("cash", 20_000), ("card", 11_400)), tendered=50_000, change=30_000,
        card=cardnumbers.masked("2712345678902"), holder=HOLDER, tier=TIER, cashback=1_150,
        balance=4_150, next_tier=NEXT_TIER, to_next_tier=120_000,
        bonuses=(("bonus_stamps", 15_000), ("bonus_birthday", 20_000)), stamp=6, stamps_every=6,
        gift_earned=True, next_expiry=(dt.date(2025, 5, 6), 1_000),
    )


def a_refund_receipt() -> RefundReceipt:
    return RefundReceipt(
        shop=SHOP, header=(ADDRESS,), currency=CUR, refund_no=3, sale_receipt_no=17,
        when=WHEN, manager=MANAGER,
        lines=(RefundReceiptLine(1, GOODS, Decimal(2), 22_500),
               RefundReceiptLine(2, MORE_GOODS, Decimal(1), 9_900)),
        money_back=31_000, payouts=(("card", 11_400), ("cash", 19_600)), restored=1_000,
        reversed=900, shortfall=1_400, card=cardnumbers.masked("2712345678902"), balance=2_250,
    )


def a_closed_day() -> DaySummary:
    """A closed day with every part a Z report prints: tiers, sales without a card, hours,
    a bearer card among the top customers, cash counted short."""
    return DaySummary(
        date=WHEN.date(), day_id=4, closed=True, z_number=12, sales=5, refunds=1,
        subtotal=100_000, discount=5_000, redeemed=1_000, paid=94_000, money_back=3_000,
        paid_by={"cash": 40_000, "card": 51_000}, cashback_earned=4_000, cashback_restored=100,
        cashback_reversed=200, adjustments=5_000, liability_change=8_900,
        liability_total=120_000, new_cards={"personal": 1, "bearer": 2}, average_check=19_000,
        tiers={TIER: TierLine(3, 80_000, 5_000), NO_CARD: TierLine(2, 20_000, 0)},
        hours={"09": 30_000, "17": 65_000},
        top_customers=[TopCustomer("2712345678902", HOLDER, 60_000),
                       TopCustomer("2700000000015", None, 10_000)],
        expected_cash=40_000, counted_cash=39_850, cash_difference=-150,
        opened_at=dt.datetime(2024, 5, 6, 5, 0), closed_at=dt.datetime(2024, 5, 6, 17, 0),
    )


def test_a_sale_receipt_is_translated_line_by_line(pseudo):
    text = render_text(a_receipt())
    assert_translated(text, *DATA)
    assert "⟦TOTAL⟧" in text and "⟦card⟧" in text  # a payment method is named, not stored


def test_the_rewards_on_a_receipt_are_translated_on_a_narrow_roll_too(pseudo):
    earned_item = replace(a_receipt(), bonuses=(), stamp=2, stamps_every=6, gift_earned=False,
                          gift_item=GIFT_GOODS)
    for doc in (a_receipt(), earned_item):
        for width in (42, 32):
            text = render_text(doc, width=width)
            assert_translated(text, *DATA)
    text = render_text(earned_item)
    assert "⟦Stamp 2 of 6: 4 more purchases to a gift⟧" in text
    assert "⟦Your gift, Kofe, waits for your next\npurchase⟧" in text  # wrapped at 42
    text = render_text(a_receipt())
    for phrase in ("⟦GIFT⟧ Kofe", "⟦Stamp bonus⟧", "⟦Birthday bonus⟧",
                   "⟦Stamp 6 of 6: gift earned⟧", "⟦10.00 expires on May 6, 2025⟧"):
        assert phrase in text, phrase


def test_a_refund_receipt_is_translated_line_by_line(pseudo):
    assert_translated(render_refund_text(a_refund_receipt()), *DATA)


def test_the_lines_printed_bold_are_found_in_the_language_in_use(pseudo):
    class Device:
        def __init__(self) -> None:
            self.bold, self.lines = False, []

        def hw(self, _command: str) -> None:
            pass

        def set(self, **style) -> None:
            self.bold = style.get("bold", self.bold)

        def textln(self, text: str) -> None:
            self.lines.append((text, self.bold))

        def barcode(self, *args, **kwargs) -> None:
            pass

        def cut(self) -> None:
            pass

    for doc, bold_start in ((a_receipt(), "⟦TOTAL⟧"), (a_refund_receipt(), "⟦MONEY BACK⟧")):
        device = Device()
        print_escpos(doc, device)
        bold = [text for text, is_bold in device.lines[1:] if is_bold]
        assert len(bold) == 1 and bold[0].startswith(bold_start), device.lines


def test_the_z_and_x_reports_are_translated_on_the_roll(pseudo):
    closed = a_closed_day()
    still_open = replace(closed, closed=False, z_number=None, counted_cash=None,
                         cash_difference=None, closed_at=None)
    for summary in (closed, still_open):
        text = render_z_text(summary, shop=SHOP, currency=CUR)
        assert_translated(text, *DATA)
        assert "⟦No card⟧" in text and "⟦bearer card⟧" in text


def test_the_z_report_is_translated_on_a4(pseudo, tmp_path):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "z.pdf"
    pdf.write_bytes(z_pdf(a_closed_day(), shop=SHOP, currency=CUR))
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert_translated(text, *DATA)


class Recorder:
    """A canvas that keeps the text drawn on it and ignores everything else."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def drawString(self, _x, _y, text, *args, **kwargs) -> None:  # reportlab's names
        self.texts.append(text)

    drawRightString = drawCentredString = drawString

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def test_the_card_and_its_terms_are_translated(pseudo):
    program = parse_program(f"""
[program]
name = "{SHOP}"
currency = "{CUR}"
tier_window_days = 365
max_redeem_pct = 50
min_redeem_balance = 100

[[tier]]
name = "Nositel"
bearer = true
discount_pct = 3
cashback_pct = 0

[[tier]]
name = "{TIER}"
min_spend = 0
discount_pct = 0
cashback_pct = 5

[[tier]]
name = "{NEXT_TIER}"
min_spend = 50000
discount_pct = 10
cashback_pct = 7
""")
    data = (*DATA, "Nositel")
    for rule in card_print.terms(program):
        assert_translated(rule, *data)
    lifetime = replace(program, tier_window_days=0, min_redeem_balance=0)
    for rule in card_print.terms(lifetime):
        assert_translated(rule, *data)

    bearer = CardInfo(number="2712345678902", kind="bearer", status="active", tier="Nositel",
                      discount_pct=Decimal(3), cashback_pct=Decimal(0), balance=0, spend=0,
                      holder=None, pinned=False, next_tier=None, to_next_tier=None,
                      replaced_by=None)
    canvas = Recorder()
    painter = card_print._Painter(canvas, program)
    painter.front(bearer)
    painter.back(bearer.number)
    # The front's holder line, the back's title, table and card number line.
    assert_translated("\n".join(canvas.texts), *data)
    personal_card = replace(bearer, kind="personal", tier=TIER,
                            holder=Holder(HOLDER, None, None, None, False))
    canvas.texts.clear()
    painter.front(personal_card)
    assert untranslated("\n".join(canvas.texts), *data) == []


# ---------------------------------------------------------------- the refusals


def refusal(call, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as refused:
        call(*args, **kwargs)
    return refused.value


def test_the_rules_refuse_in_the_language_in_use(pseudo):
    valid = cardnumbers.generate()
    wrong_digit = valid[:12] + str((int(valid[12]) + 1) % 10)
    refusals = [
        (refusal(money.parse_amount, "12.345", CUR), BadAmount),
        (refusal(money.parse_amount, "twelve", CUR), BadAmount),
        (refusal(money.parse_amount, "-5", CUR), BadAmount),
        (refusal(money.exponent, "XYZ"), BadAmount),
        (refusal(money.D, "lots"), BadAmount),
        (refusal(cardnumbers.normalize, wrong_digit), CheckDigitWrong),
        (refusal(cardnumbers.normalize, "12345"), CardNumberWrong),
        (refusal(price_sale, [], terms=Terms(), currency=CUR), BadQuantity),
        (refusal(price_sale, [CartLine(GOODS, Decimal(1), 5_000)], terms=Terms(),
                 balance=1_000, redeem=2_000, currency=CUR), RedeemRefused),
        (refusal(parse_program, '[program]\nname = "x"\ncurrency = "XYZ"\n'), ProgramInvalid),
        (refusal(parse_program, "[program]\nname = 'x'\ncurrency = 'RUB'\n"
                                "[[tier]]\nname = 'T'\ndiscount_pct = 'lots'\n"), ProgramInvalid),
    ]
    for refused, kind in refusals:
        assert isinstance(refused, kind)
        assert_translated(str(refused), "twelve", "XYZ", "lots", "'T'", GOODS, CUR)


def test_the_services_refuse_in_the_language_in_use(pseudo, db, manager, cashier):
    card = personal(db, cashier, HOLDER)
    messages = [
        refusal(cards.block_card, db, actor=cashier, number=card.number),
        refusal(days.close_day, db, actor=cashier),
        refusal(cards.find_cards, db, actor=reader(db), text="x"),
        refusal(users.sign_in, db, name=CASHIER, pin="0000"),
    ]
    assert isinstance(messages[0], NotAllowed) and isinstance(messages[1], NotAllowed)
    assert isinstance(messages[3], PinWrong)
    cards.block_card(db, actor=manager, number=card.number)
    blocked = refusal(cards.scan_card, db, number=card.number)
    assert isinstance(blocked, CardBlocked)
    for refused in [*messages, blocked]:
        assert_translated(str(refused), CASHIER, HOLDER)


def test_english_is_back_after_another_language(tmp_path):
    with pseudo_language(tmp_path / "locale"):
        assert "⟦Thank you!⟧" in render_text(a_receipt())
    assert i18n.language() == "en"
    text = render_text(a_receipt())
    assert OPEN not in text and "Thank you!" in text


# ---------------------------------------------------------------- the catalog itself


def test_the_catalog_file_is_what_msgfmt_makes(tmp_path):
    singles, plurals = extract(CORE)
    assert "Thank you!" in singles and len(singles) > 200
    mine = tmp_path / "mine.mo"
    write_mo(mine, catalog_entries(singles, plurals))
    with mine.open("rb") as handle:
        ours = gettext.GNUTranslations(handle)
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    po, theirs_mo = tmp_path / "pseudo.po", tmp_path / "theirs.mo"
    write_po(po, singles, plurals)
    subprocess.run([msgfmt, "--check", "-o", str(theirs_mo), str(po)], check=True,
                   capture_output=True)
    with theirs_mo.open("rb") as handle:
        theirs = gettext.GNUTranslations(handle)
    for text in singles:
        assert ours.gettext(text) == theirs.gettext(text) == wrap(text)
    for one, many in plurals:
        for n in (1, 2):
            assert ours.ngettext(one, many, n) == theirs.ngettext(one, many, n)


def _filled_before_translation(call: ast.Call) -> bool:
    """A marked message that is an f-string, or filled with %, .format() or + inside the call."""
    for arg in call.args[:MARKERS[call.func.id]]:
        for node in ast.walk(arg):
            if isinstance(node, ast.JoinedStr | ast.BinOp):
                return True
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "format"):
                return True
    return False


def test_no_message_is_filled_before_it_is_translated():
    """``_(f"...")``, ``_("..." % x)`` and the like are never found in the catalog."""
    found = []
    for folder in (ROOT / "loyaltypos", ROOT / "ui"):
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found += [f"{path.relative_to(ROOT)}:{call.lineno}"
                      for _name, call in _marker_calls(tree) if _filled_before_translation(call)]
    assert found == []


def test_the_filled_before_translation_check_can_fail():
    for source in ('_(f"card {n} is blocked")', '_("card %s is blocked" % n)',
                   '_("card {n}".format(n=n))', 'ngettext(f"{n} sale", "{n} sales", n)'):
        call = ast.parse(source).body[0].value
        assert _filled_before_translation(call), source
    assert not _filled_before_translation(ast.parse('_("card {n}")').body[0].value)
