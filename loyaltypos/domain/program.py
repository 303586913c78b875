"""The loyalty program: its tiers and limits, read from and written to TOML.

Numbers in the file are read as ``Decimal`` (never float). Money in the file is
in major units ("50000" is fifty thousand roubles); in memory it is minor units.

What a program may hold (each breach is one line of :class:`ProgramInvalid`, never a
TypeError or a traceback later, when a card is used):

- the shop's name and every tier name follow :func:`loyaltypos.domain.text.clean_text`:
  trimmed, not empty, at most :data:`~loyaltypos.domain.text.MAX_NAME` (60) characters,
  no control or format character (NUL, line breaks, ESC, DEL, zero-width marks, ...);
- ``tier_window_days``: a whole number from 0 to :data:`MAX_WINDOW_DAYS` (3650, ten years);
- every percentage (``discount_pct``, ``cashback_pct``, ``max_redeem_pct``): a number from
  0 to 100 with at most two decimals;
- every amount (``min_spend``, ``min_redeem_balance``): a number from 0 to
  ``MAX_AMOUNT_UNITS`` (10**12 minor units), with no more decimals than the currency has;
- between 2 and :data:`MAX_TIERS` (20) tiers, each a ``[[tier]]`` table;
- a value of the wrong kind (a list, a table, text where a number is meant) is refused;
- an optional ``[insight]`` table sets the thresholds of the owner's figures
  (docs/INSIGHT.md): ``margin_pct``, ``active_days`` (1 to 3650), ``xyz_months`` (2 to 24),
  ``a_pct`` and ``b_pct`` (above 0, A below B), ``x_cv_pct`` and ``y_cv_pct`` (X below Y),
  ``regular_months`` (1 to 6); what it leaves out keeps the guide's default;
- optional ``[[reward]]`` tables, each kind at most once (docs/RULES-DECISIONS.md,
  "Rewards"): ``stamps`` (``every`` 2 to 1000 qualifying purchases, ``min_check``, ``gift``
  "bonus" with an ``amount`` or "item" with a ``product`` code), ``welcome``, ``referral``
  (an ``amount`` above 0) and ``birthday`` (an ``amount``, ``days`` 0 to 31);
- an optional ``[expiry]`` table: ``days`` (0 to 3650; 0, the default: cashback never
  expires) and ``lock_days`` (0 to 365).

:func:`dump_program` writes text :func:`parse_program` reads back; :func:`program_text`
is what a program is stored as, and it proves the round trip before anything is stored.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from loyaltypos import resources
from loyaltypos.domain.errors import ProgramInvalid
from loyaltypos.domain.i18n import _, language
from loyaltypos.domain.money import CURRENCY_EXPONENTS, MAX_AMOUNT_UNITS, fmt, parse_amount
from loyaltypos.domain.text import MAX_NAME, clean_text

DEFAULT_PROGRAM_FILE = resources.path("program.toml")


def default_program_file() -> Path:
    """The program a new shop starts with, with its tiers named in the language in use
    (``program.ru.toml``), else in English."""
    found = resources.path(f"program.{language()}.toml")
    return found if found.is_file() else DEFAULT_PROGRAM_FILE
MAX_WINDOW_DAYS = 3650  # ten years; far more and "now - window" leaves the calendar
MAX_TIERS = 20


@dataclass(frozen=True)
class Tier:
    name: str
    discount_pct: Decimal
    cashback_pct: Decimal
    min_spend: int = 0  # minor units; unused on the bearer tier
    bearer: bool = False


@dataclass(frozen=True)
class InsightRules:
    """The ``[insight]`` table: thresholds of the owner's figures, the guide's defaults."""

    margin_pct: Decimal = Decimal(30)
    active_days: int = 90
    xyz_months: int = 6
    a_pct: Decimal = Decimal(80)
    b_pct: Decimal = Decimal(95)
    x_cv_pct: Decimal = Decimal(10)
    y_cv_pct: Decimal = Decimal(25)
    regular_months: int = 3
    ladder_months: int = 6  # the guide's "last 6 calendar months": not a key


REWARD_KINDS = ("stamps", "welcome", "birthday", "referral")
GIFTS = ("bonus", "item")
MAX_STAMPS = 1000
MAX_BIRTHDAY_DAYS = 31
MAX_LOCK_DAYS = 365
# The keys each kind of reward takes, besides its kind.
REWARD_KEYS = {"stamps": {"every", "min_check", "gift", "amount", "product"},
               "welcome": {"amount"}, "referral": {"amount"}, "birthday": {"amount", "days"}}


@dataclass(frozen=True)
class Reward:
    """One ``[[reward]]`` table; money in minor units."""

    kind: str
    amount: int = 0  # the bonus credited (stamps with a bonus gift, welcome, birthday, referral)
    every: int = 0  # stamps: the Nth qualifying purchase earns the gift
    min_check: int = 0  # stamps: a purchase counts when its due reaches this
    gift: str = "bonus"  # stamps: "bonus" or "item"
    product: str | None = None  # stamps, an item gift: the product's code
    days: int = 0  # birthday: how many days either side of the birthday


@dataclass(frozen=True)
class Expiry:
    """The ``[expiry]`` table: when cashback lapses, and how long what a sale earns waits."""

    days: int = 0  # 0: cashback never expires
    lock_days: int = 0


INSIGHT_PCT_KEYS = ("margin_pct", "a_pct", "b_pct", "x_cv_pct", "y_cv_pct")
INSIGHT_INT_KEYS = {"active_days": (1, MAX_WINDOW_DAYS), "xyz_months": (2, 24),
                    "regular_months": (1, 6)}


@dataclass(frozen=True)
class Program:
    name: str
    currency: str
    tiers: tuple[Tier, ...]  # the bearer tier first, then personal tiers ascending
    tier_window_days: int = 0
    max_redeem_pct: Decimal = Decimal(100)
    min_redeem_balance: int = 0
    insight: InsightRules = InsightRules()
    rewards: tuple[Reward, ...] = ()
    expiry: Expiry = Expiry()

    def reward(self, kind: str) -> Reward | None:
        """The program's reward of this kind, if it has one."""
        return next((r for r in self.rewards if r.kind == kind), None)

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
        units = parse_amount(str(value), currency)
    except Exception as exc:
        raise ProgramInvalid(_("{where}: {problem}").format(where=where, problem=exc)) from None
    if units > MAX_AMOUNT_UNITS:  # parse_amount's own bound; kept here should it change
        raise ProgramInvalid(_("{where}: an amount is at most {most}").format(
            where=where, most=fmt(MAX_AMOUNT_UNITS, currency)))
    return units


