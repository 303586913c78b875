"""One way to run a service call from a widget: errors shown in one place, changes announced.

A screen never calls another screen. It runs a call through :class:`Ops`; when
the call succeeds, ``changed`` tells every screen what changed so each redraws
itself from the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from loyaltypos.errors import Refused

T = TypeVar("T")


class Ops(QObject):
    changed = Signal(str)  # what changed: "program", "cards", "sales", "day", "users"
    refused = Signal(str)  # the last refusal, for status lines and tests

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def run(self, parent: QWidget, call: Callable[[], T], *, changes: str | None = None,
            title: str = "Not done") -> T | None:
        """Run ``call``; on a refusal show why and return None, nothing having changed."""
        try:
            result = call()
        except Refused as exc:
            self.refused.emit(str(exc))
            QMessageBox.warning(parent, title, str(exc))
            return None
        if changes:
            self.changed.emit(changes)
        return result
