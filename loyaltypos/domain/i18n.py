"""The one translation function of the product, for the core and the UI alike.

Every string a person reads goes through :func:`_` (or :func:`ngettext` when it
counts something), so adding a language means adding a catalog, not editing code.
The catalogs are GNU gettext ``.mo`` files under ``loyaltypos/locale``; English is
the source language and needs none.

Rules for callers:
- Translate whole sentences with named placeholders, then fill them:
  ``_("card {number} is blocked").format(number=n)``, never ``_(f"...")`` (an
  f-string is filled before the catalog is asked, so it would never be found).
- Text fixed at import time (column titles, button labels in a module-level table)
  is marked with :func:`N_` and translated where it is shown.
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "loyaltypos"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE_LANGUAGE = "en"

_catalog: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted phrase for ``n`` ("1 sale", "2 sales") in the language in use."""
    return _catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it later."""
    return message


def use_language(language: str | None, *, localedir: str | Path | None = None) -> str:
    """Switch to ``language`` ("ru", "en_GB"...); a language without a catalog falls back to
    English. Returns the language now in use.

    ``localedir`` reads the catalogs from another folder laid out like ``loyaltypos/locale``
    (``<code>/LC_MESSAGES/loyaltypos.mo``): a translator's work in progress, or a test's.
    """
    global _catalog, _language
    code = (language or SOURCE_LANGUAGE).split(".")[0]
    _catalog = gettext.translation(DOMAIN, localedir=localedir or LOCALE_DIR, languages=[code],
                                   fallback=True)
    _language = code if isinstance(_catalog, gettext.GNUTranslations) else SOURCE_LANGUAGE
    return _language


def language() -> str:
    """The language in use."""
    return _language
