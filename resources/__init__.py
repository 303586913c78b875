"""Files the program ships with: the default loyalty program, the demo shop's catalog and
the fonts printed documents use.

They live in the project's top-level ``resources/`` folder and are installed as the
package ``loyaltypos.resources``, so an installed wheel finds them as the checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def path(*parts: str) -> Path:
    """The file system path of a shipped file, e.g. ``path("fonts", "DejaVuSans.ttf")``."""
    return Path(str(files(__name__).joinpath(*parts)))
