"""Where the tests read the real data: ../shared/data beside the checkout, or $MEDCITE_DATA.

A module of its own (not conftest) because test folders have their own conftest.py files,
so ``from conftest import ...`` would be ambiguous."""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(os.environ.get("MEDCITE_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
