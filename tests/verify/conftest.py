"""Real passages from the small store, and a builder for answers that cite them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from medcite.store import SQLiteStore
from medcite.types import Answer, DoseRow, Evidence, Hit, Reference, Section, Statement

# Passages picked by an FTS5 phrase query on the store built from the real data.
PHRASES = {
    "ivig_gbs": "IVIg should be offered to treat GBS in adults",
    "ivig_plasma": "IVIg combined with plasmapheresis should not be considered",
    "ivig_class1": "IVIg is as efficacious as plasmapheresis for treating GBS in adults",
    "ibm": "There is presently no effective treatment for IBM",
    "halo_children": "Haloperidol is not intended for children under 3 years old",
    "halo_contra": "Haloperidol is contraindicated in severe toxic central nervous system depression",
    "halo_adults": "Moderate Symptomatology",
    "lipitor_start": "The recommended starting dose of LIPITOR is 10 or 20 mg once daily",
    "lipitor_peds": "The recommended starting dose of LIPITOR is 10 mg/day",
    "viagra_alcohol": "sildenafil 50 mg given with alcohol",
}


@pytest.fixture()
def store(small_store: Any) -> SQLiteStore:
    assert isinstance(small_store, SQLiteStore)
    return small_store


@pytest.fixture()
def passages(store: SQLiteStore) -> dict[str, Hit]:
    """Key -> the passage holding that phrase (the first by BM25)."""
    out: dict[str, Hit] = {}
    for key, phrase in PHRASES.items():
        hits = store.search('"' + phrase.replace('"', '""') + '"', k=1)
        assert hits, f"no passage holds {phrase!r}"
        out[key] = hits[0]
    return out


Claim = tuple[str, Sequence[Hit]]


def build_answer(claims: Sequence[Claim], rows: Sequence[tuple[DoseRow, Hit]] = (), **extra: Any) -> Answer:
    """An answer whose claims cite the given passages, numbered by document in order of
    first citation, with one evidence entry per passage (as the composer makes them)."""
    numbers: dict[str, int] = {}
    evidence: dict[int, Evidence] = {}
    titles: dict[str, str] = {}

    def cite(hit: Hit) -> int:
        n = numbers.setdefault(hit.doc_id, len(numbers) + 1)
        titles[hit.doc_id] = hit.title
        evidence.setdefault(hit.passage_id, Evidence(
            reference=n, passage_id=hit.passage_id, doc_id=hit.doc_id, section=hit.section, text=hit.text))
        return n

    statements = []
    for text, hits in claims:
        cites = tuple(cite(h) for h in hits)
        statements.append(Statement(text=text, citations=cites, passage_ids=tuple(h.passage_id for h in hits)))
    dosing = tuple(r.model_copy(update={"citation": cite(h), "passage_id": h.passage_id}) for r, h in rows)
    refs = tuple(
        Reference(number=n, doc_id=d, source_type="other", label="Other", title=titles[d])
        for d, n in numbers.items()
    )
    fields: dict[str, Any] = {
        "id": "atest", "question": "test", "title": "test",
        "sections": (Section(key="treatment", title="Treatment", statements=tuple(statements)),),
        "dosing": dosing, "references": refs,
        "evidence": tuple(sorted(evidence.values(), key=lambda e: (e.reference, e.passage_id))),
    }
    fields.update(extra)
    return Answer(**fields)


@pytest.fixture()
def build() -> Callable[..., Answer]:
    return build_answer
