"""The language of the screen: the product's catalog and Qt's own words (OK, Cancel, the
context menus) together.

The screen speaks the signed-in user's language (chosen in Settings; none chosen: the
computer's). Before anyone signs in it speaks the language of the last user on this
computer, kept in QSettings. Printouts and the customer display speak the shop's language
instead (``ui.printing.in_shop_language``), whoever is signed in.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication

from loyaltypos.domain import i18n
from loyaltypos.domain.people import Actor

LANGUAGE_KEY = "ui/language"

_state: dict[str, object] = {"asked": None, "qt": None}


def apply(language: str | None) -> str:
    """Put ``language`` in use on the screen (None: the computer's); returns the language
    the words are now in."""
    asked = language or i18n.system_language()
    code = i18n.use_language(asked)
    app = QApplication.instance()
    old = _state["qt"]
    if old is not None:
        app.removeTranslator(old)
        _state["qt"] = None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if code != i18n.SOURCE_LANGUAGE and translator.load(QLocale(code), "qtbase", "_", folder):
        app.installTranslator(translator)
        _state["qt"] = translator
    QLocale.setDefault(QLocale(asked.split(".")[0]))
    _state["asked"] = asked
    QSettings().setValue(LANGUAGE_KEY, language or "")
    return code


def current() -> str:
    """The language last asked for the screen (never asked in this run: the one in use)."""
    return _state["asked"] or i18n.language()


def at_start() -> str | None:
    """The language of the sign-in screen: the last user's on this computer (None: the
    computer's own)."""
    return QSettings().value(LANGUAGE_KEY) or None


def date_edit_format() -> str:
    """A date field's display format, as the language writes a date (28.11.2026 in
    Russian, Nov 28, 2026 in English), always with the whole year."""
    return re.sub(r"y+", "yyyy", i18n.date_pattern())


def of_user(actor: Actor) -> str:
    """The language the screen speaks for ``actor``."""
    return actor.language or i18n.system_language()
