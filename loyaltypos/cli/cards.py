"""``card ...``: issue, look up, print and manage loyalty cards."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import (
    Command,
    Out,
    UsageError,
    money,
    parse_date,
    shop_language,
    sign_in,
    word,
)
from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.services import cards, referrals, store


def card_json(info: cards.CardInfo, currency: str) -> dict:
    holder = None
    if info.holder is not None:
        h = info.holder
        holder = {"name": h.name, "phone": h.phone, "email": h.email,
                  "birthday": h.birthday.isoformat() if h.birthday else None}
    return {
        "number": info.number, "kind": info.kind, "status": info.status, "tier": info.tier,
        "balance": fmt(info.balance, currency), "spend": fmt(info.spend, currency),
        "holder": holder,
        "discount_pct": str(info.discount_pct), "cashback_pct": str(info.cashback_pct),
        "pinned": info.pinned, "next_tier": info.next_tier,
        "to_next_tier": money(info.to_next_tier, currency), "replaced_by": info.replaced_by,
        **rewards_json(info.rewards, currency),
    }


def rewards_json(rewards: cards.Rewards, currency: str) -> dict:
    """Where a card stands with the program's rewards (zeros when the program has none)."""
    expiry = rewards.next_expiry
    return {
        "stamps": rewards.stamps, "stamps_every": rewards.stamps_every,
        "gifts_ready": [{"id": g.id, "product": g.product, "description": g.description,
                         "value": fmt(g.value, currency)} for g in rewards.gifts_ready],
        "birthday_bonus": fmt(rewards.birthday_bonus, currency),
        "locked": fmt(rewards.locked, currency),
        "next_expiry": None if expiry is None else {
            "date": expiry[0].isoformat(), "amount": fmt(expiry[1], currency)},
    }


def card_text(info: cards.CardInfo, currency: str) -> str:
    text = _("{number}  {holder}  [{kind}, {status}]  tier {tier} ({discount}% off,"
             " {cashback}% cashback)  balance {balance}  spend {spend}").format(
        number=info.number, holder=info.holder.name if info.holder else _("Bearer card"),
        kind=word(info.kind), status=word(info.status), tier=info.tier,
        discount=info.discount_pct, cashback=info.cashback_pct,
        balance=fmt(info.balance, currency), spend=fmt(info.spend, currency))
    if info.next_tier:
        text += "  " + _("{amount} more to {tier}").format(
            amount=fmt(info.to_next_tier, currency), tier=info.next_tier)
    if info.replaced_by:
        text += "  " + _("replaced by {number}").format(number=info.replaced_by)
    r = info.rewards
    if r.stamps_every is not None:
        text += "  " + _("stamps {stamps} of {every}").format(stamps=r.stamps,
                                                             every=r.stamps_every)
    for gift in r.gifts_ready:
        text += "  " + _("gift ready: {gift}").format(gift=gift.description)
    if r.locked:
        text += "  " + _("{amount} locked").format(amount=fmt(r.locked, currency))
    if r.next_expiry is not None:
        text += "  " + _("{amount} expires on {date}").format(
            amount=fmt(r.next_expiry[1], currency), date=r.next_expiry[0].isoformat())
    return text


def _customer(args: argparse.Namespace) -> cards.CustomerInput:
    return cards.CustomerInput(
        name=args.name,
        phone=args.phone,
        email=args.email,
        birthday=parse_date(args.birthday) if getattr(args, "birthday", None) else None,
        marketing_consent=bool(getattr(args, "consent", False)),
    )


def _print_issued(db: Database, issued: list[cards.CardInfo], path: str):
    """The PDF of cards just issued: one CR80 card for a personal card, A4 sheets for bearer."""
    from loyaltypos.documents import (
        cards as card_print,  # reportlab loads only when something is printed
    )

    program = store.program_in_force(db)
    with shop_language(db):
        if issued[0].kind == "personal":
            return card_print.write_card_pdf(issued[0], program, path)
        return card_print.batch_pdf(issued, program, path)


def _issue(db: Database, args: argparse.Namespace, out: Out, cur: str) -> None:
    actor = sign_in(db, args)
    if args.bearer == args.personal:
        raise UsageError(_("say --bearer or --personal"))
    if args.pdf:
        from loyaltypos.documents.files import check_writable

        check_writable(args.pdf)  # before issuing: no cards for a PDF that cannot be saved
    if args.personal:
        if args.count is not None:
            raise UsageError(_("personal cards are issued one at a time; drop --count"))
        if not args.name:
            raise UsageError(_("a personal card needs --name"))
        issued = cards.issue_cards(db, actor=actor, kind="personal", customer=_customer(args),
                                   referred_by=args.referred_by)
    else:
        count = 1 if args.count is None else args.count
        issued = cards.issue_cards(db, actor=actor, kind="bearer", count=count,
                                   referred_by=args.referred_by)
    # --count always answers with a list, even of one card; without it, one card.
    data = [card_json(c, cur) for c in issued]
    if args.count is None:
        data = data[0]
    text = "\n".join(card_text(c, cur) for c in issued)
    if args.referred_by and args.count is None:
        data, text = _with_referrer(db, issued[0].number, data, text)
    if args.pdf:
        try:
            written = _print_issued(db, issued, args.pdf)
        except Refused as exc:
            # The cards exist now: show them, then say the PDF is missing (exit 1).
            out(data, text)
            raise Refused(_("the cards above were issued, but {problem}").format(
                problem=exc)) from None
        # English keeps "(1 pages)"; a catalog gives each language its plural forms.
        text += "\n" + ngettext("PDF: {path} ({pages} pages)", "PDF: {path} ({pages} pages)",
                                written.pages).format(path=written.path, pages=written.pages)
    out(data, text)


