"""The main window: a stack of screens, one ``go_to``, a status bar, geometry kept between runs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRunnable, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from loyaltypos.db import Database
from loyaltypos.documents.receipt_print import parse_receipt_code
from loyaltypos.services import days, store, verify
from ui.card_batch_dialog import CardBatchDialog
from ui.day_screen import DayScreen
from ui.ops import Ops
from ui.overview_screen import OverviewScreen
from ui.products_screen import ProductsScreen
from ui.settings_dialog import SettingsDialog, idle_lock_minutes
from ui.setup_screen import SetupScreen
from ui.signin_screen import SignInScreen
from ui.till_screen import TillScreen


class _HealthReport(QObject):
    finished = Signal(list)


class _HealthCheck(QRunnable):
    """Runs the ledger checks off the UI thread: on a year of data they take a while."""

    def __init__(self, database: Database, report: _HealthReport) -> None:
        super().__init__()
        self.database, self.report = database, report

    def run(self) -> None:
        self.report.finished.emit(verify.verify(self.database))


class MainWindow(QMainWindow):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.ops = Ops(database, self)
        self.setWindowTitle("LoyaltyPOS")
        self.stack = QStackedWidget(objectName="screens")
        self.setCentralWidget(self.stack)
        self.setup = SetupScreen(database, self.ops)
        self.signin = SignInScreen(self.ops)
        self.till = TillScreen(self.ops)
        self.overview = OverviewScreen(database, self.ops)
        self.products = ProductsScreen(self.ops)
        self.day = DayScreen(self.ops)
        for screen in (self.setup, self.signin, self.till, self.overview, self.products,
                       self.day):
            self.stack.addWidget(screen)
        self._status_bar()
        self._menus()
        self._health_report = _HealthReport(self)
        self._health_report.finished.connect(self._show_health, Qt.ConnectionType.QueuedConnection)

        self.setup.done.connect(lambda: self.go_to(self.signin))
        self.ops.signed_in.connect(self._on_signed_in)
        self.ops.changed.connect(self._on_changed)
        self.idle_timer = QTimer(self, singleShot=True)
        self.idle_timer.timeout.connect(self.lock)
        self._idle_watch = _IdleWatch(self)
        QApplication.instance().installEventFilter(self._idle_watch)

        geometry = QSettings().value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        self.go_to(self.signin if store.is_initialised(database) else self.setup)

    # ---------------------------------------------------------------- screens

    def go_to(self, screen: QWidget) -> None:
        """Show one screen; only its own shortcuts work while it is shown."""
        for shortcut in self.till.shortcuts:
            shortcut.setEnabled(screen is self.till)
        if screen is self.signin:
            self.signin.refresh()
        elif screen is self.till:
            self.till.start()
        elif screen is self.overview:
            self.overview.refresh()
        elif screen is self.products:
            self.products.refresh()
        elif screen is self.day:
            self.day.show_day(None)
        self.stack.setCurrentWidget(screen)
        for action in self.signed_in_actions:
            action.setEnabled(self.ops.actor is not None)
        self._refresh_status()
        if screen is self.signin:
            self.signin.pin.setFocus()
        elif screen is self.till:
            self.till.idle()

    def _on_signed_in(self, actor) -> None:
        if actor is None:
            return
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

    def _on_changed(self, what: str) -> None:
        if what == "program" and self.stack.currentWidget() is self.overview:
            self.overview.refresh()
        self._refresh_status()

    # ---------------------------------------------------------------- menus and status

    def _menus(self) -> None:
        till_menu = self.menuBar().addMenu("&Till")
        to_till = QAction("Till", self, triggered=lambda: self.go_to(self.till))
        lock = QAction("Lock (F12)", self, triggered=self.lock)
        lock.setShortcut(QKeySequence(Qt.Key.Key_F12))
        lock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        reprint = QAction("Reprint a receipt...", self, triggered=self._reprint)
        end_of_day = QAction("End of day (F11)", self, triggered=lambda: self.go_to(self.day))
        end_of_day.setShortcut(QKeySequence(Qt.Key.Key_F11))
        end_of_day.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_ = QAction("Quit", self, triggered=self.close)
        for action in (to_till, end_of_day, reprint, lock):
            till_menu.addAction(action)
        till_menu.addSeparator()
        till_menu.addAction(quit_)
        manage = self.menuBar().addMenu("&Manage")
        goods = QAction("Goods and prices", self, triggered=lambda: self.go_to(self.products))
        shop = QAction("Shop and program", self, triggered=lambda: self.go_to(self.overview))
        batch = QAction("Print bearer cards...", self,
                        triggered=lambda: CardBatchDialog(self.ops, self).exec())
        settings = QAction("Settings...", self, triggered=lambda: SettingsDialog(self).exec())
        for action in (goods, batch, shop, settings):
            manage.addAction(action)
        self.signed_in_actions = (to_till, end_of_day, reprint, lock, goods, batch, shop,
                                  settings)

    def _reprint(self) -> None:
        text, ok = QInputDialog.getText(self, "Reprint a receipt",
                                        "Receipt number (or scan the receipt):")
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
            self.statusBar().addPermanentWidget(label)
        self.db_label.setText(self.database.describe())

    def _refresh_status(self) -> None:
        actor = self.ops.actor
        self.user_label.setText(f"{actor.name} ({actor.role})" if actor else "Signed out")
        if store.is_initialised(self.database):
            status = days.day_status(self.database)
            state = "open" if status.is_open else "closed - the next sale opens a new day"
            self.day_label.setText(f"Day {status.date.isoformat()}: {state}, "
                                   f"{status.sales} sales")

    def check_ledger(self) -> None:
        self.health.setText("Checking the ledger...")
        QThreadPool.globalInstance().start(_HealthCheck(self.database, self._health_report))

    def _show_health(self, problems: list) -> None:
        self.health.setText("Ledger healthy" if not problems else
                            f"Ledger: {len(problems)} problem(s) - run 'loyaltypos verify'")
        self.health.setStyleSheet("" if not problems else "color: #b00020;")

    # ---------------------------------------------------------------- idle lock

    def _restart_idle_timer(self) -> None:
        if self.ops.actor is None:
            return
        minutes = idle_lock_minutes()
        if minutes > 0:
            self.idle_timer.start(minutes * 60_000)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main_window/geometry", self.saveGeometry())
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
