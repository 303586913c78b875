"""Where this till is: its shop and till, as the database knows them.

A till is told its name (``--till``, ``LOYALTYPOS_TILL`` or the app's Settings). A
program with one till needs no name: that till is this one, which keeps a single-till
shop working as it always did. With several tills a till must say which it is, so no
sale is ever recorded at the wrong till's counter or in the wrong shop's day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltypos.db.models import Shop, Till
from loyaltypos.domain import clock
from loyaltypos.domain.errors import TillUnknown
from loyaltypos.domain.i18n import _

ENV_TILL = "LOYALTYPOS_TILL"


@dataclass(frozen=True)
class Place:
    """A till of a shop: what every row it writes records."""

    shop_id: int
    till_id: int
    till_name: str
    timezone: str | None  # the shop's zone; None: the till computer's

    def today(self) -> dt.date:
        """The date in the shop's time zone: the date a business day opens on."""
        return self.local(clock.now()).date()

    def local(self, stamp: dt.datetime) -> dt.datetime:
        """A stored UTC stamp as the shop's clock shows it."""
        return clock.to_zone(stamp, self.timezone)


def known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def find_place(session: Session, till: str | None) -> Place:
    """The place of till ``till`` (its name, any case; or its number), or of the only till
    when no name is given."""
    query = select(Till.id, Till.name, Till.shop_id, Shop.timezone).join(
        Shop, Shop.id == Till.shop_id)
    if till is None or not till.strip():
        rows = session.execute(query.order_by(Till.id).limit(2)).all()
        if len(rows) != 1:
            raise TillUnknown(_(
                "this program has several tills: say which one this is (Settings, --till"
                " NAME or {env}=NAME; 'loyaltypos till list' shows them)").format(env=ENV_TILL))
        row = rows[0]
    else:
        wanted = till.strip()
        row = session.execute(query.where(func.lower(Till.name) == wanted.lower())).first()
        if row is None and wanted.isascii() and wanted.isdigit() and len(wanted) < 10:
            row = session.execute(query.where(Till.id == int(wanted))).first()
        if row is None:
            raise TillUnknown(_(
                "there is no till {name} in this program: 'loyaltypos till list' shows the"
                " tills, a manager adds one with 'loyaltypos till add NAME'").format(
                name=repr(wanted)))
    return Place(shop_id=row.shop_id, till_id=row.id, till_name=row.name,
                 timezone=row.timezone)


def place_of(session: Session) -> Place:
    """The place of the till whose database opened ``session``."""
    return session.info["database"].place
