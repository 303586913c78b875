"""One way to run a change from a widget, like Anki's ``CollectionOp``.

A screen never calls another screen and never talks to the database itself. It
hands a service call to :class:`Ops`:

- ``run`` calls it now, for quick work (a sale, a card action);
- ``start`` calls it on a worker thread with a progress dialog and a Cancel
  button, for slow work (a batch of cards, an export, printing).

Either way every failure reaches the person in one place, in their words: a rule's
refusal, a database that is busy or gone, a printer or a file that cannot be
reached. A fault of the program is written with its traceback to the log file and
shown in a dialog; the window stays usable. When a call succeeds, ``changed`` tells
every screen what changed (a :class:`Change`), so each redraws itself.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from loyaltypos.db import Database
from loyaltypos.domain.errors import DayNeedsConfirmation, Refused
from loyaltypos.domain.i18n import _, date_text
from loyaltypos.domain.people import Actor
from loyaltypos.services import days
from loyaltypos.services.failures import Failure, explain

T = TypeVar("T")
log = logging.getLogger("loyaltypos.ui")


class Change(enum.Flag):
    """What a successful call changed; screens redraw what they show of it."""

    NOTHING = 0
    PROGRAM = enum.auto()
    CARDS = enum.auto()
    SALES = enum.auto()
    DAY = enum.auto()
    USERS = enum.auto()
    PRODUCTS = enum.auto()
    SETTINGS = enum.auto()


class Cancelled(Refused):
    """The person pressed Cancel on a slow job."""


Progress = Callable[[int, int], None]


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


class Ops(QObject):
    changed = Signal(object)  # Change
    failed = Signal(str)  # the last failure shown, for status lines and tests
    signed_in = Signal(object)  # Actor or None

    def __init__(self, database: Database, parent: QObject | None = None, *,
                 log_file: str | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.actor: Actor | None = None
        self.log_file = log_file
        self.jobs: list[_Job] = []
        # What the last failure reported was (None: a fault of the program), for a screen
        # whose words depend on it (the till: "the server does not answer, press F10").
        self.last_failure: Failure | None = None
        # Tests replace these to answer the manager PIN dialog and a yes/no question; the
        # UI asks a person.
        self.ask_manager: Callable[[QWidget, str], Actor | None] = self._ask_manager_dialog
        self.ask_yes: Callable[[QWidget, str], bool] = self._ask_yes_box
        # the same, with No the answer Enter gives: for what is more likely a slip
        self.ask_sure: Callable[[QWidget, str], bool] = self._ask_sure_box

    # ---------------------------------------------------------------- who is signed in

    def sign_in(self, actor: Actor | None) -> None:
        self.actor = actor
        self.signed_in.emit(actor)

    def manager(self, parent: QWidget, action: str) -> Actor | None:
        """The signed-in manager, or a manager who enters their PIN for this one action."""
        if self.actor is not None and self.actor.is_manager:
            return self.actor
        return self.ask_manager(parent, action)

    def _ask_manager_dialog(self, parent: QWidget, action: str) -> Actor | None:
        from ui.dialogs.people import ManagerPinDialog

        dialog = ManagerPinDialog(self, action, parent)
        return dialog.actor if dialog.exec() else None

    def _ask_yes_box(self, parent: QWidget, question: str) -> bool:
        answer = QMessageBox.question(parent, _("LoyaltyPOS"), question)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_sure_box(self, parent: QWidget, question: str) -> bool:
        answer = QMessageBox.question(
            parent, _("LoyaltyPOS"), question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def confirm_new_day(self, parent: QWidget | None, wanted: DayNeedsConfirmation) -> bool:
        """A manager confirms opening the business day the clock asks for (the signed-in
        manager answers yes, or a manager enters their PIN in a cashier's session)."""
        date, last = date_text(wanted.date), date_text(wanted.last)
        action = _("opening business day {date}: the last business day was {last} and the"
                   " clock says {date} (check the till's clock first)").format(
            date=date, last=last)
        if self.actor is not None and self.actor.is_manager:
            question = _("The last business day was {last}; the clock says {date}. Open"
                         " {date}?").format(last=last, date=date)
            manager = self.actor if self.ask_yes(parent, question) else None
        else:
            manager = self.ask_manager(parent, action)
        if manager is None:
            return False
        done = self.run(parent, lambda: days.open_business_day(
            self.database, actor=manager, date=wanted.date), changes=Change.DAY)
        return done is not None

    # ---------------------------------------------------------------- running changes

    def run(self, parent: QWidget | None, call: Callable[[], T], *,
            changes: Change = Change.NOTHING, title: str | None = None,
            show: Callable[[str], None] | None = None) -> T | None:
        """Run ``call`` now. On any failure say why and return None.

        The reason goes to ``show`` (a label of the screen or dialog) when given, else
        to a message box titled ``title``.
        """
        try:
            try:
                result = call()
            except DayNeedsConfirmation as wanted:
                # The first sale after a gap of days: a manager opens the day, then the
                # same call goes through (a sale keeps its id: recorded once).
                if not self.confirm_new_day(parent, wanted):
                    raise
                result = call()
        except Exception as exc:  # every failure is shown; faults are logged too
            self.report(parent, exc, title=title, show=show)
            return None
        self.announce(changes)
        return result

    def start(self, parent: QWidget | None, call: Callable[[Progress], T], *,
              label: str, done: Callable[[T], None] | None = None,
              changes: Change = Change.NOTHING, title: str | None = None,
              show: Callable[[str], None] | None = None,
              failed: Callable[[], None] | None = None,
              progress: Progress | None = None) -> _Job:
        """Run ``call(progress)`` on a worker thread, with a progress dialog and Cancel.

        ``call`` reports ``progress(done, total)``; after Cancel the next report raises
        :class:`Cancelled`. ``done(result)`` runs on the UI thread when it succeeds;
        a failure is shown like ``run`` shows it, then ``failed()`` runs. A caller that
        draws its own progress passes ``progress`` (and cancels with ``job.cancel()``);
        otherwise a progress dialog with a Cancel button appears if the job takes a while.
        """
        job = _Job(self, parent, call, label=label, done=done, changes=changes,
                   title=title, show=show, failed=failed, progress=progress)
        self.jobs.append(job)
        job.begin()
        return job

    @property
    def busy(self) -> bool:
        """A slow job is still running."""
        return bool(self.jobs)

    def wait(self) -> None:
        """Block until every slow job has finished (the window closing, tests)."""
        for job in list(self.jobs):
            job.thread.wait()

    def announce(self, changes: Change) -> None:
        if changes:
            self.changed.emit(changes)

    def report(self, parent: QWidget | None, exc: BaseException, *, title: str | None = None,
               show: Callable[[str], None] | None = None) -> str:
        """Show what went wrong in the person's words; log a fault. Returns the text shown."""
        failure = explain(exc)
        self.last_failure = failure
        if failure is None:
            log.error("unexpected error", exc_info=exc)
            where = _(" The details are in {file}.").format(file=self.log_file) \
                if self.log_file else ""
            text = _("Something went wrong: {error}. Nothing else was changed; the till"
                     " keeps working.{where}").format(
                error=str(exc) or type(exc).__name__, where=where)
            self.failed.emit(text)
            QMessageBox.critical(parent, _("LoyaltyPOS"), text)
            return text
        text = sentence(failure.text)
        if failure.kind != "refused":
            log.warning("%s: %s", failure.kind, exc)
        self.failed.emit(text)
        if show is not None:
            show(text)
        else:
            QMessageBox.warning(parent, title or _("Not done"), text)
        return text


class _Worker(QThread):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self.work = work

    def run(self) -> None:
        self.work()


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object, object)  # result, exception


