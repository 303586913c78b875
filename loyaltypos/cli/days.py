"""The business day and its figures: ``day close``, ``report eod``, ``report z`` and
``export``."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import (
    Command,
    Out,
    money,
    parse_date,
    shop_language,
    sign_in,
    word,
    write_bytes,
)
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _, ngettext
from loyaltypos.domain.money import fmt, parse_amount
from loyaltypos.services import days, store


def summary_json(s: days.DaySummary, cur: str) -> dict:
    return {
        "date": s.date.isoformat(), "closed": s.closed, "z_number": s.z_number,
        "sales": s.sales, "refunds": s.refunds, "subtotal": fmt(s.subtotal, cur),
        "discount": fmt(s.discount, cur), "redeemed": fmt(s.redeemed, cur),
        "paid": fmt(s.paid, cur), "money_back": fmt(s.money_back, cur),
        "paid_by": {k: fmt(v, cur) for k, v in s.paid_by.items()},
        "cashback_earned": fmt(s.cashback_earned, cur),
        "cashback_restored": fmt(s.cashback_restored, cur),
        "cashback_reversed": fmt(s.cashback_reversed, cur),
        "adjustments": fmt(s.adjustments, cur),
        "bonuses": {k: fmt(v, cur) for k, v in s.bonuses.items()},
        "expired": fmt(s.expired, cur), "gifts": s.gifts, "gifts_value": fmt(s.gifts_value, cur),
        "rewards_taken_back": fmt(s.rewards_taken_back, cur),
        "liability_change": fmt(s.liability_change, cur),
        "liability_total": fmt(s.liability_total, cur),
        "new_cards": s.new_cards, "average_check": fmt(s.average_check, cur),
        "tiers": {k: {"sales": v.sales, "subtotal": fmt(v.subtotal, cur),
                      "discount": fmt(v.discount, cur)} for k, v in s.tiers.items()},
        "hours": {k: fmt(v, cur) for k, v in s.hours.items()},
        "top_customers": [{"card": t.card, "name": t.name, "paid": fmt(t.paid, cur)}
                          for t in s.top_customers],
        "expected_cash": fmt(s.expected_cash, cur),
        "counted_cash": money(s.counted_cash, cur),
        "cash_difference": money(s.cash_difference, cur),
    }


# The rows of the text summary, in order, with their labels.
FIGURES = {
    "sales": N_("sales"), "refunds": N_("refunds"), "subtotal": N_("subtotal"),
    "discount": N_("discount"), "redeemed": N_("redeemed"), "paid": N_("paid"),
    "money_back": N_("money back"), "cashback_earned": N_("cashback earned"),
    "cashback_reversed": N_("cashback reversed"), "liability_change": N_("liability change"),
    "liability_total": N_("liability total"), "average_check": N_("average check"),
    "expected_cash": N_("expected cash"), "counted_cash": N_("counted cash"),
    "cash_difference": N_("cash difference"),
}
BREAKDOWNS = {"paid_by": N_("paid by"), "new_cards": N_("new cards"), "bonuses": N_("bonuses")}
# Rows shown only when the day has them: a shop without rewards or expiry reads as before.
IF_ANY = {"gifts": N_("gifts given"), "rewards_taken_back": N_("rewards taken back"),
          "expired": N_("cashback expired")}


def _row(label: str, value) -> str:
    return f"  {label:<20} {value}"


def summary_text(data: dict) -> str:
    if data["closed"]:
        head = _("Business day {date} - closed, Z {z_number}").format(**data)
    else:
        head = _("Business day {date} - open").format(**data)
    rows = [head]
    for key, label in FIGURES.items():
        if data[key] is not None:
            rows.append(_row(_(label), data[key]))
    for key, label in BREAKDOWNS.items():
        if key == "bonuses" and not data[key]:
            continue  # a program without rewards: the report reads as before
        rows.append(_row(_(label), ", ".join(f"{word(k)} {v}" for k, v in data[key].items())))
    if data.get("gifts"):
        rows.append(_row(_(IF_ANY["gifts"]), _("{count} worth {value}").format(
            count=data["gifts"], value=data["gifts_value"])))
    for key in ("rewards_taken_back", "expired"):
        if any(digit in "123456789" for digit in data.get(key, "")):  # not "0.00"
            rows.append(_row(_(IF_ANY[key]), data[key]))
    for name, t in data["tiers"].items():
        # English keeps "1 sales"; a catalog gives each language its plural forms.
        figures = ngettext("{sales} sales, {subtotal}, -{discount}",
                           "{sales} sales, {subtotal}, -{discount}", t["sales"]).format(**t)
        rows.append(_row(_("tier {name}").format(name=name), figures))
    return "\n".join(rows)


# ---------------------------------------------------------------- day close


def _day_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("close", parents=[common]).add_argument("--counted-cash")
    actions.add_parser("open", parents=[common],
                       help=_("open a day more than a day after the last one (manager)")
                       ).add_argument("--date", required=True)


def run_day(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    if args.action == "open":
        opened = days.open_business_day(db, actor=actor, date=parse_date(args.date))
        out({"date": opened.date.isoformat(), "open": True},
            _("Business day {date} is open").format(date=opened.date.isoformat()))
        return
    cur = store.program_in_force(db).currency
    counted = parse_amount(args.counted_cash, cur) if args.counted_cash is not None else None
    summary = days.close_day(db, actor=actor, counted_cash=counted)
    data = summary_json(summary, cur)
    out(data, summary_text(data))


# ---------------------------------------------------------------- report


def _report_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("eod", parents=[common])
    q.add_argument("--date")
    q.add_argument("--pdf", help=_("also write the report (X or Z) as a PDF"))
    q.add_argument("--escpos", help=_("also write it as ESC/POS bytes for a thermal printer"))
    q = actions.add_parser("z", parents=[common], help=_("a closed day's frozen Z report"))
    q.add_argument("number", type=int)
    q.add_argument("--pdf")
    q.add_argument("--escpos")


def run_report(db: Database, args: argparse.Namespace, out: Out) -> None:
    program = store.program_in_force(db)
    cur = program.currency
    if args.action == "z":
        summary = days.z_report(db, z_number=args.number)
    else:
        summary = days.day_summary(db, date=parse_date(args.date) if args.date else None)
    data = summary_json(summary, cur)
    if getattr(args, "pdf", None):
        from loyaltypos.documents.z_report import write_z_pdf  # reportlab: only when asked

        with shop_language(db):
            data["pdf"] = str(write_z_pdf(summary, args.pdf, shop=program.name, currency=cur))
    if getattr(args, "escpos", None):
        from loyaltypos.documents.z_report import z_escpos_bytes

        with shop_language(db):
            write_bytes(args.escpos, z_escpos_bytes(summary, shop=program.name, currency=cur))
        data["escpos"] = args.escpos
    text = summary_text(data)
    for key in ("pdf", "escpos"):
        if key in data:
            text += "\n" + _("Written: {files}").format(files=data[key])
    out(data, text)


# ---------------------------------------------------------------- export


def _export_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", required=True, metavar=_("YYYY-MM-DD"))
    p.add_argument("--to", dest="date_to", required=True, metavar=_("YYYY-MM-DD"))
    p.add_argument("--dir", required=True, help=_("folder for the CSV files"))
    p.add_argument("--delimiter", choices=(",", ";", "tab"), default=",",
                   help=_("column separator; ';' for Excel with Russian, German or French"
                          " settings"))
    p.add_argument("--headers", metavar=_("LANGUAGE"),
                   help=_("name the columns for a person in this language, e.g. ru (default:"
                          " the columns' stable English keys)"))


def run_export(db: Database, args: argparse.Namespace, out: Out) -> None:
    from loyaltypos.services.export import export_range

    done = export_range(db, actor=sign_in(db, args), start=parse_date(args.date_from),
                        end=parse_date(args.date_to),
                        folder=args.dir, delimiter="\t" if args.delimiter == "tab"
                        else args.delimiter, titles=args.headers)
    out({"files": {k: str(v) for k, v in done.files.items()}, "rows": done.rows},
        "\n".join(ngettext("{path}  ({rows} rows)", "{path}  ({rows} rows)",
                           done.rows[name]).format(path=path, rows=done.rows[name])
                  for name, path in done.files.items()))


COMMANDS = (
    Command("day", N_("the business day"), _day_arguments, run_day),
    Command("report", N_("reports"), _report_arguments, run_report),
    Command("export", N_("sales, lines, payments, refunds and ledger of a date range as CSV"),
            _export_arguments, run_export),
)
