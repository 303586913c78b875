"""The customer display: whether the till shows the open sale to the customer on a
second window (a shop setting, off until a manager turns it on)."""

from __future__ import annotations

from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.services.store import get_setting, set_setting

DISPLAY_SETTING = "customer_display"  # "on" or "off"


def display_enabled(db: Database) -> bool:
    """Whether the till opens the customer display."""
    with db.read() as s:
        return get_setting(s, DISPLAY_SETTING, "off") == "on"


def set_display(db: Database, *, actor: Actor, enabled: bool) -> bool:
    """Turn the customer display on or off (manager; audited). Returns the new state."""
    require_manager(actor, _("turning the customer display on or off"))
    if not isinstance(enabled, bool):
        raise Refused(_("the customer display is either on or off"))
    with db.write() as s:
        set_setting(s, actor, DISPLAY_SETTING, "on" if enabled else "off")
    return enabled
