"""The main window: a stack of screens, one ``go_to``, menus made from the action table,
a status bar, and the window's geometry kept between runs.

Screens never call each other. Each has ``shown()`` (called by ``go_to``) and
``on_changed(changes)`` (called after any change made through ``Ops``), and redraws
itself from the services.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QEvent,
    QObject,
    QRunnable,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from loyaltypos.db import Database
from loyaltypos.domain.i18n import _, date_text, ngettext
from loyaltypos.domain.money import fmt_display
from loyaltypos.domain.scan import parse_receipt_code
from loyaltypos.services import days, display, expiry, shops, store, verify
from ui import language as ui_language
from ui import printing
from ui.actions import ACTIONS, SHORTCUT_CONTEXT
from ui.customer_display import CustomerDisplay
from ui.dialogs.card_batch import CardBatchDialog
from ui.dialogs.settings import SettingsDialog, idle_lock_minutes
from ui.ops import Change, Ops
from ui.screens.day import DayScreen
from ui.screens.goods import ProductsScreen
from ui.screens.setup import SetupScreen
from ui.screens.shop import OverviewScreen
from ui.screens.signin import SignInScreen
from ui.screens.till import TillScreen

WINDOW_SIZE = (1180, 760)
DATABASE_LABEL_PX = 280  # the database's path or URL on the status bar, at most
MINIMUM_SIZE = (960, 640)

log = logging.getLogger(__name__)


class _HealthReport(QObject):
    finished = Signal(object)  # the problems found, or the failure that stopped the check


class _LedgerCheck(QRunnable):
    """The ledger checks, off the UI thread; a failure is reported, never lost."""

    def __init__(self, database: Database, report: _HealthReport) -> None:
        super().__init__()
        self.database, self.report = database, report

    def run(self) -> None:
        try:
            outcome = verify.verify(self.database)
        except Exception as exc:  # shown on the status bar, in the person's words
            outcome = exc
        self.report.finished.emit(outcome)


class _ExpiryRun(QRunnable):
    """The expiry run of the app's start, off the UI thread. A failure is logged and the app
    goes on: lapsed cashback is never spent anyway (the till spends only lots still valid
    on the business date) and the day's close writes it off."""

    def __init__(self, database: Database, report: _HealthReport) -> None:
        super().__init__()
        self.database, self.report = database, report

    def run(self) -> None:
        try:
            outcome = expiry.expire_on_start(self.database)
            if outcome is not None and outcome.cards:
                currency = store.program_in_force(self.database).currency
                log.info("cashback expired at start: %s on %s cards as of %s",
                         outcome.amount, outcome.cards, outcome.as_of.isoformat())
                self.report.finished.emit((outcome, currency))
        except Exception:
            log.exception("the cashback expiry run at start failed; the app goes on")


