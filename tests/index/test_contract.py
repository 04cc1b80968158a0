"""The ``PassageIndex`` contract (``medcite.index.base``), run against every backend.

Backends: ``local`` (the SQLite store's own BM25 and vector files), ``milvus-lite`` (Milvus's
engine in this process, over a temporary file) and ``milvus`` (the same engine as a TCP
server, tests/milvusserver.py — the client code a real Milvus server gets). One real store
(conftest.py: NGC guidelines, two copies of a label, MedlinePlus pages, PubMed records,
embedded by the real ONNX model but for 40 texts) is indexed once per backend for the
read-only checks; checks that change the store work on a copy and a fresh index.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medcite.index import IndexFilter, PassageIndex, open_index
from medcite.store import SQLiteStore

from .conftest import EMBEDDER, NO_YEAR_DOC, UNEMBEDDED, milvus_installed

BACKENDS = ("local", "milvus-lite", "milvus")
MILVUS = ("milvus-lite", "milvus")
GBS = "intravenous immunoglobulin for Guillain-Barré syndrome in adults"
# Real questions over this store, for comparing backends.
QUERIES = (
    GBS,
    "statin therapy to lower LDL cholesterol in adults with diabetes",
    "atorvastatin muscle pain rhabdomyolysis",
    "treatment of idiopathic pulmonary fibrosis with pirfenidone",
    "prevention of pressure ulcers in nursing home residents",
    "inhaled budesonide formoterol as needed in mild asthma",
    "back pain differential diagnosis",
    "myasthenia gravis immunoglobulin",
    "liver enzyme abnormalities with statins",
    "chronic inflammatory demyelinating polyneuropathy",
    "skin care and repositioning for bed sores",
    "pregnancy and breastfeeding contraindications",
)
LEXICAL_OVERLAP = 0.9  # mean overlap@10 local vs Milvus: 1.0 with one part (same scores); weighted parts merge top lists
DENSE_OVERLAP = 0.9  # measured 0.99: both search the same vectors exactly (Milvus Lite: FLAT); float16 vs float32 rows reorder near-ties


def _requires(backend: str) -> None:
    if backend in MILVUS:
        missing = milvus_installed()
        if missing:
            pytest.skip(missing)


class Opener:
    """Opens fresh indexes of one backend and closes (and drops) them at the end of a test."""

    def __init__(self, backend: str, folder: Path, request: pytest.FixtureRequest) -> None:
        self.backend, self.folder, self.request = backend, folder, request
        self.opened: list[Any] = []

    def url(self, options: str = "", name: str = "") -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        if self.backend == "local":
            return ""
        if self.backend == "milvus-lite":
            return f"milvus-lite:///{self.folder / (name + '.db')}" + (f"?{options}" if options else "")
        server = self.request.getfixturevalue("milvus_server")
        return f"{server}/{name}" + (f"?{options}" if options else "")

    def __call__(self, store: SQLiteStore, options: str = "", url: str = "") -> Any:
        index = open_index(url or self.url(options), store, EMBEDDER)
        self.opened.append(index)
        return index

    def close(self) -> None:
        for index in self.opened:
            if self.backend == "milvus":
                index.drop()
            index.close()


@pytest.fixture(params=BACKENDS)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    _requires(request.param)
    made = Opener(request.param, tmp_path, request)
    yield made
    made.close()


@pytest.fixture(scope="module")
def store(contract_store_path: Path) -> Iterator[SQLiteStore]:
    """The shared store, read-only here."""
    s = SQLiteStore(contract_store_path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def registry(store: SQLiteStore, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[Callable[[str], Any]]:
    """One refreshed index per backend over the shared store, made on first use."""
    made: dict[str, Any] = {}
    folder = tmp_path_factory.mktemp("indexes")

    def get(backend: str) -> Any:
        _requires(backend)
        if backend not in made:
            url = {"local": "", "milvus-lite": f"milvus-lite:///{folder / 'shared.db'}",
                   "milvus": ""}[backend]
            if backend == "milvus":
                url = f"{request.getfixturevalue('milvus_server')}/shared_{uuid.uuid4().hex[:8]}"
            index = open_index(url, store, EMBEDDER)
            index.refresh(store)
            made[backend] = index
        return made[backend]

    yield get
    for backend, index in made.items():
        if backend == "milvus":
            index.drop()
        index.close()


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, registry: Callable[[str], Any]) -> Any:
    return registry(request.param)


def _copy(path: Path, dst: Path) -> SQLiteStore:
    """A private copy of the shared store (the local index's files beside it are not copied:
    it builds its own)."""
    src = sqlite3.connect(path)
    out = sqlite3.connect(dst)
    src.backup(out)
    out.close()
    src.close()
    return SQLiteStore(dst)


@pytest.fixture()
def private_store(contract_store_path: Path, tmp_path: Path) -> Iterator[SQLiteStore]:
    s = _copy(contract_store_path, tmp_path / "medcite.db")
    yield s
    s.close()


def _embed(text: str) -> np.ndarray:
    from medcite.retrieve.embed import get_embedder

    return get_embedder(EMBEDDER).embed([text])[0]


def _store_vectors(store: SQLiteStore, ids: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    ids_, mat = store.passage_vectors(EMBEDDER, ids)
    return ids_, np.asarray(mat, dtype=np.float32)


def _assert_ranked(results: list[tuple[int, float]], k: int) -> None:
    """At most k, best first, ties by ascending passage id, no passage twice."""
    assert len(results) <= k
    ids = [p for p, _ in results]
    assert len(set(ids)) == len(ids)
    for (a, sa), (b, sb) in itertools.pairwise(results):
        assert sa >= sb
        if sa == sb:
            assert a < b, f"tie {sa} not broken by id: {a} before {b}"


def _text_has(text: str, word: str) -> bool:
    return re.search(rf"\b{word}", text, re.IGNORECASE) is not None


# -- refresh and size ----------------------------------------------------------------------

def test_satisfies_protocol_and_sizes_the_store(index: Any, store: SQLiteStore) -> None:
    assert isinstance(index, PassageIndex)
    assert index.embedder == EMBEDDER
    size = index.size()
    with_vectors = len(store.passage_vectors(EMBEDDER)[0])
    assert size.passages == len(store.passage_ids()) > 700
    assert size.vectors == with_vectors < size.passages  # 40 texts are not embedded
    assert size.embedder == EMBEDDER
    assert 0.9 < size.dense_coverage < 1.0


def test_second_refresh_is_a_no_op(index: Any, store: SQLiteStore) -> None:
    before = index.size(), index.lexical([(GBS, 1.0)], 10)
    # What the store's own connection runs during the second refresh: a stamp check only, no
    # passage text and no vector read again.
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        started = time.perf_counter()
        index.refresh(store)
        elapsed = time.perf_counter() - started
    finally:
        store.db.set_trace_callback(None)
    assert elapsed < 1.0
    assert not [s for s in statements if "p.text" in s or "v.vec" in s], statements
    assert (index.size(), index.lexical([(GBS, 1.0)], 10)) == before


# -- lexical -------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["immunoglobulin", "atorvastatin", "fibrosis", "cholesterol", "asthma"])
def test_lexical_returns_passages_holding_the_term(index: Any, store: SQLiteStore, word: str) -> None:
    results = index.lexical([(word, 1.0)], 10)
    assert results, word
    _assert_ranked(results, 10)
    for hit in store.passages_by_id([p for p, _ in results]):  # the title is searched too
        assert _text_has(f"{hit.title} {hit.section} {hit.text}", word), (word, hit.passage_id)
    assert all(score > 0 for _, score in results)


def test_lexical_k_and_unknown_terms(index: Any) -> None:
    assert len(index.lexical([(GBS, 1.0)], 3)) == 3
    assert index.lexical([("zzyqxwv qqqxzj", 1.0)], 10) == []
    assert index.lexical([("the of and", 1.0)], 10) == []  # stop words only (both analyzers)
    assert index.lexical([(GBS, 1.0)], 0) == []


def test_lexical_ties_break_by_id_at_every_k(index: Any, store: SQLiteStore) -> None:
    # The label is ingested twice: its passages tie in pairs.
    wide = index.lexical([("atorvastatin", 1.0)], 60)
    _assert_ranked(wide, 60)
    scores = [s for _, s in wide]
    assert len(scores) != len(set(scores)), "expected tied scores from the duplicated label"
    for k in (1, 2, 3, 5, 7, 10, 25):
        assert index.lexical([("atorvastatin", 1.0)], k) == wide[:k]


def test_lexical_filters(index: Any, store: SQLiteStore) -> None:
    guideline = index.lexical([(GBS, 1.0)], 20, IndexFilter.of(["guideline"]))
    assert guideline and {h.source_type for h in store.passages_by_id([p for p, _ in guideline])} == {"guideline"}
    two = index.lexical([("cholesterol statin", 1.0)], 30, IndexFilter.of(["label", "research"]))
    kinds = {h.source_type for h in store.passages_by_id([p for p, _ in two])}
    assert two and kinds <= {"label", "research"}
    recent = index.lexical([("pain", 1.0)], 50, IndexFilter.of(since=2013))
    assert recent
    for hit in store.passages_by_id([p for p, _ in recent]):
        assert hit.year is not None and hit.year >= 2013
    both = index.lexical([("pain", 1.0)], 50, IndexFilter.of(["research"], 2010))
    for hit in store.passages_by_id([p for p, _ in both]):
        assert hit.source_type == "research" and hit.year is not None and hit.year >= 2010
    # The copy with no year is found without a filter and never with ``since``.
    no_year = {p for (p,) in store.db.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.doc_id = ?", (NO_YEAR_DOC,))}
    title = store.document(NO_YEAR_DOC).title  # type: ignore[union-attr]
    assert no_year & {p for p, _ in index.lexical([(title, 1.0)], 50)}
    assert not no_year & {p for p, _ in index.lexical([(title, 1.0)], 50, IndexFilter.of(since=1900))}


def test_lexical_weighted_parts(index: Any) -> None:
    one = index.lexical([("atorvastatin", 1.0)], 20)
    half = index.lexical([("atorvastatin", 0.5)], 20)
    assert [p for p, _ in half] == [p for p, _ in one]
    np.testing.assert_allclose([s for _, s in half], [0.5 * s for _, s in one], rtol=1e-4)
    # A term counts once, at the weight of its first part: repeating it lower changes nothing.
    assert index.lexical([("atorvastatin", 1.0), ("Atorvastatin", 0.2)], 20) == one
    # A second part adds its own terms at its weight.
    mixed = index.lexical([("immunoglobulin", 1.0), ("myasthenia", 0.2)], 20)
    _assert_ranked(mixed, 20)
    alone = dict(index.lexical([("immunoglobulin", 1.0)], 200))
    extra = dict(index.lexical([("myasthenia", 1.0)], 200))
    for pid, score in mixed:
        assert score == pytest.approx(alone.get(pid, 0.0) + 0.2 * extra.get(pid, 0.0), rel=1e-3)


def test_document_frequencies_count_passages(index: Any, store: SQLiteStore) -> None:
    from medcite.retrieve.analyze import analyze

    texts = [f"{h.title} {h.section} {h.text}" for h in store.passages_by_id(store.passage_ids())]
    words = ["atorvastatin", "myasthenia", "immunoglobulin"]
    terms = [analyze(w)[0] for w in words]  # analysed terms, as search hands them over
    assert terms == words  # words whose stem is themselves: counted alike by both analyzers
    got = index.document_frequencies(terms)
    for term in terms:
        assert got[term] == sum(_text_has(t, rf"{term}s?\b") for t in texts) > 0, term
    assert index.document_frequencies(["zzyqxwv"]) == {"zzyqxwv": 0}


def test_document_frequencies_agree_with_local(index: Any, registry: Callable[[str], Any]) -> None:
    """Any analysed term, as compose asks for idf weights: stems that are no word ("hypertens",
    "diabet", whose own stem differs), British spellings, terms in most passages; twice (a
    backend may remember them)."""
    from medcite.retrieve.analyze import analyze

    terms = list(dict.fromkeys(analyze(
        "hypertension diabetes anaemia patients dose treatment adults statin myasthenia gravis "
        "immunoglobulin label warnings pregnancy children zzyqxwv")))
    expected = registry("local").document_frequencies(terms)
    assert expected["patient"] > 100 and expected["hypertens"] > 0  # common terms and stems are in the set
    assert index.document_frequencies(terms) == expected
    assert index.document_frequencies(terms[::-1]) == expected
    assert index.document_frequencies(["", "two words", "hypertens"]) == {"": 0, "two words": 0,
                                                                          "hypertens": expected["hypertens"]}


# -- dense ---------------------------------------------------------------------------------

def test_dense_finds_a_passage_by_its_own_vector(index: Any, store: SQLiteStore) -> None:
    ids, mat = _store_vectors(store)
    rng = np.random.default_rng(7)
    for row in rng.choice(len(ids), size=15, replace=False):
        query = mat[row] / np.linalg.norm(mat[row])
        results = index.dense(query, 5)
        _assert_ranked(results, 5)
        top = results[0][1]
        assert top == pytest.approx(1.0, abs=2e-3)
        # Passages with the same text share the vector: the lowest id of them comes first.
        same = [p for p, s in results if s >= top - 1e-5]
        assert int(ids[row]) in same or len(same) == 5
        assert results[0][0] == min(same)


def test_dense_skips_passages_without_vectors_and_filters(index: Any, store: SQLiteStore) -> None:
    with_vec = set(store.passage_vectors(EMBEDDER)[0].tolist())
    query = _embed(GBS)
    results = index.dense(query, 200)
    assert len(results) == 200 and {p for p, _ in results} <= with_vec
    _assert_ranked(results, 200)
    guideline = index.dense(query, 30, IndexFilter.of(["guideline"]))
    assert len(guideline) == 30
    assert {h.source_type for h in store.passages_by_id([p for p, _ in guideline])} == {"guideline"}
    # Filtering keeps the order of the unfiltered ranking.
    ranked = store.passages_by_id([p for p, _ in index.dense(query, 1000)])
    assert [p for p, _ in guideline] == [h.passage_id for h in ranked if h.source_type == "guideline"][:30]
    recent = index.dense(query, 40, IndexFilter.of(["research", "consumer"], 2005))
    for hit in store.passages_by_id([p for p, _ in recent]):
        assert hit.source_type in ("research", "consumer") and hit.year is not None and hit.year >= 2005


def test_dense_scores_are_cosines(index: Any, store: SQLiteStore) -> None:
    query = _embed("statin associated muscle symptoms")
    ids, mat = _store_vectors(store)
    pick = [int(i) for i in ids[::37]]
    missing = sorted(set(store.passage_ids()) - set(ids.tolist()))[:3]
    assert len(missing) == 3
    got = index.dense_scores(query, [*pick, *missing])
    assert set(got) == set(pick)
    rows = mat[np.searchsorted(ids, pick)]
    expected = rows @ query / np.linalg.norm(rows, axis=1)
    np.testing.assert_allclose([got[p] for p in pick], expected, atol=1e-3)
    # And the same scores as ``dense`` gives the same passages.
    for pid, score in index.dense(query, 10):
        assert index.dense_scores(query, [pid])[pid] == pytest.approx(score, abs=1e-3)


def test_vectors_in_the_order_given(index: Any, store: SQLiteStore) -> None:
    ids, mat = _store_vectors(store)
    order = [int(i) for i in ids[[5, 3, 400, 0, 77]]]
    missing = sorted(set(store.passage_ids()) - set(ids.tolist()))[0]
    got = index.vectors([order[0], missing, *order[1:]])
    assert got.dtype == np.float32 and got.shape == (5, mat.shape[1])
    np.testing.assert_allclose(got, mat[np.searchsorted(ids, order)], atol=1e-3)
    assert index.vectors([missing]).shape[0] == 0


# -- changes in the store ------------------------------------------------------------------

def _ids_of(store: SQLiteStore, doc_id: str) -> set[int]:
    return {p for (p,) in store.db.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.doc_id = ?", (doc_id,))}


def _assert_mirrors(index: Any, store: SQLiteStore) -> None:
    """The index holds exactly the store's passages and vectors, none twice."""
    size = index.size()
    assert size.passages == len(store.passage_ids())
    assert size.vectors == len(store.passage_vectors(EMBEDDER)[0])
    results = index.lexical([("patients treatment", 1.0)], 5000)
    assert len({p for p, _ in results}) == len(results)
    assert {p for p, _ in results} <= set(store.passage_ids())


