"""Application start-up: parse the command line, open the database, show the window."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from loyaltypos.db import Database, open_database
from loyaltypos.services.demo import build_demo
from ui.main_window import MainWindow


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="LoyaltyPOS front counter")
    parser.add_argument("--db", help="database file or SQLAlchemy URL "
                                     "(default: LOYALTYPOS_DB, or the user's data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="open a throwaway demo shop with cards, goods and a few days "
                             "of sales (deleted when the app closes)")
    return parser.parse_args(list(argv))


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("LoyaltyPOS")
    app.setOrganizationName("LoyaltyPOS")
    return app


def open_demo() -> tuple[Database, Path]:
    folder = Path(tempfile.mkdtemp(prefix="loyaltypos-demo-"))
    database = open_database(str(folder / "demo.sqlite3"))
    build_demo(database)
    return database, folder


def run(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    app = make_app()
    demo_folder = None
    try:
        if args.demo:
            database, demo_folder = open_demo()
        else:
            database = open_database(args.db)
    except Exception as exc:  # shown to the person who started the app, then exit
        QMessageBox.critical(None, "LoyaltyPOS", f"Cannot open the database:\n{exc}")
        return 1
    window = MainWindow(database)
    window.show()
    try:
        return app.exec()
    finally:
        database.dispose()
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)
