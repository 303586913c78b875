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

import datetime as dt
import gettext
import locale as system_locale
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

DOMAIN = "loyaltypos"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE_LANGUAGE = "en"

@dataclass(frozen=True)
class _Speech:
    """A language in use: its catalog, its code and the locale numbers and dates follow."""

    catalog: gettext.NullTranslations
    code: str
    locale: Locale


_ENGLISH = _Speech(gettext.NullTranslations(), SOURCE_LANGUAGE, Locale.parse("en"))
_screen = _ENGLISH  # the process's language: the screen's, the command line's
_here = threading.local()  # a block's own language on one thread (:func:`speaking`)


def _speech() -> _Speech:
    return getattr(_here, "speech", None) or _screen


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _speech().catalog.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted phrase for ``n`` ("1 sale", "2 sales") in the language in use."""
    return _speech().catalog.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it later."""
    return message


def use_language(language: str | None, *, localedir: str | Path | None = None) -> str:
    """Switch the process to ``language`` ("ru", "en_GB"...); a language without a catalog
    falls back to English. Returns the language now in use.

    ``localedir`` reads the catalogs from another folder laid out like ``loyaltypos/locale``
    (``<code>/LC_MESSAGES/loyaltypos.mo``): a translator's work in progress, or a test's.
    """
    global _screen
    _screen = _load(language, localedir)
    return _screen.code


def _load(language: str | None, localedir: str | Path | None = None) -> _Speech:
    code = (language or SOURCE_LANGUAGE).split(".")[0].split("@")[0].replace("-", "_")
    catalog = gettext.translation(DOMAIN, localedir=localedir or LOCALE_DIR,
                                  languages=[code], fallback=True)
    found = code if isinstance(catalog, gettext.GNUTranslations) else SOURCE_LANGUAGE
    # Numbers and dates follow the language asked for when Babel knows it ("en_GB" writes
    # 28/11/2026 while its words are English), else the language in use.
    where = _babel_locale(code) or _babel_locale(found) or _ENGLISH.locale
    return _Speech(catalog, found, where)


def language() -> str:
    """The language in use."""
    return _speech().code


def languages() -> list[str]:
    """The languages the product speaks: English and every language with a catalog."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return [SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE})]


def known_language(code: str | None) -> str | None:
    """``code`` as stored ("ru"), None for "the computer's language" (None or blank);
    refused when the product has no catalog for it."""
    from loyaltypos.domain.errors import Refused

    if code is None or not code.strip():
        return None
    wanted = code.strip().replace("-", "_").split(".")[0]
    if wanted.split("_")[0] not in languages():
        raise Refused(_("there is no {language} translation; the product speaks: {known}"
                        ).format(language=repr(code), known=", ".join(languages())))
    return wanted


def language_name(code: str) -> str:
    """A language by its own name ("русский", "English"), for a list to choose from."""
    found = _babel_locale(code)
    return found.get_display_name(found).capitalize() if found else code


def system_language() -> str:
    """The language of this computer's user: LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext
    reads them, else the system's locale; English when none is set."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").split(":")[0]
        if value:
            return "en" if value in ("C", "POSIX") or value.startswith("C.") else value
    found = system_locale.getlocale()[0]
    return found or SOURCE_LANGUAGE


@contextmanager
def speaking(language: str | None, *, localedir: str | Path | None = None) -> Iterator[str]:
    """Inside the block, on this thread, ``language`` is in use: a receipt in the shop's
    language while the screen speaks the cashier's, a printout made off the UI thread.
    None: the process's language. The language before it is back after the block."""
    saved = getattr(_here, "speech", None)
    _here.speech = _load(language, localedir) if language else _screen
    try:
        yield _here.speech.code
    finally:
        _here.speech = saved


def _babel_locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def babel_locale() -> Locale:
    """The Babel locale numbers and dates are written in now."""
    return _speech().locale


# ---------------------------------------------------------------- numbers and dates


def number_text(value: int | Decimal, *, decimals: int | None = None) -> str:
    """A number as the language writes it: ``10 150,5`` in Russian, ``10,150.5`` in English;
    ``decimals`` fixes the digits after the separator."""
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=babel_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(),
                                        decimal_quantization=True)


def quantity_text(value: Decimal) -> str:
    """A quantity with the language's decimal mark and no grouping, so that it reads back
    as typed: ``1,5`` in Russian, ``1.5`` in English."""
    mark = babel_numbers.get_decimal_symbol(babel_locale())
    return f"{value.normalize():f}".replace(".", mark)


def _date_style() -> str:
    # The short form where it writes the whole year (28.11.2026), else the medium one
    # (Nov 28, 2026): a two-digit year on a receipt is read wrong a century later.
    short = babel_locale().date_formats["short"].pattern
    return "short" if "yy" not in short else "medium"


def date_pattern() -> str:
    """The CLDR pattern :func:`date_text` writes with ("dd.MM.y", "MMM d, y")."""
    return babel_locale().date_formats[_date_style()].pattern


def date_text(day: dt.date) -> str:
    """A date as the language writes it: ``28.11.2026``, ``Nov 28, 2026``."""
    return babel_dates.format_date(day, _date_style(), locale=babel_locale())


def time_text(moment: dt.datetime | dt.time) -> str:
    """Hours and minutes as the language writes them: ``09:05``, ``9:05 AM``."""
    return babel_dates.format_time(moment, "short", locale=babel_locale())


def datetime_text(moment: dt.datetime) -> str:
    """A date and time: ``28.11.2026 09:05``, ``Nov 28, 2026 9:05 AM``."""
    return f"{date_text(moment.date())} {time_text(moment)}"