def _with_referrer(db: Database, number: str, data: dict, text: str) -> tuple[dict, str]:
    """The answer with the card now in use of who recommended the shop to this card."""
    by = referrals.referrer_of(db, number=number)
    return data | {"referred_by": by}, text + "\n" + _("recommended by card {number}").format(
        number=by)


def _print(db: Database, args: argparse.Namespace, out: Out) -> None:
    from loyaltypos.domain import cardnumbers
    from loyaltypos.services.printouts import card_pdf  # reportlab loads only when printing

    with shop_language(db):
        written = card_pdf(db, number=args.number, path=args.pdf)
    out({"card": cardnumbers.normalize(args.number), "pdf": str(written.path),
         "pages": written.pages},
        ngettext("Card printed to {path} (front and back, {pages} pages)",
                 "Card printed to {path} (front and back, {pages} pages)",
                 written.pages).format(path=written.path, pages=written.pages))


def run_card(db: Database, args: argparse.Namespace, out: Out) -> None:
    cur = store.program_in_force(db).currency
    action = args.action
    if action == "issue":
        _issue(db, args, out, cur)
        return
    if action == "print":
        _print(db, args, out)
        return
    if action == "find":
        found = cards.find_cards(db, actor=sign_in(db, args), text=args.text)
        out([card_json(c, cur) for c in found],
            "\n".join(card_text(c, cur) for c in found) or _("no card found"))
        return
    if action == "show":
        info = cards.show_card(db, actor=sign_in(db, args), number=args.number)
    elif action == "replace":
        done = cards.replace_card(db, actor=sign_in(db, args), number=args.number)
        data = card_json(done.new, cur) | {"replaces": done.old.number,
                                           "moved_balance": fmt(done.moved_balance, cur)}
        out(data, _("Card {old} replaced by\n{new}").format(old=done.old.number,
                                                             new=card_text(done.new, cur)))
        return
    else:
        actor = sign_in(db, args)
        if action == "register":
            info = cards.register_card(db, actor=actor, number=args.number,
                                       customer=_customer(args), referred_by=args.referred_by)
            if args.referred_by:
                out(*_with_referrer(db, info.number, card_json(info, cur), card_text(info, cur)))
                return
        elif action == "block":
            info = cards.block_card(db, actor=actor, number=args.number, reason=args.reason)
        elif action == "pin-tier":
            tier = None if args.tier.lower() == "none" else args.tier
            info = cards.pin_tier(db, actor=actor, number=args.number, tier=tier)
        else:  # adjust
            amount = parse_amount(args.amount, cur, allow_negative=True)
            info = cards.adjust_balance(db, actor=actor, number=args.number, amount=amount,
                                        reason=args.reason)
    out(card_json(info, cur), card_text(info, cur))


def _holder_arguments(q: argparse.ArgumentParser, *, name_required: bool) -> None:
    q.add_argument("--name", required=name_required)
    q.add_argument("--phone")
    q.add_argument("--email")
    q.add_argument("--birthday", help=_("YYYY-MM-DD"))
    q.add_argument("--consent", action="store_true", help=_("agrees to marketing messages"))
    q.add_argument("--referred-by", metavar=_("CARD_OR_PHONE"),
                   help=_("the card number or phone of the customer who recommended the shop"))


def _card_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)

    q = actions.add_parser("issue", parents=[common])
    q.add_argument("--bearer", action="store_true")
    q.add_argument("--personal", action="store_true")
    q.add_argument("--count", type=int, help=_("how many bearer cards (answers with a list)"))
    q.add_argument("--pdf", metavar=_("FILE"),
                   help=_("also write the new cards to a PDF: bearer cards on A4 sheets of ten"
                          " (fronts, then mirrored backs), a personal card as one CR80 card"))
    _holder_arguments(q, name_required=False)
    q = actions.add_parser("print", parents=[common])
    q.add_argument("number")
    q.add_argument("--pdf", metavar=_("FILE"), required=True,
                   help=_("write the card's front and back (two CR80 pages) to this PDF"))
    actions.add_parser("show", parents=[common]).add_argument("number")
    actions.add_parser("find", parents=[common]).add_argument("text")
    q = actions.add_parser("register", parents=[common])
    q.add_argument("number")
    _holder_arguments(q, name_required=True)
    q = actions.add_parser("block", parents=[common])
    q.add_argument("number")
    q.add_argument("--reason", default="")
    actions.add_parser("replace", parents=[common]).add_argument("number")
    q = actions.add_parser("pin-tier", parents=[common])
    q.add_argument("number")
    q.add_argument("tier", help=_("tier name, or 'none' to unpin"))
    q = actions.add_parser("adjust", parents=[common])
    q.add_argument("number")
    q.add_argument("amount", help=_("signed amount, e.g. 100.00 or -50"))
    q.add_argument("--reason", required=True)


COMMANDS = (
    Command("card", N_("issue, look up and manage cards"), _card_arguments, run_card),
)
