"""``loyaltypos insight``: the owner's figures for a period (manager)."""

from __future__ import annotations

import argparse

from loyaltypos.cli.common import Command, Out, money, parse_date, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.services import insight, store


def _arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", help=_("first business date (default: a year"
                                                      " before --to)"))
    p.add_argument("--to", dest="date_to", help=_("last business date (default: today)"))


def _pct(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def report_json(report: insight.Report, currency: str) -> dict:
    ltv = report.ltv
    return {
        "from": report.start.isoformat(), "to": report.end.isoformat(),
        "customers": report.customers,
        "active_start": report.retention.active_start,
        "active_end": report.retention.active_end,
        "new": report.retention.new,
        "crr_pct": _pct(report.retention.crr_pct),
        "churn_pct": _pct(report.retention.churn_pct),
        "ltv": {"s": money(int(ltv.s.to_integral_value()), currency),
                "c": f"{ltv.c:.2f}", "p_pct": _pct(ltv.p_pct), "t_months": f"{ltv.t_months:.2f}",
                "ltv": money(int(ltv.ltv.to_integral_value()), currency)},
        "abc": report.abc, "xyz": report.xyz, "matrix": report.matrix,
        "pareto": {"top20_share_pct": _pct(report.pareto.top20_share_pct),
                   "customers_for_80_pct": _pct(report.pareto.customers_for_80_pct)},
        "ladder": report.ladder.steps,
        "ladder_lapsed": report.ladder.lapsed,
        "ladder_moved": {"up": report.ladder.moved_up, "down": report.ladder.moved_down},
        "nps": {"score": _pct(report.nps.score), "promoters": report.nps.promoters,
                "passives": report.nps.passives, "detractors": report.nps.detractors,
                "responses": report.nps.responses},
        "anonymous_share_pct": _pct(report.anonymous_share_pct),
    }


def report_text(data: dict) -> str:
    ltv, ladder = data["ltv"], data["ladder"]
    crr = (_("CRR {crr} %, churn {churn} %").format(crr=data["crr_pct"], churn=data["churn_pct"])
           if data["crr_pct"] is not None else _("CRR: not enough history"))
    lines = [
        _("Insight {start} .. {end}: {n} customers").format(
            start=data["from"], end=data["to"], n=data["customers"]),
        _("  active before {s}, at the end {e}, new {n}; {crr}").format(
            s=data["active_start"], e=data["active_end"], n=data["new"], crr=crr),
        _("  LTV {ltv} = S {s} x C {c} x P {p} % x T {t} months").format(
            ltv=ltv["ltv"], s=ltv["s"], c=ltv["c"], p=ltv["p_pct"], t=ltv["t_months"]),
        "  ABC " + "  ".join(f"{k} {v}" for k, v in data["abc"].items())
        + "   XYZ " + "  ".join(f"{k} {v}" for k, v in data["xyz"].items()),
        "  " + "  ".join(f"{k} {v}" for k, v in data["matrix"].items()),
        _("  top 20 % of customers bring {top} % of revenue; {share} % of customers bring"
          " 80 %").format(top=data["pareto"]["top20_share_pct"],
                          share=data["pareto"]["customers_for_80_pct"]),
        "  " + "  ".join(f"{k} {v}" for k, v in ladder.items()),
        _("  anonymous (bearer cards): {share} % of card revenue").format(
            share=data["anonymous_share_pct"]),
    ]
    return "\n".join(lines)


def run(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    start = parse_date(args.date_from) if args.date_from else None
    end = parse_date(args.date_to) if args.date_to else None
    report = insight.insight_report(db, actor=actor, start=start, end=end)
    data = report_json(report, store.program_in_force(db).currency)
    out(data, report_text(data))


COMMANDS = (
    Command("insight", N_("who is loyal, who is drifting away, what customers are worth"
                          " (manager)"), _arguments, run),
)
