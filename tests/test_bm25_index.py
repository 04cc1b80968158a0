"""The numpy BM25 index: analyzer, scoring formula, persistence, filters and freshness."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import Stemmer

from datapath import DATA
from medcite.index import bm25
from medcite.index.bm25 import ROWS_SQL, SparseIndex, index_dir, load_or_build
from medcite.retrieve.analyze import TOKEN, analyze, fold, split
from medcite.sources import ngc
from medcite.store.fts_query import tokens
from medcite.store.sqlite import passage_stamp as store_stamp

STEM = Stemmer.Stemmer("english").stemWords
NGC_SAMPLES = sorted((DATA / "ngc-guidelines" / "samples").glob("*.xml"))

# -- analyzer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Guillain-Barré syndrome", ["guillain", "barre", "syndrome"]),
        ("IV immunoglobulin (IVIg) is recommended for adults", ["iv", "immunoglobulin", "ivig",
                                                                  "recommended", "adults"]),
        ("Sjögren's syndrome", ["sjogren", "syndrome"]),
        ("Café-au-lait spots in neurofibromatosis type 1", ["cafe", "au", "lait", "spots",
                                                            "neurofibromatosis", "type", "1"]),
        ("Vitamin B12 500 µg/day", ["vitamin", "b12", "500", "μg", "day"]),
        ("__init__ IL_6 x", ["init", "il_6"]),
        ("what is the", []),
        ("", []),
    ],
)
def test_analyze_table(text: str, words: list[str]) -> None:
    assert analyze(text) == STEM(words)


def test_analyze_snowball_examples() -> None:
    assert analyze("Guillain-Barré syndrome") == ["guillain", "barr", "syndrom"]
    assert analyze("IVIg") == analyze("ivig") == analyze("IVIG") == ["ivig"]
    assert analyze("Ménière’s disease") == analyze("Meniere's disease")


def test_analyze_keeps_duplicates_unless_unique() -> None:
    text = "Fever. Fevers and fever in febrile children with fever"
    assert analyze(text).count("fever") == 4
    assert analyze(text, unique=True) == ["fever", "febril", "children"]


def test_analyze_agrees_with_fts_query_normalisation() -> None:
    for text in ("Is traditional Chinese medicine associated with a decreased risk of heart failure?",
                 "Guillain–Barré syndrome après vaccination: naïve patients (n=12), α-synuclein",
                 "Which gene is mutated in Ehlers-Danlos syndrome type IV? COL3A1 / COL1A1"):
        assert analyze(text, unique=True) == list(dict.fromkeys(STEM(tokens(text))))


def test_memoised_analysis_equals_stemming_every_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from medcite.retrieve import analyze as module

    texts = [p.text for doc in parsed_samples() for p in doc.passages]
    texts += ["Guillain–Barré syndrome après vaccination: naïve patients (n=12), α-synuclein", "", "___ _a_"]
    expected = [module.stem(module.words(t)) for t in texts]
    assert [analyze(t) for t in texts] == expected
    assert [analyze(t) for t in texts] == expected  # second pass: every token from the memo
    monkeypatch.setattr(module._TermMemo, "limit", 50)  # outgrowing the limit clears it, same terms
    monkeypatch.setattr(module, "_TERMS", module._TermMemo())
    assert [analyze(t) for t in texts] == expected
    assert len(module._TERMS) <= 50


def test_ascii_fast_path_matches_regex() -> None:
    for text in ("Hello, World! a_b __x__ 3.5mg/kg (n=12) [IVIg]", "tab\tnew\nline", "ÀÉÎ mixed ß ﬁ"):
        assert split(text) == TOKEN.findall(fold(text))


# -- scoring --------------------------------------------------------------------------------

TINY = [
    (10, "Fever in children", "Overview", "Fever is common in children. Fever usually resolves."),
    (11, "Fever in children", "Treatment", "Paracetamol or ibuprofen reduce fever."),
    (12, "Migraine", "Treatment", "Triptans treat migraine; ibuprofen helps mild migraine."),
    (13, "Asthma", "Overview", "Asthma is a chronic disease of the airways."),
    (14, "Asthma", "Children", "Inhaled steroids for children with asthma."),
]


def expected_scores(query: str, rows: list[tuple[int, str, str, str]], k1: float = 1.2,
                    b: float = 0.75) -> dict[int, float]:
    """BM25F-lite written out directly from its definition."""
    weights = (2.0, 0.5, 1.0)
    tfs, lengths = {}, {}
    for pid, *fields in rows:
        tf: Counter[str] = Counter()
        for w, field in zip(weights, fields, strict=True):
            for term in analyze(field):
                tf[term] += w
        tfs[pid], lengths[pid] = tf, sum(tf.values())
    n, avgdl = len(rows), sum(lengths.values()) / len(rows)
    out: dict[int, float] = {}
    for term in analyze(query, unique=True):
        df = sum(term in tf for tf in tfs.values())
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        for pid, tf in tfs.items():
            if tf[term]:
                norm = tf[term] + k1 * (1 - b + b * lengths[pid] / avgdl)
                out[pid] = out.get(pid, 0.0) + idf * tf[term] * (k1 + 1) / norm
    return out


@pytest.mark.parametrize("query", ["fever", "fever children", "ibuprofen migraine treatment",
                                   "asthma children steroids", "overview", "unknownword fever"])
@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (2.0, 0.0), (0.5, 1.0)])
def test_bm25_matches_formula(query: str, k1: float, b: float) -> None:
    index = SparseIndex.build(TINY, k1=k1, b=b)
    expected = expected_scores(query, TINY, k1, b)
    got = dict(index.search(query, k=10))
    assert got.keys() == expected.keys()
    for pid, score in expected.items():
        assert got[pid] == pytest.approx(score, rel=1e-5)
    ranked = [pid for pid, _ in index.search(query, k=10)]
    assert ranked == sorted(expected, key=lambda p: (-got[p], p))


def test_search_edges() -> None:
    index = SparseIndex.build(TINY)
    assert index.search("", 10) == [] and index.search("the of and", 10) == []
    assert index.search("fever", 0) == []
    assert len(index.search("fever", 1)) == 1
    assert SparseIndex.build([]).search("fever") == []
    with pytest.raises(ValueError):
        index.search("fever", allowed=np.ones(3, dtype=bool))


def test_weighted_parts_scale_their_terms() -> None:
    index = SparseIndex.build(TINY)
    full = dict(index.search("fever children", k=10))
    base = dict(index.search("fever", k=10))
    extra = dict(index.search("children", k=10))
    weighted = dict(index.search_weighted([("fever", 1.0), ("children", 0.2)], k=10))
    for pid in weighted:
        assert weighted[pid] == pytest.approx(base.get(pid, 0.0) + 0.2 * extra.get(pid, 0.0), rel=1e-5)
    # A term counts once, at the weight of the first part that has it.
    assert dict(index.search_weighted([("fever children", 1.0), ("children", 0.2)], k=10)) == pytest.approx(full)
    assert index.search_weighted([("fever", 0.0)], k=10) == []


# -- the small real store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_index(small_store_path: Path) -> SparseIndex:
    with sqlite3.connect(small_store_path) as db:
        return SparseIndex.build(db.execute(ROWS_SQL), stamp=store_stamp(db))


QUERIES = ("IVIg Guillain-Barré adults", "statin therapy LDL cholesterol", "pressure injury prevention",
           "idiopathic pulmonary fibrosis pirfenidone", "dosage and administration", "migraine")


def test_round_trip_identical(small_index: SparseIndex, tmp_path: Path) -> None:
    small_index.save(tmp_path / "ix")
    small_index.save(tmp_path / "ix")  # the second generation replaces the first
    assert len(list((tmp_path / "ix").glob("*.npy"))) == len(bm25.ARRAYS)
    for mode in (None, "r"):
        loaded = SparseIndex.load(tmp_path / "ix", mmap_mode=mode)
        assert loaded.vocab == small_index.vocab and loaded.stamp == small_index.stamp
        assert loaded.source_types == small_index.source_types
        for name in bm25.ARRAYS:
            assert np.array_equal(getattr(loaded, name), getattr(small_index, name)), name
        for q in QUERIES:
            assert loaded.search(q, 10) == small_index.search(q, 10)


def test_ivig_guideline_in_top3(small_index: SparseIndex, small_store) -> None:
    hits = small_index.search("IVIg Guillain-Barré adults", k=3)
    docs = [h.doc_id for h in small_store.passages_by_id([pid for pid, _ in hits])]
    assert "ngc:9085" in docs


def test_masks_match_sql(small_index: SparseIndex, small_store) -> None:
    truth = {r[0]: (r[1], r[2] or 0) for r in small_store.db.execute(
        "SELECT p.id, d.source_type, d.year FROM passages p JOIN documents d ON d.id = p.doc_rowid")}
    pids = small_index.passage_ids.tolist()
    assert small_index.mask(None, None) is None and small_index.mask([], None) is None
    for types, since in ((["guideline"], None), (["label", "consumer"], None), (None, 2015),
                         (["research"], 2010), (["no-such-type"], None)):
        want = [(types is None or truth[p][0] in types) and (since is None or truth[p][1] >= since)
                for p in pids]
        got = small_index.mask(types, since)
        assert got is not None and got.tolist() == want
        hits = small_index.search("treatment of adults", k=20, allowed=got)
        full = small_index.search("treatment of adults", k=len(pids))
        allowed = {p for p, ok in zip(pids, want, strict=True) if ok}
        assert hits == [h for h in full if h[0] in allowed][:20]


@pytest.mark.parametrize("query", [
    '"', '""', "'", '"unterminated', "AND OR NOT", "NEAR(a b, 3)", "a* -b +c title:x ^y",
    "💊🩺 🤒", "\x00\x01\x02", "   \n\t ", "", "(((())))", "ü" * 50, "a" * 10_000,
    " ".join(f"word{i}" for i in range(2000))[:10_000], "IVIg " * 2000,
])
def test_hostile_queries_never_raise(small_index: SparseIndex, query: str) -> None:
    hits = small_index.search(query, k=10)
    assert isinstance(hits, list) and len(hits) <= 10
    assert all(isinstance(p, int) and s > 0 for p, s in hits)


# -- freshness ------------------------------------------------------------------------------


def parsed_samples() -> list:
    return [d for f in NGC_SAMPLES for d in ngc.parse(f.read_bytes(), f.name).documents]


def test_stale_stamp_rebuilds(empty_store, monkeypatch: pytest.MonkeyPatch) -> None:
    bm25._CACHE.clear()
    assert load_or_build(empty_store).search("immunoglobulin") == []
    docs = {d.doc_id: d for d in parsed_samples()}
    empty_store.upsert(list(docs.values()))
    before = load_or_build(empty_store)
    assert len(before) == sum(len(d.passages) for d in docs.values())
    assert bm25.read_header(index_dir(empty_store.path))["stamp"] == before.stamp

    # A term only ngc:9085 uses, so the changed document must take it away.
    old = docs["ngc:9085"]
    old_ids = {r[0] for r in empty_store.db.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_rowid WHERE d.doc_id = ?",
        (old.doc_id,))}
    only_old = next(t for t in analyze(old.passages[1].text, unique=True)
                    if {p for p, _ in before.search(t, k=1000)} <= old_ids)
    new_text = "Zyxquorblat infusion is not recommended for Guillain-Barré syndrome."
    changed = dataclasses.replace(
        old, text=new_text, passages=(dataclasses.replace(old.passages[0], text=new_text, start=0,
                                                            end=len(new_text)),))
    assert empty_store.upsert([changed]) == ["updated"]

    after = load_or_build(empty_store)
    assert after.stamp != before.stamp
    hits = after.search("zyxquorblat", k=5)
    assert [h.doc_id for h in empty_store.passages_by_id([p for p, _ in hits])] == ["ngc:9085"]
    assert after.search(only_old, k=10) == []
    assert not {p for p, _ in after.search("IVIg Guillain-Barré adults", k=50)} & old_ids

    # Another process: nothing cached, so the saved index is loaded, not rebuilt.
    bm25._CACHE.clear()
    monkeypatch.setattr(bm25, "_build_from", lambda path: pytest.fail("rebuilt a fresh index"))
    assert load_or_build(empty_store).search("zyxquorblat", k=5) == hits

    monkeypatch.undo()
    assert empty_store.delete("ngc:9085")
    assert load_or_build(empty_store).search("zyxquorblat", k=5) == []


def test_stamp_sees_top_document_replaced_in_place(empty_store) -> None:
    docs = parsed_samples()
    empty_store.upsert(docs)
    stamp = store_stamp(empty_store.db)
    last = docs[-1]  # holds the highest passage ids, which SQLite hands out again once freed
    assert empty_store.delete(last.doc_id)
    empty_store.upsert([dataclasses.replace(last, title=last.title + " (revised)")])
    count, top = empty_store.db.execute("SELECT count(*), max(id) FROM passages").fetchone()
    assert stamp.startswith(f"{count}:{top}:")  # same count, same ids: only the document differs
    assert store_stamp(empty_store.db) != stamp
    stamp = store_stamp(empty_store.db)
    empty_store.upsert([dataclasses.replace(last, title=last.title + " (revised twice)")])
    assert store_stamp(empty_store.db) != stamp


def test_concurrent_callers_build_once(empty_store, monkeypatch: pytest.MonkeyPatch) -> None:
    bm25._CACHE.clear()
    empty_store.upsert(parsed_samples())
    builds: list[Path] = []
    real = bm25._build_from

    def counting(path: Path) -> SparseIndex:
        builds.append(path)
        return real(path)

    monkeypatch.setattr(bm25, "_build_from", counting)
    results: list[SparseIndex] = []
    threads = [threading.Thread(target=lambda: results.append(load_or_build(empty_store)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len({id(r) for r in results}) == 1
