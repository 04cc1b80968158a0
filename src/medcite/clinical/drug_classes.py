"""Drug classes: the names guidelines use for the drugs a question names ("antidepressant",
"SSRI" for sertraline), from the curated table ``data/drug_classes.tsv``."""

from __future__ import annotations

import functools
from importlib.resources import files


def parse_drug_classes(text: str) -> dict[str, tuple[str, ...]]:
    """Generic name (lower case) -> its class names, plainest first; raises ValueError on a bad line."""
    out: dict[str, list[str]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 2:
            raise ValueError(f"drug classes line {lineno}: expected classes<TAB>drugs")
        classes = [c.strip() for c in cols[0].split("|") if c.strip()]
        drugs = [d.strip().lower() for d in cols[1].split(",") if d.strip()]
        if not classes or not drugs:
            raise ValueError(f"drug classes line {lineno}: no class or no drug")
        for drug in drugs:
            names = out.setdefault(drug, [])
            names.extend(c for c in classes if c not in names)
    return {d: tuple(c) for d, c in out.items()}


@functools.cache
def drug_classes() -> dict[str, tuple[str, ...]]:
    """The packaged table: generic name (lower case) -> class names."""
    return parse_drug_classes((files("medcite") / "data" / "drug_classes.tsv").read_text("utf-8"))


def classes_of(drug: str) -> tuple[str, ...]:
    """The classes of a generic drug name (any case); empty when the table does not list it."""
    return drug_classes().get(drug.strip().lower(), ())


@functools.cache
def class_names() -> frozenset[str]:
    """Every class name of the table, as written ("SSRI", "loop diuretic")."""
    return frozenset(c for classes in drug_classes().values() for c in classes)