class _Job(QObject):
    """One slow call on its own thread, with a progress dialog the person can cancel."""

    def __init__(self, ops: Ops, parent: QWidget | None, call: Callable[[Progress], Any], *,
                 label: str, done, changes: Change, title, show, failed,
                 progress: Progress | None) -> None:
        super().__init__(ops)
        self.ops, self.parent_widget, self.call = ops, parent, call
        self.done, self.changes, self.title, self.show, self.on_failed = (
            done, changes, title, show, failed)
        self.cancelled = False
        self.signals = _Signals()
        self.signals.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self.signals.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.on_progress = progress
        self.dialog: QProgressDialog | None = None
        if progress is None:
            self.dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
            self.dialog.setObjectName("jobProgress")
            self.dialog.setWindowTitle(_("Working"))
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(400)  # quick jobs end before it would show
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self.cancel)
        self.thread = _Worker(self._work)

    def begin(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        """Stop at the next progress report; what was done so far is kept."""
        self.cancelled = True
        if self.dialog is not None:
            self.dialog.setLabelText(_("Stopping..."))

    def _report_progress(self, done: int, total: int) -> None:
        if self.cancelled:
            raise Cancelled(_("cancelled; nothing more was done"))
        self.signals.progress.emit(done, total)

    def _work(self) -> None:
        try:
            result = self.call(self._report_progress)
        except Exception as exc:  # handed to the UI thread, shown there
            self.signals.finished.emit(None, exc)
            return
        self.signals.finished.emit(result, None)

    def _progress(self, done: int, total: int) -> None:
        if self.cancelled:
            return
        if self.on_progress is not None:
            self.on_progress(done, total)
        elif self.dialog is not None:
            self.dialog.setMaximum(max(total, 0))  # 0: a busy bar, the total is not known
            self.dialog.setValue(min(done, total) if total > 0 else 0)

    def _finished(self, result, exc: BaseException | None) -> None:
        self.thread.wait()
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
        if self in self.ops.jobs:
            self.ops.jobs.remove(self)
        if exc is not None:
            self.ops.report(self.parent_widget, exc, title=self.title, show=self.show)
            if self.on_failed is not None:
                self.on_failed()
            return
        self.ops.announce(self.changes)
        if self.done is not None:
            self.done(result)
