"""Sale and refund ids: one UUID, one spelling.

A till, a script or a person may write the same UUID in capitals, in braces, with a
``urn:uuid:`` prefix or without dashes. Recording a sale (or a refund) twice under the
same id must store it once, so every id is brought to one canonical form - lower case,
8-4-4-4-12 - before it is compared or stored.
"""

from __future__ import annotations

import re
import uuid

from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _

# What a UUID may look like: an optional urn:uuid: prefix, optional braces around
# 32 hex digits, with or without the dashes of the 8-4-4-4-12 form. Checked before
# uuid.UUID, which on its own also takes "0x...", "+...", underscores and dashes anywhere.
_UUID_TEXT = re.compile(
    r"(?:urn:uuid:)?"
    r"(?P<open>\{)?"
    r"(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"(?(open)\})",
    re.IGNORECASE,
)

EXAMPLE = "3f2b9c1e-5a4d-4e6f-8a7b-1c2d3e4f5a6b"


def canonical_uuid(text: object) -> str | None:
    """``text`` as a lower-case 8-4-4-4-12 UUID, or None when it is not a UUID.

    Spaces around it (a scanner's newline) are ignored.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if _UUID_TEXT.fullmatch(text) is None:
        return None
    return str(uuid.UUID(text.lower()))


def sale_id(text: object) -> str:
    """The canonical form of a sale id; refused when it is not a UUID."""
    canonical = canonical_uuid(text)
    if canonical is None:
        raise Refused(_("'{text}' is not a sale id: give a UUID such as {example}").format(
            text=_shown(text), example=EXAMPLE))
    return canonical


def refund_id(text: object) -> str:
    """The canonical form of a refund id; refused when it is not a UUID."""
    canonical = canonical_uuid(text)
    if canonical is None:
        raise Refused(_("'{text}' is not a refund id: give a UUID such as {example}").format(
            text=_shown(text), example=EXAMPLE))
    return canonical


def _shown(text: object) -> str:
    """``text`` fit for a one-line message: no line breaks, not too long."""
    shown = " ".join(str(text).split())
    return shown if len(shown) <= 60 else shown[:57] + "..."
