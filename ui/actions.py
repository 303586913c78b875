"""The one table of what a person can do: every button, menu entry and shortcut is made
from it, so a key, a label or a manager-only flag is written once.

``screen`` is where the action works: "till" actions work only while the till is
shown (their shortcuts are switched with the screen); "window" actions work on any
screen once someone is signed in. ``manager`` actions ask for a manager's PIN when a
cashier is signed in. Pay keys never auto-repeat: a held key pays once.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from loyaltypos.domain.i18n import N_, _


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str  # marked with N_, translated where shown
    key: str | None  # a QKeySequence text: "F9", "Esc", "Ctrl+P"
    screen: str  # "till" or "window"
    manager: bool = False
    auto_repeat: bool = False
    menu: str | None = None  # "till" or "manage": also listed in that menu
    object_name: str = ""  # of the till's button, for tests and screen readers

    def text(self) -> str:
        """The label as a button shows it, with its key first: "F9 Cash"."""
        label = _(self.label)
        return f"{self.key_text()} {label}" if self.key else label

    def menu_text(self) -> str:
        """The label as a menu shows it: the words alone, since the menu writes the
        action's key in its own column ("End of day      F11"), once."""
        return _(self.label)

    def key_text(self) -> str:
        return QKeySequence(self.key).toString(QKeySequence.SequenceFormat.NativeText) \
            if self.key else ""

    def sequence(self) -> QKeySequence:
        return QKeySequence(self.key)


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("find_customer", N_("Find customer"), "F3", "till", object_name="findButton"),
    ActionSpec("issue_card", N_("Issue card"), "F4", "till", object_name="issueCardButton"),
    ActionSpec("add_open_item", N_("Item not in catalog"), "F5", "till",
               object_name="openItemButton"),
    ActionSpec("redeem_cashback", N_("Pay with cashback"), "F6", "till",
               object_name="redeemButton"),
    ActionSpec("card_admin", N_("Card actions"), "F7", "till", manager=True,
               object_name="cardAdminButton"),
    ActionSpec("refund", N_("Refund"), "F8", "till", manager=True, object_name="refundButton"),
    ActionSpec("pay_cash", N_("Cash"), "F9", "till", object_name="payCashButton"),
    ActionSpec("pay_card", N_("Card"), "F10", "till", object_name="payCardButton"),
    ActionSpec("new_sale", N_("New sale"), "Esc", "till", object_name="newSaleButton"),
    ActionSpec("print_last", N_("Print receipt"), "Ctrl+P", "till", object_name="printButton"),
    ActionSpec("customer_profile", N_("Customer profile"), "F2", "till",
               object_name="profileButton"),
    ActionSpec("add_gift", N_("Add gift"), "Ctrl+G", "till", object_name="giftButton"),
    ActionSpec("go_till", N_("Till"), None, "window", menu="till"),
    ActionSpec("end_of_day", N_("End of day"), "F11", "window", menu="till"),
    ActionSpec("reprint", N_("Reprint a receipt..."), None, "window", menu="till"),
    ActionSpec("lock", N_("Lock"), "F12", "window", menu="till"),
    ActionSpec("goods", N_("Goods and prices"), None, "window", menu="manage"),
    ActionSpec("print_cards", N_("Print bearer cards..."), None, "window", menu="manage"),
    ActionSpec("shop", N_("Shop and program"), None, "window", menu="manage"),
    ActionSpec("insight", N_("Insight"), "Ctrl+I", "window", manager=True, menu="manage"),
    ActionSpec("settings", N_("Settings..."), None, "window", menu="manage"),
    ActionSpec("users", N_("Users..."), None, "window", manager=True, menu="manage"),
    ActionSpec("change_pin", N_("Change my PIN..."), None, "window", menu="till"),
)

BY_NAME = {spec.name: spec for spec in ACTIONS}
TILL_ACTIONS = tuple(spec for spec in ACTIONS if spec.screen == "till")
SHORTCUT_CONTEXT = {"till": Qt.ShortcutContext.WidgetWithChildrenShortcut,
                    "window": Qt.ShortcutContext.ApplicationShortcut}
