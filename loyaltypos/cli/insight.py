"""``loyaltypos insight``: the owner's figures for a period (manager);
``loyaltypos insight customers``: the customers of a segment, a step or the lapsed, as a
list or a CSV file of those who agreed to marketing; ``loyaltypos customer show``: one
customer's profile."""

from __future__ import annotations

import argparse

from loyaltypos.analytics import insight as figures
from loyaltypos.cli.common import Command, Out, money, parse_date, sign_in
from loyaltypos.db import Database
from loyaltypos.domain.i18n import N_, _
from loyaltypos.services import insight, profiles, store


def _arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", help=_("first business date (default: a year"
                                                      " before --to)"))
    p.add_argument("--to", dest="date_to", help=_("last business date (default: today)"))
    actions = p.add_subparsers(dest="action", required=False)
    q = actions.add_parser("customers", parents=[common],
                           help=_("the customers of a segment, a step or the lapsed"))
    q.add_argument("--from", dest="date_from", help=argparse.SUPPRESS)
    q.add_argument("--to", dest="date_to", help=argparse.SUPPRESS)
    which = q.add_mutually_exclusive_group(required=True)
    which.add_argument("--segment", help=_("a cell of the ABC-XYZ matrix, e.g. AX"))
    which.add_argument("--step", choices=figures.STEPS, help=_("a step of the ladder"))
    which.add_argument("--lapsed", action="store_true",
                       help=_("customers who have not bought for the active days"))
    q.add_argument("--consented", action="store_true",
                   help=_("only customers who agreed to marketing"))
    q.add_argument("--csv", metavar=_("FILE"),
                   help=_("write the consenting customers to FILE for a mailing"))


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
        "ltv": _ltv(ltv, currency),
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
        "matrix_revenue_pct": {k: _pct(v) for k, v in report.matrix_revenue_pct.items()},
        "ltv_by_segment": {k: _ltv(v, currency) for k, v in report.ltv_by_segment.items()},
        "crr_by_month": [{"month": first.strftime("%Y-%m"), "active_start": r.active_start,
                          "active_end": r.active_end, "new": r.new, "crr_pct": _pct(r.crr_pct)}
                         for first, r in report.crr_by_month],
        "nps_by_month": [{"month": first.strftime("%Y-%m"), "score": _pct(n.score),
                          "responses": n.responses} for first, n in report.nps_by_month],
    }


def _ltv(ltv: figures.Ltv, currency: str) -> dict:
    return {"customers": ltv.customers, "s": money(int(ltv.s.to_integral_value()), currency),
            "c": f"{ltv.c:.2f}", "p_pct": _pct(ltv.p_pct), "t_months": f"{ltv.t_months:.2f}",
            "ltv": money(int(ltv.ltv.to_integral_value()), currency)}


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
        _("  LTV by segment: {cells}").format(cells="  ".join(
            f"{k} {v['ltv']}" for k, v in data["ltv_by_segment"].items() if v["customers"])),
        _("  top 20 % of customers bring {top} % of revenue; {share} % of customers bring"
          " 80 %").format(top=data["pareto"]["top20_share_pct"],
                          share=data["pareto"]["customers_for_80_pct"]),
        "  " + "  ".join(f"{k} {v}" + (_(" ({n} lapsed)").format(n=data["ladder_lapsed"][k])
                                        if data["ladder_lapsed"][k] else "")
                         for k, v in ladder.items())
        + _("; moved up {up}, down {down}").format(**data["ladder_moved"]),
        _("  anonymous (bearer cards): {share} % of card revenue").format(
            share=data["anonymous_share_pct"]),
        _("  NPS {score} ({p} promoters, {a} passives, {d} detractors)").format(
            score=data["nps"]["score"] or "-", p=data["nps"]["promoters"],
            a=data["nps"]["passives"], d=data["nps"]["detractors"]),
        _("  by month: CRR %, NPS"),
        *(f"    {c['month']}  {c['crr_pct'] or '-':>7}  {n['score'] or '-':>7}"
          for c, n in zip(data["crr_by_month"], data["nps_by_month"], strict=True)),
    ]
    return "\n".join(lines)


def run(db: Database, args: argparse.Namespace, out: Out) -> None:
    actor = sign_in(db, args)
    start = parse_date(args.date_from) if args.date_from else None
    end = parse_date(args.date_to) if args.date_to else None
    if args.action == "customers":
        _customers(db, args, out, insight.analyse(db, actor=actor, start=start, end=end), actor)
        return
    report = insight.insight_report(db, actor=actor, start=start, end=end)
    data = report_json(report, store.program_in_force(db).currency)
    out(data, report_text(data))


