"""``loyaltypos nps record``: a customer's answer to "would you recommend us?"."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.services import nps


def _arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("record", parents=[common])
    q.add_argument("--score", required=True, help=_("0 to 10"))
    q.add_argument("--card", help=_("the customer's card (none: an anonymous answer)"))
    q.add_argument("--reason")
    q.add_argument("--sale", help=_("the sale the answer follows (its id)"))
    q = actions.add_parser("ask", parents=[common],
                           help=_("when the till asks after a card sale (manager)"))
    q.add_argument("policy", help=_("never, every, or days:N"))


def run(db: Database, args: argparse.Namespace, out: Out) -> None:
    if args.action == "ask":
        policy = nps.set_ask_policy(db, actor=sign_in(db, args), policy=args.policy)
        out({"ask": policy}, _("The till asks for a score: {policy}").format(policy=policy))
        return
    done = nps.record_response(db, actor=sign_in(db, args), score=args.score,
                               card_number=args.card, reason=args.reason, sale_id=args.sale)
    out({"card": done.card, "score": done.score, "date": done.date.isoformat()},
        _("Score {score} recorded for {who} on {date}").format(
            score=done.score, who=done.card or _("an anonymous customer"),
            date=done.date.isoformat()))


COMMANDS = (
    Command("nps", N_("record a customer's answer to 'would you recommend us?' (0-10)"),
            _arguments, run),
)