class MainWindow(QMainWindow):
    def __init__(self, database: Database, *, log_file: str | None = None) -> None:
        super().__init__()
        self.database = database
        self.ops = Ops(database, self, log_file=log_file)
        self.setWindowTitle("LoyaltyPOS")
        self.stack = QStackedWidget(objectName="screens")
        self.setCentralWidget(self.stack)
        self._make_screens()
        self._status_bar()
        self._menus()
        self._health_report = _HealthReport(self)
        self._health_report.finished.connect(self._show_health,
                                             Qt.ConnectionType.QueuedConnection)
        self._expiry_report = _HealthReport(self)
        self._expiry_report.finished.connect(self._show_expiry,
                                             Qt.ConnectionType.QueuedConnection)

        self.ops.signed_in.connect(self._on_signed_in)
        self.ops.changed.connect(self._on_changed)
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.lock)
        self._idle_watch = _IdleWatch(self)
        QApplication.instance().installEventFilter(self._idle_watch)

        self.setMinimumSize(*MINIMUM_SIZE)
        geometry = QSettings().value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # the first start: the usual size, or the whole of a smaller screen
            room = self.screen().availableGeometry()
            self.resize(min(WINDOW_SIZE[0], room.width()), min(WINDOW_SIZE[1], room.height()))
        initialised = self.ops.run(self, lambda: store.is_initialised(database))
        self._sync_display()
        self.go_to(self.signin if initialised else self.setup)

    # ---------------------------------------------------------------- screens

    def _make_screens(self) -> None:
        """The screens, in the language in use (made again when it changes)."""
        self.setup = SetupScreen(self.database, self.ops)
        self.signin = SignInScreen(self.ops)
        self.till = TillScreen(self.ops)
        self.overview = OverviewScreen(self.database, self.ops)
        self.products = ProductsScreen(self.ops)
        self.day = DayScreen(self.ops)
        self.screens = (self.setup, self.signin, self.till, self.overview, self.products,
                        self.day)
        for screen in self.screens:
            self.stack.addWidget(screen)
        self.setup.done.connect(lambda: self.go_to(self.signin))
        self.day.back.connect(lambda: self.go_to(self.till) if self.ops.actor else None)

    def speak(self, language: str | None) -> None:
        """Speak ``language`` on the screen from now on: the screens, menus and status bar
        are made again in it. The open sale, the customer display (in the shop's language)
        and whoever is signed in stay as they are; no stored figure changes."""
        ui_language.apply(language)
        old, old_till = self.screens, self.till
        self._make_screens()
        self.till.sale, self.till.last_sale_id = old_till.sale, old_till.last_sale_id
        self.till._last_document, self.till._printed = old_till._last_document, old_till._printed
        self.till.display, old_till.display = old_till.display, None
        for screen in old:
            self.stack.removeWidget(screen)
            screen.deleteLater()
        self.menuBar().clear()
        self._menus()
        self._describe_place()
        if self.ops.actor is not None:
            self.check_ledger()

    def go_to(self, screen: QWidget) -> None:
        """Show one screen; only its own shortcuts work while it is shown."""
        for shortcut in self.till.shortcuts:
            shortcut.setEnabled(screen is self.till)
        self.stack.setCurrentWidget(screen)
        signed_in = self.ops.actor is not None
        for action in self.actions_by_name.values():
            action.setEnabled(signed_in)
        shown = getattr(screen, "shown", None)
        if shown is not None:
            shown()
        self._refresh_status()

    def trigger(self, name: str) -> None:
        """Start a window action of the table by its name."""
        {
            "go_till": lambda: self.go_to(self.till),
            "end_of_day": lambda: self.go_to(self.day),
            "reprint": self._reprint,
            "lock": self.lock,
            "goods": lambda: self.go_to(self.products),
            "print_cards": lambda: CardBatchDialog(self.ops, self).exec(),
            "shop": lambda: self.go_to(self.overview),
            "settings": self._settings,
            "change_pin": self._change_pin,
            "insight": self._insight,
            "users": self._users,
        }[name]()

    def _insight(self) -> None:
        from ui.windows.insight import InsightWindow

        manager = self.ops.manager(self, _("the insight report"))
        if manager is not None:
            InsightWindow.open_for(self.ops, manager, self)

    def _users(self) -> None:
        from ui.dialogs.people import UsersDialog

        manager = self.ops.manager(self, _("managing users"))
        if manager is not None:
            UsersDialog(self.ops, manager, self).exec()

    def _change_pin(self) -> None:
        from ui.dialogs.people import ChangePinDialog

        dialog = ChangePinDialog(self.ops, self)
        if dialog.exec() and dialog.changed:
            self.statusBar().showMessage(_("Your PIN is changed."), 5000)

    def _on_signed_in(self, actor) -> None:
        if actor is None:
            return
        if ui_language.of_user(actor) != ui_language.current():
            self.speak(actor.language)
        self.go_to(self.till)
        self.check_ledger()
        self._restart_idle_timer()

    def lock(self) -> None:
        """Back to sign-in; the open sale stays on the till for whoever signs in next."""
        if self.ops.actor is None:
            return
        self.ops.sign_in(None)
        self.idle_timer.stop()
        self.go_to(self.signin)

    def _on_changed(self, changes: Change) -> None:
        for screen in self.screens:
            on_changed = getattr(screen, "on_changed", None)
            if on_changed is not None:
                on_changed(changes)
        if changes & Change.SETTINGS:
            self._sync_display()
        self._refresh_status()

    def _sync_display(self) -> None:
        """Open or close the customer display, as the shop's setting says; made again when
        the shop's language changed."""
        def wanted_display():
            return display.display_enabled(self.database), printing.shop_language(self.ops)

        wanted, language = self.ops.run(self, wanted_display) or (False, None)
        if self.till.display is not None and (not wanted or self.till.display.language
                                               != language):
            self._close_display()
        if wanted and self.till.display is None:
            self.till.display = CustomerDisplay(language)
            self.till.display.open()
            if self.stack.currentWidget() is self.till:
                self.till.redraw()

    def _close_display(self) -> None:
        if self.till.display is not None:
            self.till.display.close()
            self.till.display.deleteLater()
            self.till.display = None

    def _settings(self) -> None:
        dialog = SettingsDialog(self, ops=self.ops)
        if dialog.exec():
            if dialog.screen_language_changed:
                self.speak(self.ops.actor.language)
                self.go_to(self.till)
            self.ops.announce(Change.SETTINGS)
            self._restart_idle_timer()

    # ---------------------------------------------------------------- menus and status

    def _menus(self) -> None:
        menus = {"till": self.menuBar().addMenu(_("&Till")),
                 "manage": self.menuBar().addMenu(_("&Manage"))}
        self.actions_by_name: dict[str, QAction] = {}
        for spec in ACTIONS:
            if spec.menu is None:
                continue
            action = QAction(spec.menu_text(), self)
            action.setObjectName(f"action_{spec.name}")
            if spec.key:
                action.setShortcut(spec.sequence())
                action.setShortcutContext(SHORTCUT_CONTEXT[spec.screen])
                action.setAutoRepeat(spec.auto_repeat)
            action.triggered.connect(lambda _checked=False, name=spec.name: self.trigger(name))
            menus[spec.menu].addAction(action)
            self.actions_by_name[spec.name] = action
        menus["till"].addSeparator()
        menus["till"].addAction(QAction(_("Quit"), self, triggered=self.close))

    def _reprint(self) -> None:
        text, ok = QInputDialog.getText(self, _("Reprint a receipt"),
                                        _("Receipt number (or scan the receipt):"))
        receipt_no = parse_receipt_code(text) if ok else None
        if receipt_no is not None:
            self.go_to(self.till)
            self.till.reprint(receipt_no=receipt_no)

    def _status_bar(self) -> None:
        self.user_label = QLabel(objectName="statusUser")
        self.day_label = QLabel(objectName="statusDay")
        self.db_label = QLabel(objectName="statusDatabase")
        self.health = QLabel(objectName="ledgerHealth")
        for label in (self.user_label, self.day_label, self.db_label, self.health):
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.statusBar().addPermanentWidget(label)
        self._describe_place()

    def _describe_place(self) -> None:
        # The till's name first and whole; a long path or URL is shortened in the middle,
        # whole in the tool tip, so the status bar never pushes the window wider.
        till = shops.this_till(self.database).till_name
        metrics = self.db_label.fontMetrics()
        where = metrics.elidedText(self.database.describe(), Qt.TextElideMode.ElideMiddle,
                                   DATABASE_LABEL_PX)
        self.db_label.setText(_("{till} · {database}").format(database=where, till=till))
        self.db_label.setToolTip(self.database.describe())

    def _refresh_status(self) -> None:
        actor = self.ops.actor
        self.user_label.setText(_("{name} ({role})").format(name=actor.name, role=_(actor.role))
                                if actor else _("Signed out"))

        def status():
            return days.day_status(self.database) if store.is_initialised(self.database) \
                else None

        found = self.ops.run(self, status, show=self.day_label.setText)
        if found is not None:
            self.day_label.setText(self._day_text(found))
            self.day_label.setToolTip(self._day_why(found))

    @staticmethod
    def _day_text(found) -> str:
        """The day the till is selling into, on the status bar."""
        sales = ngettext("{n} sale", "{n} sales", found.sales).format(n=found.sales)
        if found.is_open:
            return _("Day {date}: open").format(date=date_text(found.date)) + ", " + sales
        return _("Day {date}: closed; the next sale goes into {next}").format(
            date=date_text(found.date), next=date_text(found.selling or found.date))

    @staticmethod
    def _day_why(found) -> str:
        """Why the till sells into a day that is not today's date, when it does."""
        if found.selling and found.today and found.selling > found.today:
            return _("Today's business day ({today}) is closed, and a date has one business"
                     " day: sales now go into {next}, the next business day.").format(
                today=date_text(found.today), next=date_text(found.selling))
        return "" if found.is_open else _("closed - the next sale opens a new day")

    def check_ledger(self) -> None:
        """Run the ledger checks off the UI thread: on a year of data they take a while."""
        self.health.setText(_("Checking the ledger..."))
        self.health.setStyleSheet("")
        QThreadPool.globalInstance().start(_LedgerCheck(self.database, self._health_report))

    def expire_lapsed(self) -> None:
        """Write off lapsed cashback as the app starts, off the UI thread
        (:func:`loyaltypos.services.expiry.expire_on_start`)."""
        QThreadPool.globalInstance().start(_ExpiryRun(self.database, self._expiry_report))

    def _show_expiry(self, outcome) -> None:
        done, currency = outcome
        self.statusBar().showMessage(ngettext(
            "Lapsed cashback written off: {amount} on {n} card",
            "Lapsed cashback written off: {amount} on {n} cards", done.cards).format(
            amount=fmt_display(done.amount, currency), n=done.cards), 15_000)
        self.ops.announce(Change.CARDS)

    def _show_health(self, outcome) -> None:
        if isinstance(outcome, BaseException):
            text = self.ops.report(self, outcome, show=lambda why: None)
            self.health.setText(_("Ledger not checked: {why}").format(why=text))
            self.health.setStyleSheet("color: #b00020;")
            return
        self.health.setText(_("Ledger healthy") if not outcome else ngettext(
            "Ledger: {n} problem - run 'loyaltypos verify'",
            "Ledger: {n} problems - run 'loyaltypos verify'", len(outcome)).format(
            n=len(outcome)))
        self.health.setStyleSheet("" if not outcome else "color: #b00020;")

    # ---------------------------------------------------------------- idle lock

    def _restart_idle_timer(self) -> None:
        if self.ops.actor is None:
            return
        minutes = idle_lock_minutes()
        if minutes > 0:
            self.idle_timer.start(minutes * 60_000)
        else:
            self.idle_timer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        self._close_display()
        self.ops.wait()
        QThreadPool.globalInstance().waitForDone(5_000)
        super().closeEvent(event)


class _IdleWatch(QObject):
    """Any key or click on the window restarts the idle-lock timer."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress) \
                and self.window.ops.actor is not None:
            self.window._restart_idle_timer()
        return False
