"""After a card sale: "How likely are you to recommend us to a friend?", 0 to 10.

The cashier (or the customer) types the score on the keypad, 1 then 0 for 10, an
optional reason, and Enter; Esc skips the question.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from loyaltypos.domain.i18n import _
from loyaltypos.services import nps
from ui.dialogs.base import FormDialog, named


class NpsDialog(FormDialog):
    scan_guard = True  # a scanner's burst here is refused, never typed

    def __init__(self, ops, *, card_number: str, sale_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("A question for the customer"), parent)
        self.ops, self.card_number, self.sale_id = ops, card_number, sale_id
        question = QLabel(_("How likely are you to recommend us to a friend?"))
        question.setStyleSheet("font-size: 16pt")
        self.form.addRow(question)
        self.score = named(QLineEdit(placeholderText=_("0 to 10, then Enter; Esc skips")),
                           "npsScore")
        self.score.setMaxLength(2)
        self.reason = named(QLineEdit(placeholderText=_("why (optional)")), "npsReason")
        self.form.addRow(_("Score"), self.score)
        self.form.addRow(_("Reason"), self.reason)
        self.focus_field = self.score
        self.recorded: nps.NpsRecorded | None = None

    def accept(self) -> None:
        done = self.ops.run(self, lambda: nps.record_response(
            self.ops.database, actor=self.ops.actor, score=self.score.text(),
            card_number=self.card_number, reason=self.reason.text(), sale_id=self.sale_id),
            show=self.refuse)
        if done is None:
            return
        self.recorded = done
        super().accept()