def _int(value: object, where: str, *, minimum: int = 0, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ProgramInvalid(_("{where}: must be a whole number of at least {minimum}").format(
            where=where, minimum=minimum))
    if value > maximum:
        raise ProgramInvalid(_("{where}: must be at most {maximum}").format(
            where=where, maximum=maximum))
    return value


def _name(value: object, field: str, missing: str) -> str:
    """A name checked by the one text rule; ``missing`` is the message when there is none."""
    if not isinstance(value, str) or not value.strip():
        raise ProgramInvalid(missing)
    return clean_text(value, field=field, most=MAX_NAME, error=ProgramInvalid)


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
    name = _name(head.get("name"), _("the shop's name"), _("[program] needs a name"))
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
    if (not isinstance(raw_tiers, list) or not raw_tiers
            or not all(isinstance(raw, dict) for raw in raw_tiers)):
        raise ProgramInvalid(_("the program needs [[tier]] sections"))
    if len(raw_tiers) > MAX_TIERS:
        raise ProgramInvalid(_("the program has {count} tiers; at most {most} tiers").format(
            count=len(raw_tiers), most=MAX_TIERS))
    tiers: list[Tier] = []
    for i, raw in enumerate(raw_tiers, start=1):
        where = _("tier {number}").format(number=i)
        tname = _name(raw.get("name"), _("the name of {where}").format(where=where),
                      _("{where} needs a name").format(where=where))
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
                name=tname,
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
        name=name,
        currency=currency,
        tiers=(bearers[0], *personal),
        tier_window_days=_int(head.get("tier_window_days", 0), "tier_window_days",
                              maximum=MAX_WINDOW_DAYS),
        max_redeem_pct=_pct(head.get("max_redeem_pct", 100), "max_redeem_pct"),
        min_redeem_balance=_money(
            head.get("min_redeem_balance", 0), currency, "min_redeem_balance"
        ),
        insight=_insight(data.get("insight", {})),
        rewards=_rewards(data.get("reward", []), currency),
        expiry=_expiry(data.get("expiry", {})),
    )


