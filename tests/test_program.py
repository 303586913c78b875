from decimal import Decimal
from pathlib import Path

import pytest

from loyaltypos.domain.errors import ProgramInvalid
from loyaltypos.domain.program import (
    DEFAULT_PROGRAM_FILE,
    dump_program,
    load_program_file,
    parse_program,
)


def test_the_shipped_default_program_has_a_bearer_tier_and_rising_personal_tiers():
    program = load_program_file(DEFAULT_PROGRAM_FILE)
    assert program.bearer_tier.name == "Bearer"
    names = [t.name for t in program.personal_tiers]
    assert names == ["Simple", "Silver", "Gold", "VIP"]
    assert program.tier_named("vip").cashback_pct == Decimal("7.5")


def test_program_numbers_are_read_as_decimal_never_float(program_text):
    program = parse_program(program_text)
    gold = program.tier_named("Gold")
    assert isinstance(gold.cashback_pct, Decimal) and gold.cashback_pct == Decimal("7.5")
    assert gold.min_spend == 5_000_000  # 50000.00 in kopecks


def test_tier_for_spend_picks_the_highest_threshold_reached(program_text):
    program = parse_program(program_text)
    assert program.tier_for_spend(0).name == "Simple"
    assert program.tier_for_spend(99_999).name == "Simple"
    assert program.tier_for_spend(100_000).name == "Ten"
    assert program.tier_for_spend(5_000_000).name == "Gold"
    tier, missing = program.next_tier(99_000)
    assert (tier.name, missing) == ("Ten", 1_000)
    assert program.next_tier(5_000_000) is None


def test_dumped_program_reads_back_the_same(program_text):
    program = parse_program(program_text)
    assert parse_program(dump_program(program)) == program


def _bad(program_text: str, old: str, new: str) -> str:
    assert old in program_text
    return program_text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("bearer = true", "bearer = false", "exactly one bearer tier"),
        ('name = "Ten"\nmin_spend = 1000', 'name = "Ten"\nmin_spend = 60000', "must rise"),
        ('name = "Simple"\nmin_spend = 0', 'name = "Simple"\nmin_spend = 5', "min_spend 0"),
        ("discount_pct = 10", "discount_pct = 110", "between 0 and 100"),
        ("discount_pct = 10", "discount_pct = 7.125", "two decimals"),
        ('currency = "RUB"', 'currency = "XXX"', "ISO code"),
        ('name = "Gold"', 'name = "Ten"', "different"),
        ("max_redeem_pct = 100", "max_redeem_pct = -1", "between 0 and 100"),
        ("tier_window_days = 0", "tier_window_days = -3", "whole number"),
        ("cashback_pct = 7.5", 'cashback_pct = "lots"', "not a number"),
        ("[program]", "[programme]", r"needs a \[program\] section"),
        ("discount_pct = 10", "discount = 10", "unknown keys"),
    ],
)
def test_invalid_programs_are_refused_with_the_reason(program_text, old, new, message):
    with pytest.raises(ProgramInvalid, match=message):
        parse_program(_bad(program_text, old, new))


def test_corrupt_or_missing_program_file_is_refused(tmp_path: Path):
    broken = tmp_path / "program.toml"
    broken.write_text("[program\nname = ", encoding="utf-8")
    with pytest.raises(ProgramInvalid, match="not valid TOML"):
        load_program_file(broken)
    with pytest.raises(ProgramInvalid, match="no program file"):
        load_program_file(tmp_path / "missing.toml")
