"""Which database failures are tried again, and how (loyaltypos.db.engine.retrying)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from loyaltypos.db.engine import is_transient, retrying
from loyaltypos.services.failures import explain


class _State(psycopg.OperationalError):
    def __init__(self, state: str | None) -> None:
        self._state = state
        super().__init__("boom")

    @property
    def sqlstate(self):
        return self._state


def wrapped(orig: Exception, cls=OperationalError) -> DBAPIError:
    return cls("SELECT 1", {}, orig)


@pytest.mark.parametrize(("error", "transient"), [
    (wrapped(_State(None)), True),  # no answer at all: the connection broke
    (wrapped(_State("08006")), True),  # connection failure
    (wrapped(_State("57P01")), True),  # the server is shutting down
    (wrapped(_State("40001")), True),  # serialization failure
    (wrapped(_State("40P01")), True),  # deadlock
    (wrapped(_State("55P03")), False),  # lock timeout: it waited its time already
    (wrapped(_State("23505"), IntegrityError), False),
    (wrapped(sqlite3.OperationalError("database is locked")), False),
])
def test_what_is_tried_again(error, transient):
    assert is_transient(error) is transient


def test_a_transient_failure_is_tried_again_with_the_same_work_until_it_passes():
    calls, slept = [], []

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise wrapped(_State(None))
        return "recorded"

    assert retrying(work, delays=(0.1, 0.2, 0.4), sleep=slept.append) == "recorded"
    assert len(calls) == 3 and slept == [0.1, 0.2]


def test_other_failures_are_not_tried_again_and_the_last_one_is_said():
    calls = []

    def refused():
        calls.append(1)
        raise wrapped(_State("23505"), IntegrityError)

    with pytest.raises(IntegrityError):
        retrying(refused, delays=(0.1,), sleep=lambda _s: None)
    assert len(calls) == 1

    def down():
        calls.append(1)
        raise wrapped(_State(None))

    calls.clear()
    with pytest.raises(OperationalError) as failed:
        retrying(down, delays=(0.1, 0.2), sleep=lambda _s: None)
    assert len(calls) == 3
    said = explain(failed.value)
    assert said.kind == "unreachable" and said.text.startswith("the server does not answer")


def test_a_server_that_cannot_be_reached_is_said_as_such_on_the_command_line(cli):
    done = cli("verify", "--db", "postgresql://till@127.0.0.1:1/shop")
    assert done.returncode == 3
    assert done.stderr.startswith("loyaltypos: cannot open the database (connection failed:")
    assert "the server is running and can be reached from here" in done.stderr
    assert "Traceback" not in done.stderr
