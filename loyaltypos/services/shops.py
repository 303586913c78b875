"""The program's shops and their tills (manager; audited).

A shop has a name and address lines for its receipts (none: the program's name and the
receipt header in Settings) and a time zone its business days are dated in (none: the
till computer's). A till belongs to one shop and is named uniquely in the program; each
till is told its name (``--till``, ``LOYALTYPOS_TILL`` or the app's Settings).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from loyaltypos.db import Database
from loyaltypos.db.models import Shop, Till
from loyaltypos.db.places import ENV_TILL as ENV_TILL
from loyaltypos.db.places import Place as Place
from loyaltypos.db.places import known_zone
from loyaltypos.domain import clock
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import _, known_language
from loyaltypos.domain.people import Actor, require_manager
from loyaltypos.domain.text import clean_text
from loyaltypos.services.audit import audit

MAX_ADDRESS_LINES = 6


@dataclass(frozen=True)
class ShopView:
    id: int
    name: str | None
    address: tuple[str, ...]
    timezone: str | None
    tills: tuple[str, ...]
    language: str | None = None  # of its printouts; None: the till computer's


@dataclass(frozen=True)
class TillView:
    id: int
    name: str
    shop_id: int


def shops(db: Database) -> list[ShopView]:
    with db.read() as s:
        names: dict[int, list[str]] = {}
        for shop_id, name in s.execute(select(Till.shop_id, Till.name).order_by(Till.id)):
            names.setdefault(shop_id, []).append(name)
        return [ShopView(shop.id, shop.name, _lines(shop.address), shop.timezone,
                         tuple(names.get(shop.id, ())), shop.language)
                for shop in s.scalars(select(Shop).order_by(Shop.id))]


def tills(db: Database) -> list[TillView]:
    with db.read() as s:
        return [TillView(t.id, t.name, t.shop_id)
                for t in s.scalars(select(Till).order_by(Till.id))]


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line for line in (text or "").splitlines() if line.strip())


def _clean_address(lines: list[str] | None) -> str | None:
    if not lines:
        return None
    clean = [clean_text(line, field=_("address line {number}").format(number=i))
             for i, line in enumerate(lines, start=1) if line.strip()]
    if len(clean) > MAX_ADDRESS_LINES:
        raise Refused(_("an address has at most {count} lines").format(count=MAX_ADDRESS_LINES))
    return "\n".join(clean) or None


def _check_zone(timezone: str | None) -> str | None:
    if timezone is None or not timezone.strip():
        return None
    if not known_zone(timezone.strip()):
        raise Refused(_("{zone} is not a time zone this computer knows (e.g. Europe/Moscow)"
                        ).format(zone=repr(timezone)))
    return timezone.strip()


def add_shop(db: Database, *, actor: Actor, name: str, address: list[str] | None = None,
             timezone: str | None = None, first_till: str,
             language: str | None = None) -> ShopView:
    """A new shop of the program, with its first till (a shop sells at a till)."""
    require_manager(actor, _("adding a shop"))
    name = clean_text(name, field=_("shop name"))
    till = clean_text(first_till, field=_("till name"))
    zone = _check_zone(timezone)
    text = _clean_address(address)
    code = known_language(language)
    with db.write() as s:
        _refuse_taken(s, till)
        audit(s, actor, "shop_add", name, address=text, timezone=zone, till=till,
              language=code)
        shop = Shop(name=name, address=text, timezone=zone, language=code,
                    created_at=clock.now())
        s.add(shop)
        s.flush()
        s.add(Till(shop_id=shop.id, name=till, created_at=clock.now()))
        return ShopView(shop.id, name, _lines(text), zone, (till,), code)


def set_shop(db: Database, *, actor: Actor, shop_id: int, name: str | None = None,
             address: list[str] | None = None, timezone: str | None = None,
             language: str | None = None) -> ShopView:
    """Change a shop's name, address lines, time zone or printout language (what is not
    given stays; a blank language means the till computer's). A time zone changes the
    dates of days opened from now on, never of a day already open."""
    require_manager(actor, _("changing a shop"))
    with db.write() as s:
        shop = s.get(Shop, shop_id)
        if shop is None:
            raise Refused(_("there is no shop {number}").format(number=shop_id))
        code = known_language(language) if language is not None else None
        audit(s, actor, "shop_change", str(shop_id), name=name, address=address,
              timezone=timezone, language=language)
        if name is not None:
            shop.name = clean_text(name, field=_("shop name"))
        if address is not None:
            shop.address = _clean_address(address)
        if timezone is not None:
            shop.timezone = _check_zone(timezone)
        if language is not None:
            shop.language = code
        till_names = tuple(s.scalars(select(Till.name).where(Till.shop_id == shop.id)
                                     .order_by(Till.id)))
        return ShopView(shop.id, shop.name, _lines(shop.address), shop.timezone, till_names,
                        shop.language)


def add_till(db: Database, *, actor: Actor, name: str, shop_id: int | None = None) -> TillView:
    """A new till of a shop (this till's shop unless given)."""
    require_manager(actor, _("adding a till"))
    name = clean_text(name, field=_("till name"))
    with db.write() as s:
        shop = shop_id if shop_id is not None else db.place.shop_id
        if s.get(Shop, shop) is None:
            raise Refused(_("there is no shop {number}").format(number=shop))
        _refuse_taken(s, name)
        audit(s, actor, "till_add", name, shop=shop)
        till = Till(shop_id=shop, name=name, created_at=clock.now())
        s.add(till)
        s.flush()
        return TillView(till.id, name, shop)


def _refuse_taken(session, name: str) -> None:
    if session.scalar(select(Till.id).where(func.lower(Till.name) == name.lower())):
        raise Refused(_("there is a till named {name} already; till names are unique in the"
                        " program").format(name=repr(name)))


def print_language(db: Database) -> str | None:
    """The language this till's shop prints and shows its customers in (receipts, cards,
    reports, the customer display), whoever is signed in; None: the computer's."""
    with db.read() as s:
        return s.scalar(select(Shop.language).where(Shop.id == db.place.shop_id))


def this_till(db: Database) -> Place:
    """Which till this is (refused, saying how to tell it, when the program has several
    tills and this one was not told)."""
    return db.place