def test_refresh_follows_deletes_replacements_and_new_vectors(opener: Opener, private_store: SQLiteStore) -> None:
    from medcite.retrieve.embed import get_embedder
    from medcite.store import vectors as V

    store = private_store
    index = opener(store)
    index.refresh(store)
    _assert_mirrors(index, store)
    # Document frequencies follow too (a backend that remembers them must forget them).
    terms = ["zyxquorblat", "cholesterol", "guillain", "syndrom"]
    local = open_index("", store, "")

    def dfs_follow() -> None:
        local.refresh(store)
        assert index.document_frequencies(terms) == local.document_frequencies(terms)

    dfs_follow()
    gbs_before = {p for p, _ in index.lexical([(GBS, 1.0)], 50)}
    old = _ids_of(store, "ngc:9085")
    assert gbs_before & old

    # Replace: every passage of ngc:9085 gets a new id; one holds a word no other has.
    doc = store.document("ngc:9085")
    assert doc is not None
    new_text = "Zyxquorblat infusion is not recommended for Guillain-Barré syndrome."
    changed = dataclasses.replace(doc, text=new_text, passages=(
        dataclasses.replace(doc.passages[0], text=new_text, start=0, end=len(new_text)),))
    assert store.upsert([changed]) == ["updated"]
    index.refresh(store)
    _assert_mirrors(index, store)
    dfs_follow()
    assert index.document_frequencies(["zyxquorblat"]) == {"zyxquorblat": 1}
    hits = index.lexical([("zyxquorblat", 1.0)], 5)
    assert [h.doc_id for h in store.passages_by_id([p for p, _ in hits])] == ["ngc:9085"]
    assert not {p for p, _ in index.lexical([(GBS, 1.0)], 200)} & old
    assert not {p for p, _ in index.dense(_embed(GBS), 200)} & old

    # Delete.
    assert store.delete("ngc:10477")
    index.refresh(store)
    _assert_mirrors(index, store)
    dfs_follow()
    assert [p for p, _ in index.lexical([("zyxquorblat", 1.0)], 5)] == [p for p, _ in hits]
    left = {h.doc_id for h in store.passages_by_id([p for p, _ in index.lexical([("cholesterol", 1.0)], 500)])}
    assert "ngc:10477" not in left

    # Vectors embedded since: the new text and the 40 left out become searchable by vector.
    before = index.size().vectors
    V.embed_pending(store, get_embedder(EMBEDDER), batch=64)
    index.refresh(store)
    _assert_mirrors(index, store)
    assert index.size().vectors > before
    (pid,) = _ids_of(store, "ngc:9085")
    assert index.dense(_embed(new_text), 1)[0][0] == pid


