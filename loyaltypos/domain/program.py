"""The loyalty program: its tiers and limits, read from and written to TOML.

Numbers in the file are read as ``Decimal`` (never float). Money in the file is
in major units ("50000" is fifty thousand roubles); in memory it is minor units.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loyaltypos import resources
from loyaltypos.domain.errors import ProgramInvalid
from loyaltypos.domain.i18n import _
from loyaltypos.domain.money import CURRENCY_EXPONENTS, fmt, parse_amount

DEFAULT_PROGRAM_FILE = resources.path("program.toml")


@dataclass(frozen=True)
class Tier:
    name: str
    discount_pct: Decimal
    cashback_pct: Decimal
    min_spend: int = 0  # minor units; unused on the bearer tier
    bearer: bool = False


@dataclass(frozen=True)
class Program:
    name: str
    currency: str
    tiers: tuple[Tier, ...]  # the bearer tier first, then personal tiers ascending
    tier_window_days: int = 0
    max_redeem_pct: Decimal = Decimal(100)
    min_redeem_balance: int = 0

    @property
    def bearer_tier(self) -> Tier:
        return next(t for t in self.tiers if t.bearer)

    @property
    def personal_tiers(self) -> tuple[Tier, ...]:
        return tuple(t for t in self.tiers if not t.bearer)

    def tier_named(self, name: str) -> Tier | None:
        lowered = name.strip().lower()
        return next((t for t in self.tiers if t.name.lower() == lowered), None)

    def tier_for_spend(self, spend: int) -> Tier:
        """The highest personal tier whose threshold the spend reaches."""
        chosen = self.personal_tiers[0]
        for tier in self.personal_tiers:
            if spend >= tier.min_spend:
                chosen = tier
        return chosen

    def next_tier(self, spend: int) -> tuple[Tier, int] | None:
        """The next personal tier above ``spend`` and how much more reaches it."""
        for tier in self.personal_tiers:
            if tier.min_spend > spend:
                return tier, tier.min_spend - spend
        return None


def _pct(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ProgramInvalid(_("{where}: a percentage must be a number").format(where=where))
    try:
        pct = Decimal(str(value))
    except ArithmeticError:
        raise ProgramInvalid(_("{where}: '{value}' is not a number").format(
            where=where, value=value)) from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise ProgramInvalid(_("{where}: a percentage must be between 0 and 100").format(
            where=where))
    if pct != pct.quantize(Decimal("0.01")):
        raise ProgramInvalid(_("{where}: a percentage has at most two decimals").format(
            where=where))
    return Decimal(int(pct)) if pct == pct.to_integral() else pct


def _money(value: object, currency: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ProgramInvalid(_("{where}: an amount must be a number").format(where=where))
    try:
        return parse_amount(str(value), currency)
    except Exception as exc:
        raise ProgramInvalid(_("{where}: {problem}").format(where=where, problem=exc)) from None


def _int(value: object, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ProgramInvalid(_("{where}: must be a whole number of at least {minimum}").format(
            where=where, minimum=minimum))
    return value


def parse_program(text: str) -> Program:
    """Read and check a program file's text; every problem is a ProgramInvalid."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramInvalid(_("the program file is not valid TOML: {problem}").format(
            problem=exc)) from None
    head = data.get("program")
    if not isinstance(head, dict):
        raise ProgramInvalid(_("the program file needs a [program] section"))
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProgramInvalid(_("[program] needs a name"))
    currency = head.get("currency")
    if not isinstance(currency, str) or currency not in CURRENCY_EXPONENTS:
        raise ProgramInvalid(_("[program] currency '{currency}' is not a known ISO code").format(
            currency=currency))
    known = {"name", "currency", "tier_window_days", "max_redeem_pct", "min_redeem_balance"}
    unknown = set(head) - known
    if unknown:
        raise ProgramInvalid(_("[program] has unknown keys: {keys}").format(
            keys=", ".join(sorted(unknown))))

    raw_tiers = data.get("tier")
    if not isinstance(raw_tiers, list) or not raw_tiers:
        raise ProgramInvalid(_("the program needs [[tier]] sections"))
    tiers: list[Tier] = []
    for i, raw in enumerate(raw_tiers, start=1):
        where = _("tier {number}").format(number=i)
        tname = raw.get("name")
        if not isinstance(tname, str) or not tname.strip():
            raise ProgramInvalid(_("{where} needs a name").format(where=where))
        where = _("tier '{name}'").format(name=tname)
        bad_keys = set(raw) - {"name", "bearer", "discount_pct", "cashback_pct", "min_spend"}
        if bad_keys:
            raise ProgramInvalid(_("{where} has unknown keys: {keys}").format(
                where=where, keys=", ".join(sorted(bad_keys))))
        bearer = raw.get("bearer", False)
        if not isinstance(bearer, bool):
            raise ProgramInvalid(_("{where}: bearer is true or false").format(where=where))
        if bearer and "min_spend" in raw:
            raise ProgramInvalid(_("{where}: the bearer tier has no min_spend").format(
                where=where))
        tiers.append(
            Tier(
                name=tname.strip(),
                bearer=bearer,
                discount_pct=_pct(raw.get("discount_pct", 0), f"{where} discount_pct"),
                cashback_pct=_pct(raw.get("cashback_pct", 0), f"{where} cashback_pct"),
                min_spend=0 if bearer else _money(raw.get("min_spend", 0), currency, where),
            )
        )
    bearers = [t for t in tiers if t.bearer]
    if len(bearers) != 1:
        raise ProgramInvalid(_("the program needs exactly one bearer tier, it has {count}").format(
            count=len(bearers)))
    personal = [t for t in tiers if not t.bearer]
    if not personal:
        raise ProgramInvalid(_("the program needs at least one personal tier"))
    if personal[0].min_spend != 0:
        raise ProgramInvalid(_("the first personal tier '{name}' must have min_spend 0").format(
            name=personal[0].name))
    for lower, upper in itertools.pairwise(personal):
        if upper.min_spend <= lower.min_spend:
            raise ProgramInvalid(
                _("personal tiers must rise: '{upper}' needs more min_spend than '{lower}'").format(
                    upper=upper.name, lower=lower.name)
            )
    names = [t.name.lower() for t in tiers]
    if len(set(names)) != len(names):
        raise ProgramInvalid(_("tier names must be different"))

    return Program(
        name=name.strip(),
        currency=currency,
        tiers=(bearers[0], *personal),
        tier_window_days=_int(head.get("tier_window_days", 0), "tier_window_days"),
        max_redeem_pct=_pct(head.get("max_redeem_pct", 100), "max_redeem_pct"),
        min_redeem_balance=_money(
            head.get("min_redeem_balance", 0), currency, "min_redeem_balance"
        ),
    )


