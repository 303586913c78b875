"""The core never imports Qt or the UI; the core runs with PySide6 absent."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contract_holds():
    lint = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


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
