"""The translation catalogs against the source: complete, not stale, filled the same way.

Each language's ``.po`` must translate every message the code marks (``_``, ``N_``,
``ngettext``) and nothing the code no longer says; each translation keeps the message's
{placeholders}, its keys (F9, Esc) and its line breaks, and has every plural form of its
language; the committed ``.mo`` says what the ``.po`` says. ``scripts/catalogs`` brings a
catalog up to date after the code changes.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import loyaltypos
from loyaltypos.domain import i18n

ROOT = Path(loyaltypos.__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# str.format's fields, and the %-directives of the few messages argparse fills itself
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdr]|%[sdr]")
KEY = re.compile(r"\b(?:F\d{1,2}|Esc|Ctrl\+\w+|Enter)\b")
CATALOGS = sorted((ROOT / "loyaltypos" / "locale").glob("*/LC_MESSAGES/loyaltypos.po"))


def source_messages() -> dict[str | tuple[str, str], str]:
    """Every message the code marks, with one place it is said."""
    files = [*sorted((ROOT / "loyaltypos").rglob("*.py")), *sorted((ROOT / "ui").rglob("*.py")),
             ROOT / "main.py"]
    found: dict[str | tuple[str, str], str] = {}
    for path in files:
        for lineno, message, _comments, _context in extract_from_file(
                "python", path, keywords=KEYWORDS):
            found.setdefault(message, f"{path.relative_to(ROOT)}:{lineno}")
    return found


def load(po: Path):
    with po.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def source():
    return source_messages()


def test_there_is_a_russian_catalog():
    assert [po.parent.parent.name for po in CATALOGS] == ["ru"]
    assert i18n.languages() == ["en", "ru"]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_a_catalog_translates_every_message_the_code_says_and_no_other(po, source):
    catalog = load(po)
    translated = {m.id for m in catalog if m.id and not m.fuzzy and all(
        m.string if isinstance(m.string, tuple) else (m.string,))}
    missing = sorted(f"{where}: {message!r}" for message, where in source.items()
                     if message not in translated)
    stale = sorted(repr(m.id) for m in catalog if m.id and m.id not in source)
    assert not missing, (f"{len(missing)} message(s) without a translation (run "
                         "scripts/catalogs, then translate):\n" + "\n".join(missing[:40]))
    assert not stale, ("message(s) the code no longer says (run scripts/catalogs):\n"
                       + "\n".join(stale[:40]))


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_translation_keeps_its_placeholders_keys_and_lines(po):
    catalog = load(po)
    forms = catalog.num_plurals
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            if len(m.string) != forms:
                wrong.append(f"{m.id!r}: {len(m.string)} forms, the language has {forms}")
                continue
            english = set(PLACEHOLDER.findall(m.id[0])) | set(PLACEHOLDER.findall(m.id[1]))
            # A form may leave out the count ("одна покупка"); it keeps every other value.
            needed = set(PLACEHOLDER.findall(m.id[1])) - {"{n}", "{count}"}
            pairs = [(m.id[1], text) for text in m.string]
            for text in m.string:
                got = set(PLACEHOLDER.findall(text))
                if not (needed <= got <= english):
                    wrong.append(f"{m.id!r}: {text!r}")
        else:
            pairs = [(m.id, m.string)]
            if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)):
                wrong.append(f"{m.id!r}: {m.string!r}")
        for english_text, text in pairs:
            if sorted(KEY.findall(english_text)) != sorted(KEY.findall(text)):
                wrong.append(f"keys of {english_text!r}: {text!r}")
            if english_text.count("\n") != text.count("\n"):
                wrong.append(f"lines of {english_text!r}: {text!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalog_is_the_translated_one(po):
    catalog = load(po)
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            for n in (1, 2, 5):
                index = catalog.plural_expr and _plural_index(catalog, n)
                if compiled.ngettext(m.id[0], m.id[1], n) != m.string[index]:
                    stale.append(repr(m.id))
        elif compiled.gettext(m.id) != m.string:
            stale.append(repr(m.id))
    assert not stale, ("the .mo is older than the .po (run scripts/catalogs compile):\n"
                       + "\n".join(stale[:20]))


def _plural_index(catalog, n: int) -> int:
    return int(gettext.c2py(catalog.plural_expr)(n))


def test_the_check_finds_a_message_without_a_translation(tmp_path):
    # The completeness check itself can fail: a message added to the source is missing
    # from the catalog until the catalog is brought up to date.
    module = tmp_path / "new.py"
    module.write_text('from loyaltypos.domain.i18n import _\n_("a message nobody translated")\n',
                      encoding="utf-8")
    said = [message for _line, message, _c, _x in extract_from_file("python", module,
                                                                      keywords=KEYWORDS)]
    catalog = load(CATALOGS[0])
    assert said == ["a message nobody translated"] and said[0] not in catalog


def test_russian_is_spoken_with_its_three_plural_forms():
    with i18n.speaking("ru"):
        assert i18n.language() == "ru"
        words = [i18n.ngettext("{n} sale", "{n} sales", n).format(n=n) for n in (1, 2, 5, 21)]
    assert words == ["1 продажа", "2 продажи", "5 продаж", "21 продажа"]
    assert i18n.ngettext("{n} sale", "{n} sales", 2).format(n=2) == "2 sales"


# ---------------------------------------------------------------- the UI's literal texts


# Qt calls that put text in front of a person: a literal with words passed to one of them
# must go through _() (or be one of the few names that stay as they are).
TEXT_CALLS = {
    "setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip",
    "addItem", "addItems", "addTab", "setTitle", "setHorizontalHeaderLabels",
    "setVerticalHeaderLabels", "showMessage", "QLabel", "QPushButton", "QGroupBox",
    "QCheckBox", "QRadioButton", "QAction", "addAction", "addRow", "information", "warning",
    "critical", "question", "setSpecialValueText", "setSuffix", "setPrefix", "insertItem",
    "setItemText", "setTabText", "QTableWidgetItem", "QListWidgetItem", "setHtml",
    "setPlainText", "setLabelText", "setHeaderLabels", "setInformativeText",
    "setDetailedText", "addButton", "setWhatsThis", "setAccessibleName", "QToolButton",
    "getText", "getItem", "getInt", "getDouble", "setCancelButtonText", "addMenu", "QMenu",
    "setSubTitle", "setAccessibleDescription", "getSaveFileName", "getOpenFileName",
}
NOT_TEXT_KEYWORDS = {"objectName", "name"}  # names tests and style sheets find widgets by
STAYS = {"LoyaltyPOS", "PDF (*.pdf)", "TOML (*.toml)", "CSV (*.csv)"}
_WORD = re.compile(r"[A-Za-z]{2,}")


def _has_words(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value not in STAYS and bool(_WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _WORD.search(v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _has_words(node.left) or _has_words(node.right)
    if isinstance(node, ast.IfExp):
        return _has_words(node.body) or _has_words(node.orelse)
    return False


def untranslated_literals(source: str, filename: str = "<ui>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", None)
        if name not in TEXT_CALLS:
            continue
        given = [*node.args, *(k.value for k in node.keywords
                               if k.arg not in NOT_TEXT_KEYWORDS)]
        found += [f"{filename}:{node.lineno}: {ast.unparse(arg)}" for arg in given
                  if _has_words(arg)]
    return found


def test_the_ui_puts_no_untranslated_literal_on_the_screen():
    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        found += untranslated_literals(path.read_text(encoding="utf-8"),
                                       str(path.relative_to(ROOT)))
    assert not found, "text on the screen without _():\n" + "\n".join(found)


def test_the_literal_check_finds_text_without_a_translation():
    assert untranslated_literals('QLabel("Total")') != []
    assert untranslated_literals('button.setText(f"Pay {n}")') != []
    assert untranslated_literals('box.addItem("Cash" if cash else "Card", key)') != []
    assert untranslated_literals('QLabel(_("Total"), objectName="totalLabel")') == []
    assert untranslated_literals('QLabel("12:00")') == []


def marked_inside_fstrings(source: str) -> list[int]:
    """Lines where _() or ngettext() of a literal is called inside an f-string: Babel does
    not look there, so the message never reaches a catalog (a variable's text is marked
    where it is defined, and is found there)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            found += [inner.lineno for inner in ast.walk(node)
                      if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                      and inner.func.id in KEYWORDS and inner.args
                      and isinstance(inner.args[0], ast.Constant)]
    return found


def test_no_message_is_marked_inside_an_f_string():
    found = [f"{path.relative_to(ROOT)}:{line}"
             for folder in (ROOT / "loyaltypos", ROOT / "ui")
             for path in sorted(folder.rglob("*.py"))
             for line in marked_inside_fstrings(path.read_text(encoding="utf-8"))]
    assert found == []
    assert marked_inside_fstrings('x = f"*** {_(\'COPY\')} ***"') == [1]
    assert marked_inside_fstrings('x = f"{_(GIFT)} {name}"') == []