class Interrupted(Exception):
    pass


def test_interrupted_refresh_converges(opener: Opener, private_store: SQLiteStore) -> None:
    """A refresh that dies after its first batch (of passages, then of vectors) leaves an index
    that the next refresh completes, with nothing twice."""
    store = private_store
    index = opener(store, "batch=50")
    for part in ("passages", "vectors"):
        if opener.backend == "local":  # the local index reads the store's tables itself: nothing to cut
            index.refresh(store)
            continue

        def stop(name: str, done: int, total: int, _part: str = part) -> None:
            # The index's own progress hook, called after each committed batch.
            if name == _part:
                raise Interrupted(name)

        with pytest.raises(Interrupted):
            index.refresh(store, progress=stop)
        size = index.size()
        if part == "passages":  # one batch of passages written, no vectors yet
            assert (size.passages, size.vectors) == (50, 0)
        else:  # passages complete, one batch of vectors
            assert (size.passages, size.vectors) == (len(store.passage_ids()), 50)
    index.refresh(store)
    _assert_mirrors(index, store)
    again = opener(store, url=index.url)  # reopened: the stamps were kept with the index
    started = time.perf_counter()
    again.refresh(store)
    assert time.perf_counter() - started < 1.0
    _assert_mirrors(again, store)


@pytest.mark.parametrize("backend", MILVUS)
def test_refresh_killed_mid_way_converges(backend: str, private_store: SQLiteStore, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
    """kill -9 of a process refreshing (and, for Milvus Lite, of the engine it started)."""
    _requires(backend)
    made = Opener(backend, tmp_path, request)
    url = made.url("batch=40")
    code = textwrap.dedent(f"""
        import sys, time
        from medcite.index import open_index
        from medcite.store import SQLiteStore
        store = SQLiteStore({str(private_store.path)!r})
        index = open_index({url!r}, store, {EMBEDDER!r})
        def progress(part, done, total):
            if done >= 120:
                print("mid-way", part, done, total, flush=True)
                time.sleep(120)
        index.refresh(store, progress=progress)
        print("finished", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("mid-way passages"), line
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the Lite engine dies with it
        proc.wait(timeout=30)
    time.sleep(0.5)  # Milvus Lite: let the file lock go with the killed engine
    try:
        index = made(private_store, url=url)
        assert 0 < index.size().passages < len(private_store.passage_ids())
        index.refresh(private_store)
        _assert_mirrors(index, private_store)
    finally:
        made.close()


# -- backends agree ------------------------------------------------------------------------

def _overlap(a: list[tuple[int, float]], b: list[tuple[int, float]], k: int = 10) -> float:
    return len({p for p, _ in a[:k]} & {p for p, _ in b[:k]}) / max(1, min(k, len(a), len(b)))


@pytest.mark.parametrize("backend", MILVUS)
def test_lexical_scores_are_the_local_ones(backend: str, registry: Callable[[str], Any]) -> None:
    """One part: the same terms, the same field-weighted BM25, so the same passages and scores."""
    local, other = registry("local"), registry(backend)
    for q in QUERIES:
        expected, got = local.lexical([(q, 1.0)], 20), other.lexical([(q, 1.0)], 20)
        assert len(got) == len(expected) > 0
        scores = dict(got)
        # Ties are broken alike; float32 sums may differ in the last bits, so compare the sets.
        assert [round(s, 3) for _, s in got] == pytest.approx([round(s, 3) for _, s in expected], abs=2e-3)
        for pid, score in expected[:10]:
            assert scores.get(pid) == pytest.approx(score, rel=1e-5), (q, pid)


@pytest.mark.parametrize("backend", MILVUS)
def test_backends_agree_on_top_hits(backend: str, registry: Callable[[str], Any],
                                    record_property: Callable[[str, object], None]) -> None:
    local, other = registry("local"), registry(backend)
    lexical = [_overlap(local.lexical([(q, 1.0)], 10), other.lexical([(q, 1.0)], 10)) for q in QUERIES]
    weighted = [_overlap(local.lexical([(q, 1.0), ("treatment dose", 0.3)], 10),
                         other.lexical([(q, 1.0), ("treatment dose", 0.3)], 10)) for q in QUERIES]
    dense = [_overlap(local.dense(v, 10), other.dense(v, 10)) for v in (_embed(q) for q in QUERIES)]
    means = {"lexical": float(np.mean(lexical)), "weighted": float(np.mean(weighted)),
             "dense": float(np.mean(dense))}
    for name, value in means.items():
        record_property(f"overlap@10 {name}", round(value, 3))
    print(f"\n{backend}: overlap@10 with local over {len(QUERIES)} queries: "
          + ", ".join(f"{k} {v:.3f} (min {min(x):.1f})" for (k, v), x in
                      zip(means.items(), (lexical, weighted, dense), strict=True)))
    assert means["lexical"] >= LEXICAL_OVERLAP and means["weighted"] >= LEXICAL_OVERLAP
    assert means["dense"] >= DENSE_OVERLAP
    assert UNEMBEDDED  # the comparison ran over a partially embedded store, like a real one
