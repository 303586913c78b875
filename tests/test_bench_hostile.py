"""bench/hostile.py keeps working: a few of its bad inputs, its race, on a throw-away shop."""

from __future__ import annotations

import random

import pytest

from bench import hostile


def test_a_few_bad_inputs_write_nothing_and_raise_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    figures = hostile.bad_inputs(tmp_path, 25, random.Random(3))
    assert figures["tried"] == 25 and sum(figures["exit_codes"].values()) == 25
    assert (figures["tracebacks"], figures["writes_by_refused"]) == (0, 0), figures["examples"]
    assert figures["verify_ok"]


@pytest.mark.slow
def test_tills_racing_on_one_card_stay_exact(tmp_path):
    figures = hostile.race(tmp_path, tills=3)
    assert figures["sold"] == 3 and figures["exact"] and figures["verify_ok"], figures