def load_program_file(path: str | Path) -> Program:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProgramInvalid(_("no program file at {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramInvalid(_("cannot read the program file {path}: {problem}").format(
            path=path, problem=exc)) from None
    return parse_program(text)


def _num(value: Decimal | int) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral() else str(value)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump_program(program: Program) -> str:
    """The program as TOML a manager can read and edit; :func:`parse_program` reads it back."""

    def money(units: int) -> str:
        return _num(Decimal(fmt(units, program.currency)))

    out = [
        "[program]",
        f"name = {_quote(program.name)}",
        f"currency = {_quote(program.currency)}",
        f"tier_window_days = {program.tier_window_days}"
        "      # 0: lifetime spend; N: spend of the last N days",
        f"max_redeem_pct = {_num(program.max_redeem_pct)}"
        "        # at most this share of a bill is paid with cashback",
        f"min_redeem_balance = {money(program.min_redeem_balance)}"
        "    # balance needed before any of it can be spent",
    ]
    for tier in program.tiers:
        out += ["", "[[tier]]", f"name = {_quote(tier.name)}"]
        out.append("bearer = true" if tier.bearer else f"min_spend = {money(tier.min_spend)}")
        out += [f"discount_pct = {_num(tier.discount_pct)}",
                f"cashback_pct = {_num(tier.cashback_pct)}"]
    return "\n".join(out) + "\n"