def _rewards(raw: object, currency: str) -> tuple[Reward, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ProgramInvalid(_("rewards are [[reward]] tables"))
    rewards: list[Reward] = []
    for number, table in enumerate(raw, start=1):
        kind = table.get("kind")
        if kind not in REWARD_KINDS:
            raise ProgramInvalid(_("reward {number}: kind is one of {kinds}").format(
                number=number, kinds=", ".join(REWARD_KINDS)))
        where = _("the {kind} reward").format(kind=kind)
        if any(r.kind == kind for r in rewards):
            raise ProgramInvalid(_("{where} is there twice; each kind of reward at most once"
                                   ).format(where=where))
        unknown = set(table) - REWARD_KEYS[kind] - {"kind"}
        if unknown:
            raise ProgramInvalid(_("{where} has unknown keys: {keys}").format(
                where=where, keys=", ".join(sorted(unknown))))
        gift = table.get("gift", "bonus") if kind == "stamps" else "bonus"
        if gift not in GIFTS:
            raise ProgramInvalid(_("{where}: gift is \"bonus\" or \"item\"").format(where=where))
        product = None
        if gift == "item":
            if "amount" in table:
                raise ProgramInvalid(_("{where}: an item gift has a product, not an amount"
                                       ).format(where=where))
            product = _name(table.get("product"), _("the gift's product code"),
                            _("{where}: an item gift needs the product's code").format(
                                where=where))
        elif "product" in table:
            raise ProgramInvalid(_("{where}: a product is for gift = \"item\"").format(
                where=where))
        amount = 0
        if gift == "bonus":
            amount = _money(table.get("amount", 0), currency, f"{where} amount")
            if amount <= 0:
                raise ProgramInvalid(_("{where}: the amount must be above 0").format(
                    where=where))
        rewards.append(Reward(
            kind=kind, amount=amount, gift=gift, product=product,
            every=(_int(table.get("every"), f"{where} every", minimum=2, maximum=MAX_STAMPS)
                   if kind == "stamps" else 0),
            min_check=(_money(table.get("min_check", 0), currency, f"{where} min_check")
                       if kind == "stamps" else 0),
            days=(_int(table.get("days", 7), f"{where} days", maximum=MAX_BIRTHDAY_DAYS)
                  if kind == "birthday" else 0)))
    return tuple(rewards)


def _expiry(raw: object) -> Expiry:
    if not isinstance(raw, dict):
        raise ProgramInvalid(_("[expiry] must be a table"))
    unknown = set(raw) - {"days", "lock_days"}
    if unknown:
        raise ProgramInvalid(_("[expiry] has unknown keys: {keys}").format(
            keys=", ".join(sorted(unknown))))
    expiry = Expiry(days=_int(raw.get("days", 0), "expiry.days", maximum=MAX_WINDOW_DAYS),
                    lock_days=_int(raw.get("lock_days", 0), "expiry.lock_days",
                                   maximum=MAX_LOCK_DAYS))
    if expiry.days and expiry.lock_days >= expiry.days:
        raise ProgramInvalid(_("[expiry] lock_days ({lock}) must be fewer than days ({days}):"
                               " cashback would expire before it could be spent").format(
            lock=expiry.lock_days, days=expiry.days))
    return expiry


def _insight(raw: object) -> InsightRules:
    if not isinstance(raw, dict):
        raise ProgramInvalid(_("[insight] must be a table of thresholds"))
    unknown = set(raw) - set(INSIGHT_PCT_KEYS) - set(INSIGHT_INT_KEYS)
    if unknown:
        raise ProgramInvalid(_("[insight] has unknown keys: {keys}").format(
            keys=", ".join(sorted(unknown))))
    values: dict[str, object] = {}
    for key in INSIGHT_PCT_KEYS:
        if key in raw:
            values[key] = _pct(raw[key], f"insight.{key}")
    for key, (least, most) in INSIGHT_INT_KEYS.items():
        if key in raw:
            values[key] = _int(raw[key], f"insight.{key}", minimum=least, maximum=most)
    rules = InsightRules(**values)
    if not 0 < rules.a_pct < rules.b_pct:
        raise ProgramInvalid(_("[insight] needs 0 < a_pct < b_pct"))
    if not rules.x_cv_pct < rules.y_cv_pct:
        raise ProgramInvalid(_("[insight] needs x_cv_pct < y_cv_pct"))
    return rules


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
    """A TOML basic string; control characters are escaped, so the line stays one line."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


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
    defaults = InsightRules()
    changed = [(key, getattr(program.insight, key))
               for key in (*INSIGHT_PCT_KEYS, *INSIGHT_INT_KEYS)
               if getattr(program.insight, key) != getattr(defaults, key)]
    if changed:  # a program that keeps the guide's defaults reads as it always has
        out += ["", "[insight]"] + [f"{key} = {_num(value)}" for key, value in changed]
    for reward in program.rewards:
        out += ["", "[[reward]]", f"kind = {_quote(reward.kind)}"]
        if reward.kind == "stamps":
            out += [f"every = {reward.every}", f"min_check = {money(reward.min_check)}",
                    f"gift = {_quote(reward.gift)}"]
            if reward.product is not None:
                out.append(f"product = {_quote(reward.product)}")
        if reward.gift == "bonus":
            out.append(f"amount = {money(reward.amount)}")
        if reward.kind == "birthday":
            out.append(f"days = {reward.days}")
    if program.expiry != Expiry():
        out += ["", "[expiry]", f"days = {program.expiry.days}"
                "          # 0: cashback never expires",
                f"lock_days = {program.expiry.lock_days}"]
    return "\n".join(out) + "\n"


def program_text(program: Program) -> str:
    """The text a program is stored as, once it is proven to read back as the same program.

    A program built in code (a shop name typed at ``init``, a currency changed) did not
    pass :func:`parse_program`; storing what would not read back would make every later
    command fail, so that is refused here with the reason :func:`parse_program` gives.
    """
    text = dump_program(program)
    if parse_program(text) != program:
        raise ProgramInvalid(_("the program would not read back as it was written; "
                               "nothing was stored"))
    return text
