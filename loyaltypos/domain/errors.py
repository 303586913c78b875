"""Specific refusals. Each message says what went wrong and what to do next.

Every error a rule raises is a :class:`Refused`: the command line turns it into
one line on stderr and exit code 1, the till shows it in one place. A refused
call has written nothing.
"""

from __future__ import annotations


class Refused(Exception):
    """A rule said no. Nothing was written."""


class BadAmount(Refused):
    pass


class BadQuantity(Refused):
    pass


class CardNumberWrong(Refused):
    pass


class CheckDigitWrong(CardNumberWrong):
    pass


class CardNotFound(Refused):
    pass


class CardBlocked(Refused):
    pass


class CardReplaced(Refused):
    pass


class CardKindWrong(Refused):
    pass


class PhoneTaken(Refused):
    pass


class BadCustomer(Refused):
    pass


class NotEnoughBalance(Refused):
    pass


class RedeemRefused(Refused):
    pass


class PaymentWrong(Refused):
    pass


class SaleNotFound(Refused):
    pass


class RefundTooMuch(Refused):
    pass


class ProgramInvalid(Refused):
    pass


class NotAllowed(Refused):
    """The user is not a manager, or not signed in."""


class PinWrong(Refused):
    pass


class UserLocked(Refused):
    pass


class UserNotFound(Refused):
    pass


class DayClosed(Refused):
    pass


class DayNeedsConfirmation(Refused):
    """The clock is more than a day past the last business day: a manager opens the day."""

    def __init__(self, message: str, *, date, last) -> None:
        super().__init__(message)
        self.date, self.last = date, last


class NotInitialised(Refused):
    pass


class AlreadyInitialised(Refused):
    pass


class LedgerIsAppendOnly(Refused):
    pass


class CannotWriteFile(Refused):
    """A file cannot be written where asked (no folder, no permission, a folder's name)."""


class GuardsMissing(Refused):
    """The database's append-only triggers are gone: nothing is written on it."""


class NoDatabase(Refused):
    """There is no shop's database where one was named, and none is to be made there."""


class NeedsUpgrade(Refused):
    """A server's database is at an older schema (or none): an admin upgrades it, not a till."""


class TillUnknown(Refused):
    """This computer was not told which till it is, or was told a till the program lacks."""
