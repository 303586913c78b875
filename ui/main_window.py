"""The main window: a stack of screens, one ``go_to``, geometry kept between runs."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget

from loyaltypos.db import Database
from loyaltypos.services import store, verify
from ui.ops import Ops
from ui.overview_screen import OverviewScreen
from ui.setup_screen import SetupScreen


class MainWindow(QMainWindow):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.ops = Ops(self)
        self.setWindowTitle("LoyaltyPOS")
        self.stack = QStackedWidget(objectName="screens")
        self.setCentralWidget(self.stack)
        self.setup = SetupScreen(database, self.ops)
        self.overview = OverviewScreen(database)
        for screen in (self.setup, self.overview):
            self.stack.addWidget(screen)
        self.health = QLabel(objectName="ledgerHealth")
        self.statusBar().addPermanentWidget(self.health)
        self.setup.done.connect(lambda: self.go_to(self.overview))
        self.ops.changed.connect(self._on_changed)

        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(900, 600)
        self.go_to(self.overview if store.is_initialised(database) else self.setup)

    def go_to(self, screen) -> None:
        if screen is self.overview:
            self.overview.refresh()
            self._refresh_health()
        self.stack.setCurrentWidget(screen)

    def _on_changed(self, _what: str) -> None:
        if self.stack.currentWidget() is self.overview:
            self.overview.refresh()
        self._refresh_health()

    def _refresh_health(self) -> None:
        problems = verify.verify(self.database)
        self.health.setText("Ledger healthy" if not problems
                            else f"Ledger: {len(problems)} problem(s) - run 'loyaltypos verify'")

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        super().closeEvent(event)
