"""Guard against a Qt binding that loses references to None (PySide6 6.12.0 on Python 3.11).

Such a build aborts the interpreter ("deallocating None") after enough calls: at a till,
after a few hundred scans. Python 3.12+ makes None immortal, so there it cannot happen.
"""

import sys

import pytest
from PySide6.QtWidgets import QLabel

from ui.widgets.customer_panel import CustomerPanel

pytestmark = pytest.mark.qt
IMMORTAL = sys.version_info >= (3, 12)


@pytest.mark.skipif(IMMORTAL, reason="None is immortal on Python 3.12 and later")
def test_qt_calls_that_return_nothing_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    panel = CustomerPanel()
    qtbot.addWidget(panel)
    before = sys.getrefcount(None)
    for _ in range(2_000):
        label.setText("x")
        panel.show_card(None, "RUB")
    lost = before - sys.getrefcount(None)
    assert lost < 100, f"the Qt binding lost {lost} references to None in 2000 calls"