def _customers(db: Database, args, out: Out, analysis: insight.Analysis, actor) -> None:
    chosen = insight.customer_list(analysis, segment=args.segment, step=args.step,
                                   lapsed=args.lapsed)
    what = args.segment or args.step or "lapsed"
    if args.csv:
        written = insight.export_customers(db, actor=actor, chosen=chosen, path=args.csv,
                                           what=what)
        out({"list": what, "customers": len(chosen), "written": written, "file": args.csv},
            _("{written} of {n} customers ({what}) agreed to marketing: written to {file}"
              ).format(written=written, n=len(chosen), what=what, file=args.csv))
        return
    known = insight.contacts(db, [c.number for c in chosen])
    if args.consented:
        chosen = [c for c in chosen if c.number in known and known[c.number].consent]
    currency = store.program_in_force(db).currency
    rows = [{"card": c.number, "name": known[c.number].name if c.number in known else "",
             "step": c.step, "segment": c.segment, "revenue": money(c.revenue, currency),
             "visits": c.visits, "last_visit": c.last_visit.isoformat(),
             "ltv": money(int(c.lifetime.ltv.to_integral_value()), currency),
             "rfm": "".join(map(str, c.rfm)), "active": c.active} for c in chosen]
    text = [_("{n} customers ({what})").format(n=len(rows), what=what)] + [
        f"  {r['card']}  {r['name'][:24]:<24}  {r['step']:<9} {r['segment'] or '-':<6}"
        f" {r['revenue']:>12}  {r['visits']:>4}  {r['last_visit']}  RFM {r['rfm']}"
        for r in rows]
    out({"list": what, "customers": rows}, "\n".join(text))


def _customer_arguments(p: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("show", parents=[common], help=_("a customer's profile"))
    q.add_argument("who", metavar=_("NUMBER_OR_PHONE"))


def run_customer(db: Database, args: argparse.Namespace, out: Out) -> None:
    profile = profiles.customer_profile(db, actor=sign_in(db, args), text=args.who)
    currency = store.program_in_force(db).currency
    data = profile_json(profile, currency)
    out(data, profile_text(data))


def profile_json(p: profiles.Profile, currency: str) -> dict:
    snap = p.snapshot
    return {
        "card": p.number, "cards": p.cards, "name": p.name, "phone": p.phone, "email": p.email,
        "marketing_consent": p.consent, "balance": money(p.balance, currency),
        "purchases": p.purchases, "revenue": money(p.revenue, currency),
        "average_check": (money(int(p.average_check.to_integral_value()), currency)
                          if p.average_check is not None else None),
        "first_visit": p.first_visit.isoformat() if p.first_visit else None,
        "last_visit": p.last_visit.isoformat() if p.last_visit else None,
        "by_month": [{"month": m.first.strftime("%Y-%m"), "purchases": m.purchases,
                      "revenue": money(m.revenue, currency)} for m in p.by_month],
        "ltv": _ltv(p.lifetime, currency) if p.lifetime else None,
        "step": snap.step if snap else None, "segment": snap.segment if snap else None,
        "rfm": p.rfm, "as_of": snap.as_of.isoformat() if snap else None, "advice": p.advice,
        "nps": [{"date": a.date.isoformat(), "score": a.score, "reason": a.reason}
                for a in p.answers],
        "referred_by": p.referred_by, "referred": p.referred,
        "ledger": [{"at": e.at.isoformat(sep=" ", timespec="seconds"), "card": e.card,
                    "kind": e.kind, "amount": money(e.amount, currency), "note": e.note}
                   for e in p.ledger],
    }


def profile_text(d: dict) -> str:
    lines = [
        f"{d['name']}  {d['card']}  {d['phone'] or ''}  {d['email'] or ''}".rstrip(),
        _("  {n} purchases, {revenue} in all, average check {avg}; first {first}, last {last}"
          ).format(n=d["purchases"], revenue=d["revenue"], avg=d["average_check"] or "-",
                   first=d["first_visit"] or "-", last=d["last_visit"] or "-"),
        _("  step {step}, segment {segment}, RFM {rfm} (as of {date}); cashback {balance}"
          ).format(step=d["step"] or "-", segment=d["segment"] or "-", rfm=d["rfm"] or "-",
                   date=d["as_of"] or "-", balance=d["balance"]),
        _("  advice: {advice}").format(advice=d["advice"]),
    ]
    if d["ltv"]:
        ltv = d["ltv"]
        lines.append(_("  LTV {ltv} = S {s} x C {c} x P {p} % x T {t} months").format(
            ltv=ltv["ltv"], s=ltv["s"], c=ltv["c"], p=ltv["p_pct"], t=ltv["t_months"]))
    lines.append("  " + "  ".join(f"{m['month']}: {m['purchases']}" for m in d["by_month"]))
    if d["nps"]:
        lines.append(_("  NPS answers: {answers}").format(
            answers=", ".join(f"{a['date']} {a['score']}" for a in d["nps"])))
    if d["referred_by"] or d["referred"]:
        lines.append(_("  recommended by {who}; recommended {them}").format(
            who=d["referred_by"] or "-", them=", ".join(d["referred"]) or "-"))
    return "\n".join(lines)


COMMANDS = (
    Command("customer", N_("a customer's profile: visits, worth, step, answers, ledger"),
            _customer_arguments, run_customer),
    Command("insight", N_("who is loyal, who is drifting away, what customers are worth"
                          " (manager)"), _arguments, run),
)
