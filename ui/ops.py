"""One way to run a service call from a widget: errors shown in one place, changes announced.

A screen never calls another screen. It runs a call through :class:`Ops`; when
the call succeeds, ``changed`` tells every screen what changed so each redraws
itself from the services. ``Ops`` also knows who is signed in, and asks for a
manager's PIN when a cashier starts a manager's action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from loyaltypos.db import Database
from loyaltypos.domain.errors import Refused
from loyaltypos.domain.people import Actor

T = TypeVar("T")


class Ops(QObject):
    changed = Signal(str)  # what changed: "program", "cards", "sales", "day", "users"
    refused = Signal(str)  # the last refusal, for status lines and tests
    signed_in = Signal(object)  # Actor or None

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.actor: Actor | None = None
        # Tests replace this to answer the manager PIN dialog; the UI asks a person.
        self.ask_manager: Callable[[QWidget, str], Actor | None] = self._ask_manager_dialog

    def sign_in(self, actor: Actor | None) -> None:
        self.actor = actor
        self.signed_in.emit(actor)

    def run(self, parent: QWidget, call: Callable[[], T], *, changes: str | None = None,
            title: str = "Not done", show: Callable[[str], None] | None = None) -> T | None:
        """Run ``call``; on a refusal say why and return None, nothing having changed.

        The reason goes to ``show`` (a label of the screen) when given, else to a message box.
        """
        try:
            result = call()
        except Refused as exc:
            text = sentence(str(exc))
            self.refused.emit(text)
            if show is not None:
                show(text)
            else:
                QMessageBox.warning(parent, title, text)
            return None
        if changes:
            self.changed.emit(changes)
        return result

    def manager(self, parent: QWidget, action: str) -> Actor | None:
        """The signed-in manager, or a manager who enters their PIN for this one action."""
        if self.actor is not None and self.actor.is_manager:
            return self.actor
        return self.ask_manager(parent, action)

    def _ask_manager_dialog(self, parent: QWidget, action: str) -> Actor | None:
        from ui.dialogs import ManagerPinDialog

        dialog = ManagerPinDialog(self, action, parent)
        return dialog.actor if dialog.exec() else None


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")

