"""Grow a copy of a store to a million passages for the scale benchmark (bench/scale.py).

    python bench/scale_corpus.py --base EMBEDDED.db --out BIG.db [--target 1000000]
                                 [--sigma 0.01] [--seed 15] [--batch 500]

There are only ~118k real passages in ../shared/data, so the store is grown by repeating its
real documents under new ids, each copy transformed so that it is no exact duplicate:

- copy ``k`` (k = 1, 2, …) of document ``D`` is ``D~xk``; every text field that is searched
  (the title and each passage) drops every (k+2)-th whitespace-separated word (copy 1 every
  3rd word, copy 2 every 4th, …), so the text stays real words and BM25 scores differ from
  the original's (lower term frequencies, shorter passages); the document's text is its
  transformed passages joined by blank lines (offsets recomputed); everything else (type,
  year, evidence level, metadata, identifiers, passage sections and metadata) is the
  original's, and so are the abbreviations the document defines (read from the base store);
- a copied passage's vector is the original passage's vector plus Gaussian noise (``--sigma``
  per dimension, default 0.01; a generator seeded by (seed, k)), renormalised: re-embedding
  ~900k passages would take hours on 2 cores. At sigma 0.01 and 384 dimensions a copy's
  cosine with its original is about 0.98.

Copies are added a whole copy of the corpus at a time, in document order, until the store holds
``--target`` passages (the last copy stops at the first document that reaches it). ``--base``
must have a vector for every passage (``medcite embed`` first) or the copies of the passages
without one get none either.

Writes go through the store's public API: ``SQLiteStore.upsert`` (documents, passages, FTS rows,
abbreviations; ``--batch`` documents per transaction, as ``ingest.batch_size``) and
``SQLiteStore.put_vectors``. Both are timed alone (reading the base store and transforming are
timed apart): that is the SQLite store's insert rate. ``--out`` is created as a byte copy of
``--base`` (without its index folders) unless it exists; re-running adds nothing twice (the
upsert of an unchanged document is "unchanged").
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from _common import table
from medcite.store import SQLiteStore
from medcite.store import vectors as V
from medcite.store.sqlite import text_hash
from medcite.types import Document, Passage

_WORDS = re.compile(r"(\s+)")


def drop_words(text: str, every: int) -> str:
    """``text`` without its every-``every``-th word (whitespace-separated; a dropped word's
    following whitespace goes with it)."""
    parts = _WORDS.split(text)  # word, space, word, space, …
    out: list[str] = []
    word = 0
    for i in range(0, len(parts), 2):
        if parts[i]:
            word += 1
            if word % every == 0:
                continue
        out.append(parts[i])
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out).strip() or text


def copy_document(doc: Document, k: int) -> Document:
    """Copy ``k`` of ``doc`` (see the module docstring)."""
    every = k + 2
    passages: list[Passage] = []
    pieces: list[str] = []
    offset = 0
    for p in doc.passages:
        text = drop_words(p.text, every)
        passages.append(replace(p, text=text, start=offset, end=offset + len(text)))
        pieces.append(text)
        offset += len(text) + 2
    return replace(doc, doc_id=f"{doc.doc_id}~x{k}", title=drop_words(doc.title, every),
                   text="\n\n".join(pieces), passages=tuple(passages))


def noisy(vec: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """``vec`` plus N(0, sigma²) per dimension, renormalised (float32)."""
    out = np.asarray(vec, dtype=np.float32) + rng.normal(0.0, sigma, len(vec)).astype(np.float32)
    return out / max(float(np.linalg.norm(out)), 1e-12)


def definitions(db: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(short form, long form as displayed) each document defines, read from the base store."""
    out: dict[str, list[tuple[str, str]]] = {d: [] for d in doc_ids}
    for doc_id, short, display in db.execute(
        f"""SELECT d.doc_id, a.short, a.display FROM doc_abbreviations a JOIN documents d ON d.id = a.doc_rowid
            WHERE d.doc_id IN ({','.join('?' * len(doc_ids))})""", list(doc_ids)):
        out[doc_id].append((short, display))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="an embedded store (read only)")
    ap.add_argument("--out", type=Path, required=True, help="the store to grow (a copy of --base if absent)")
    ap.add_argument("--target", type=int, default=1_000_000, help="passages wanted")
    ap.add_argument("--sigma", type=float, default=0.01, help="noise per vector dimension")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--batch", type=int, default=500, help="documents per upsert (one transaction)")
    args = ap.parse_args()

    if not args.out.exists():
        with sqlite3.connect(args.base) as db:  # fold the WAL in, so one file is the whole store
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(args.base, args.out)
    base = SQLiteStore(args.base)
    out = SQLiteStore(args.out)
    models = dict(base.db.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model").fetchall())
    model = max(models, key=lambda m: models[m]) if models else ""
    n_base = base.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    distinct = base.db.execute("SELECT COUNT(DISTINCT text_hash) FROM passages").fetchone()[0]
    missing = V.count_pending(base, model) if model else distinct
    print(f"base {args.base}: {n_base:,} passages ({distinct:,} distinct texts), {model or 'no'} vectors, "
          f"{missing:,} texts without one", flush=True)
    doc_ids = [r[0] for r in base.db.execute("SELECT doc_id FROM documents ORDER BY id")]
    total = out.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    timing = {"read": 0.0, "upsert": 0.0, "vectors": 0.0}
    counts = {"documents": 0, "passages": 0, "vectors": 0, "unchanged": 0}
    started = time.perf_counter()
    k = 0
    while total < args.target:
        k += 1
        rng = np.random.default_rng([args.seed, k])
        for start in range(0, len(doc_ids), args.batch):
            if total >= args.target:
                break
            t = time.perf_counter()
            chunk = doc_ids[start:start + args.batch]
            originals = [d for d in (base.document(i) for i in chunk) if d is not None]
            defs = definitions(base.db, chunk)
            copies: list[Document] = []
            for doc in originals:
                if total >= args.target:
                    break
                copies.append(copy_document(doc, k))
                total += len(doc.passages)
            # Each copied text's vector from its original's (the first original of a text wins,
            # as put() keeps the first vector of a hash).
            wanted: dict[str, str] = {}
            for doc, copy in zip(originals, copies, strict=False):
                for p, q in zip(doc.passages, copy.passages, strict=True):
                    wanted.setdefault(text_hash(q.text), text_hash(p.text))
            found = V.get(base, model, list(wanted.values())) if model else {}
            items = [(h, noisy(found[orig], rng, args.sigma)) for h, orig in wanted.items() if orig in found]
            abbreviations = [defs.get(d.doc_id.rsplit("~x", 1)[0], []) for d in copies]
            timing["read"] += time.perf_counter() - t

            t = time.perf_counter()
            statuses = out.upsert(copies, source_path=f"scale-copy-{k}", abbreviations=abbreviations)
            timing["upsert"] += time.perf_counter() - t
            t = time.perf_counter()
            written = out.put_vectors(model, items) if items else 0
            timing["vectors"] += time.perf_counter() - t
            counts["documents"] += sum(s != "unchanged" for s in statuses)
            counts["unchanged"] += sum(s == "unchanged" for s in statuses)
            counts["passages"] += sum(len(c.passages) for c, s in zip(copies, statuses, strict=True)
                                      if s != "unchanged")
            counts["vectors"] += written
        print(f"copy {k}: {total:,} passages, {time.perf_counter() - started:.0f} s", flush=True)
    stats = out.stats()
    vectors = out.vector_count(model) if model else 0
    with_vector = out.db.execute(
        "SELECT COUNT(*) FROM passages p JOIN vectors v ON v.model = ? AND v.text_hash = p.text_hash",
        (model,)).fetchone()[0]
    base.close()
    out.close()

    print(f"\n## Store grown to {stats['documents']:,} documents, {stats['passages']:,} passages "
          f"({with_vector:,} with a {model} vector, {vectors:,} distinct vectors); "
          f"{stats['size_bytes'] / 1e6:,.0f} MB\n")
    print(f"Copies 1..{k}: copy k drops every (k+2)-th word of titles and passages; vectors are the "
          f"original's + N(0, {args.sigma}²) noise, renormalised (seed {args.seed}). "
          f"{counts['unchanged']:,} documents were there already.\n")
    rows = [
        ["upsert (documents, passages, FTS5, abbreviations)", counts["passages"], timing["upsert"],
         counts["passages"] / timing["upsert"] if timing["upsert"] else float("nan"),
         counts["documents"] / timing["upsert"] if timing["upsert"] else float("nan")],
        ["put_vectors", counts["vectors"], timing["vectors"],
         counts["vectors"] / timing["vectors"] if timing["vectors"] else float("nan"), ""],
        ["both (the store's insert rate)", counts["passages"], timing["upsert"] + timing["vectors"],
         counts["passages"] / max(1e-9, timing["upsert"] + timing["vectors"]), ""],
        ["read + transform (not the store's)", counts["passages"], timing["read"], "", ""],
    ]
    print(table(["what", "rows", "seconds", "rows/s", "documents/s"], rows))


if __name__ == "__main__":
    main()
