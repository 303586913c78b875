"""The project installs as a wheel: every package is listed, the shipped files go with it,
and the installed program sets up a shop, sells and prints without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_listed_for_the_wheel():
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("loyaltypos", "ui") for p in (ROOT / top).rglob("__init__.py")
             if "__pycache__" not in p.parts}
    found |= {"loyaltypos.resources", "loyaltypos.resources.fonts",
              "loyaltypos.db.migrations", "loyaltypos.db.migrations.versions"}
    assert set(CONFIG["packages"]) == found


@pytest.mark.slow
def test_an_installed_wheel_sets_up_a_shop_sells_and_prints(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(ROOT)], check=True,
                   capture_output=True)
    wheel = next((tmp_path / "dist").glob("loyaltypos-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("loyaltypos/resources/program.toml", "loyaltypos/resources/products.csv",
                    "loyaltypos/resources/fonts/DejaVuSans.ttf",
                    "loyaltypos/db/migrations/versions/0001_initial_schema.py",
                    "loyaltypos/locale/ru/LC_MESSAGES/loyaltypos.mo",
                    "loyaltypos/resources/program.ru.toml",
                    "loyaltypos/resources/products.ru.csv"):
        assert shipped in names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    # -S: no site-packages of the checkout's venv (its editable install would find the
    # checkout); the dependencies come from there as a plain path, after the wheel.
    deps = sysconfig.get_paths()["purelib"]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": f"{site}:{deps}",
           "LOYALTYPOS_PIN": "246800", "LOYALTYPOS_NEW_PIN": "246800"}
    db = str(tmp_path / "shop.sqlite3")

    def run(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-S", "-m", "loyaltypos", "--db", db, *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    where = subprocess.run([sys.executable, "-S", "-c",
                            "import loyaltypos; print(loyaltypos.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(site))  # the wheel's copy, not the checkout
    run("init", "--manager", "Anna", "--shop", "Wheel Books")
    run("sale", "--item", "Pen", "2", "5.00", "--pay", "cash:20", "--user", "Anna")
    run("receipt", "1", "--pdf", str(tmp_path / "r1.pdf"))
    assert (tmp_path / "r1.pdf").read_bytes().startswith(b"%PDF")
    assert "Wheel Books" in run("receipt", "1")
    env["LANGUAGE"] = "ru"  # the wheel's own compiled catalog speaks Russian
    assert "Спасибо" in run("receipt", "1")
