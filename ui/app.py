"""Application start-up: parse the command line, set up the log, open the database, show
the window.

Every fault of the program reaches the person in a dialog and the log file in the
user's log folder (standard ``logging``), never only stderr: ``Ops`` reports the
failures of the calls it runs, and :func:`_excepthook` catches the rest (a slot that
raised, a paint that failed).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_dir
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from loyaltypos.db import ENV_DB, Database, open_database
from loyaltypos.domain.errors import TillUnknown
from loyaltypos.domain.i18n import _
from loyaltypos.services import shops, store
from loyaltypos.services.demo import build_demo
from loyaltypos.services.failures import explain
from ui import language as ui_language
from ui.main_window import MainWindow

log = logging.getLogger("loyaltypos")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description=_("LoyaltyPOS front counter"))
    parser.add_argument("--db", help=_("database file or SQLAlchemy URL "
                                       "(default: LOYALTYPOS_DB, or the user's data folder)"))
    parser.add_argument("--till", help=_("which till this is, by name (default: Settings,"
                                         " LOYALTYPOS_TILL, or the program's only till)"))
    parser.add_argument("--demo", action="store_true",
                        help=_("open a throwaway demo shop with cards, goods and a few days "
                               "of sales (deleted when the app closes)"))
    return parser.parse_args(list(argv))


TILL_KEY = "till/name"


def saved_till() -> str | None:
    """The till name chosen in Settings on this computer (None: not chosen; then
    LOYALTYPOS_TILL, or the program's only till)."""
    return QSettings().value(TILL_KEY) or None


def choose_till(database: Database) -> None:
    """Make sure this computer knows which till it is: when the program has several and
    none was named, the person starting the app picks one, and this computer keeps it."""
    try:
        shops.this_till(database)
        return
    except TillUnknown:
        names = [t.name for t in shops.tills(database)]
    name, ok = QInputDialog.getItem(None, "LoyaltyPOS", _(
        "This program has several tills. Which till is this computer?"), names, 0, False)
    if not ok:
        raise TillUnknown(_("no till chosen: start the app with --till NAME, or choose one"))
    database.till = name
    shops.this_till(database)
    QSettings().setValue(TILL_KEY, name)


def missing_file(db: str | None) -> Path | None:
    """The database file named by ``--db`` or LOYALTYPOS_DB when there is none yet (None
    for a server's URL, a file that exists, or the default one in the user's data folder,
    which the first start makes)."""
    named = db or os.environ.get(ENV_DB)
    if not named or "://" in named:
        return None
    path = Path(named).expanduser().resolve()
    return None if path.is_file() else path


def confirm_new_file(db: str | None) -> bool:
    """Ask before a new, empty shop is made at a path that does not exist: a mistyped
    path would otherwise make folders and a shop nobody meant (No is Enter's answer)."""
    path = missing_file(db)
    if path is None:
        return True
    answer = QMessageBox.question(
        None, "LoyaltyPOS",
        _("There is no database at {path}. Set up a new, empty shop there?").format(
            path=path),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LoyaltyPOS")
    app.setOrganizationName("LoyaltyPOS")
    return app


def log_file() -> Path:
    return Path(user_log_dir("loyaltypos", appauthor=False)) / "loyaltypos.log"


def set_up_logging(path: Path) -> str | None:
    """Log warnings and faults to ``path`` (rotated at 1 MB); returns the path, or None when
    the folder cannot be written (the app still runs, faults then go to stderr too)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                      encoding="utf-8")
    except OSError:
        logging.basicConfig(level=logging.WARNING)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return str(path)


def _excepthook(window_ref: list) -> object:
    def hook(kind, value, trace) -> None:
        log.error("unexpected error", exc_info=(kind, value, trace))
        window = window_ref[0] if window_ref else None
        if window is not None:
            window.ops.report(window, value)
        else:
            sys.__excepthook__(kind, value, trace)
    return hook


def open_demo() -> tuple[Database, Path]:
    folder = Path(tempfile.mkdtemp(prefix="loyaltypos-demo-"))
    database = open_database(str(folder / "demo.sqlite3"))
    demo = build_demo(database)
    # where it is, for a look with the command line while the app runs
    store.set_sign_in_hint(database, actor=demo.manager, text=store.sign_in_hint(database)
                           + "\n" + _("Demo database: {path} (deleted when the app closes)")
                           .format(path=folder / "demo.sqlite3"))
    return database, folder


def run(argv: Sequence[str]) -> int:
    app = make_app()
    ui_language.apply(ui_language.at_start())
    args = parse_args(argv)
    written_to = set_up_logging(log_file())
    demo_folder = None
    try:
        if args.demo:
            database, demo_folder = open_demo()
        else:
            if not confirm_new_file(args.db):
                return 1
            database = open_database(args.db, till=args.till or saved_till())
            choose_till(database)
    except Exception as exc:  # shown to the person who started the app, then exit
        failure = explain(exc)
        if failure is None:
            log.error("cannot open the database", exc_info=exc)
        text = failure.text if failure is not None else str(exc)
        QMessageBox.critical(None, "LoyaltyPOS",
                             _("Cannot open the database:\n{why}").format(why=text))
        return 1
    window_ref: list = []
    sys.excepthook = _excepthook(window_ref)
    window = MainWindow(database, log_file=written_to)
    window_ref.append(window)
    window.show()
    window.expire_lapsed()  # cashback past its last day, written off as the app starts
    try:
        return app.exec()
    finally:
        sys.excepthook = sys.__excepthook__
        QThreadPool.globalInstance().waitForDone(30_000)  # a run at start, if still going
        database.dispose()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)
