"""The words argparse itself says (usage, options, its errors), in the product's catalog.

argparse asks the standard library's ``gettext`` for them, which has no catalog for this
product; :func:`install` points it at the product's translation function instead, so a
Russian shell reads "использование:" and its errors in Russian too. The messages are
marked here so that ``scripts/catalogs`` finds them; argparse fills them with ``%``.
"""

from __future__ import annotations

import argparse

from loyaltypos.domain.i18n import N_, _, ngettext

ARGPARSE_MESSAGES = (
    N_("usage: "), N_("options"), N_("positional arguments"),
    N_("show this help message and exit"), N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("expected one argument"),
    N_("expected at least one argument"), N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"), N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"), N_("can't open '%(filename)s': %(error)s"),
)


def _counted() -> None:  # argparse's one counted message, marked for the catalog
    ngettext("expected %s argument", "expected %s arguments", 1)


def install() -> None:
    """argparse speaks the language in use from now on (it looks ``_`` up when it says
    something, so a language switched later is followed too)."""
    argparse._ = _
    argparse.ngettext = ngettext
