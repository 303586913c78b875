"""The layers hold: the core never imports Qt or the UI, pure rules never touch the
database, and the core runs with PySide6 absent."""

import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"]


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=where, capture_output=True, text=True,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"})


def test_every_layer_contract_is_kept():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(("module", "bad_import", "broken"), [
    ("loyaltypos/domain/money.py", "import sqlalchemy", 1),
    ("loyaltypos/domain/pricing.py", "import loyaltypos.services.store", 2),
    ("loyaltypos/documents/receipts.py", "import loyaltypos.db.models", 2),
    ("loyaltypos/db/ledger.py", "import loyaltypos.services.cards", 1),
    ("loyaltypos/services/checkout.py", "import PySide6.QtCore", 1),
    ("ui/dialogs/base.py", "import loyaltypos.db.models", 1),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, bad_import, broken):
    for folder in ("loyaltypos", "ui", "resources"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{bad_import}  # a layer broken on purpose\n")
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    assert f"{broken} broken" in proc.stdout, proc.stdout


BLOCK_QT = textwrap.dedent("""
    import importlib.abc, sys

    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "ui", "pytestqt"):
                raise ImportError(f"{name} is blocked: the core must run without Qt")
            return None

    sys.meta_path.insert(0, NoQt())
""")


def test_core_tests_pass_with_pyside6_absent(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCK_QT)
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    core_tests = ["tests/test_money.py", "tests/test_pricing.py", "tests/test_checkout.py",
                  "tests/test_refunds.py", "tests/test_days.py", "tests/test_ledger.py"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:pytest-qt", "-p", "no:cacheprovider",
         "-x", *core_tests],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout
    # and the blocker really blocks
    check = subprocess.run([sys.executable, "-c", "import PySide6"], env=env,
                           capture_output=True, text=True)
    assert check.returncode != 0
