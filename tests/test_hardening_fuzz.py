"""Bad input through the command line: whatever is typed, one line and an exit code, never a
traceback, never a write, and the ledger stays healthy."""

from __future__ import annotations

from conftest import MANAGER_PIN, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltypos.services.verify import verify

JUNK = st.one_of(
    st.text(max_size=24),
    st.sampled_from(["", "-1", "0", "1e27", "9" * 30, "²", "１２", "NaN", "\x00", "\x1b[31m",
                     "max", "cash:", "card:-5", "%%", "__", "R", "R0", "{}", "1,5", "1.005"]),
)
COMMANDS = st.one_of(
    st.tuples(st.just("sale"), st.just("--item"), JUNK, JUNK, JUNK, st.just("--pay"), JUNK),
    st.tuples(st.just("sale"), st.just("--card"), JUNK, st.just("--item"), st.just("x"),
              st.just("1"), st.just("5"), st.just("--redeem"), JUNK),
    st.tuples(st.just("refund"), JUNK, st.just("--item"), JUNK, JUNK),
    st.tuples(st.just("card"), st.sampled_from(["show", "find", "block", "replace"]), JUNK),
    st.tuples(st.just("card"), st.just("adjust"), JUNK, JUNK, st.just("--reason"), JUNK),
    st.tuples(st.just("card"), st.just("issue"), st.just("--personal"), st.just("--name"), JUNK,
              st.just("--phone"), JUNK),
    st.tuples(st.just("product"), st.just("add"), JUNK, JUNK, JUNK),
    st.tuples(st.just("receipt"), JUNK),
    st.tuples(st.just("report"), st.just("z"), JUNK),
    st.tuples(st.just("day"), st.just("close"), st.just("--counted-cash"), JUNK),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=COMMANDS)
def test_any_bad_input_is_one_line_and_writes_nothing(db, db_path, shop, cli, command,
                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # a fault's log stays in the test
    before = snapshot(db)
    args = ["--db", str(db_path), *command]
    if command[0] in ("sale", "refund", "day") or command[1:2] in (("block",), ("replace",),
                                                                     ("adjust",), ("issue",),
                                                                     ("add",)):
        args += ["--user", "Maria"]
    run = cli(*args, LOYALTYPOS_PIN=MANAGER_PIN)
    assert run.returncode in (0, 1, 2), (command, run)
    assert "Traceback" not in run.stderr, (command, run.stderr)
    if run.returncode != 0:
        assert snapshot(db) == before, command
        assert run.stderr.count("\n") <= 20  # a refusal is a line; usage is a short block
    assert verify(db) == []
