"""Authoring tool for the clinical question set: find key facts, fill their offsets, check the set.

    python bench/clinical/tool.py show ngc:9085             # a document's text with offsets
    python bench/clinical/tool.py grep "necrotizing myopathy" # which documents mention a phrase
    python bench/clinical/tool.py fill                      # fill start/end of every key fact
    python bench/clinical/tool.py check                     # validate the whole set

Key facts are copied verbatim from a document's text as the store holds it
(``Document.text``); ``fill`` finds each one and writes its character offsets, and
``check`` fails when a fact is not at its offsets, when a gold document is missing, or
when a term of a not-covered question occurs in any indexed document.
The store is ``$MEDCITE_HOME/medcite.db`` unless ``--store`` names one.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions"
ASPECTS = ("first-line", "starting-dose", "titration", "target", "duration", "alternative", "stop",
           "monitoring", "threshold", "diagnosis")


def _store_path(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    from medcite.settings import Settings

    return Settings.from_env().db_path


def load_items(folder: Path = QUESTIONS) -> list[tuple[Path, dict[str, Any]]]:
    """Every question of every YAML file in ``folder``, with the file it came from."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((path, item))
    return out


def _text(db: sqlite3.Connection, doc_id: str) -> str | None:
    row = db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
    return row[0] if row else None


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def fill(db: sqlite3.Connection) -> int:
    """Write start/end for each fact found verbatim; report the ones not found."""
    problems = 0
    by_file: dict[Path, list[dict[str, Any]]] = {}
    for path, item in load_items():
        by_file.setdefault(path, []).append(item)
        for fact in item.get("facts") or []:
            text = _text(db, fact["doc"]) or ""
            at = text.find(fact["text"])
            if at < 0:
                # Forgive differences in whitespace only: re-copy the fact from the source.
                flat = _norm(fact["text"])
                pattern = r"\s+".join(re.escape(w) for w in flat.split(" "))
                m = re.search(pattern, text)
                if m:
                    fact["text"], at = m.group(0), m.start()
            if at < 0:
                problems += 1
                print(f"{item['id']}: fact not found verbatim in {fact['doc']}: {fact['text'][:80]!r}")
                continue
            fact["start"], fact["end"] = at, at + len(fact["text"])
    for path, items in by_file.items():
        path.write_text(yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100),
                        encoding="utf-8")
    return problems


def absent(db: sqlite3.Connection, term: str) -> list[str]:
    """Documents whose title or text mention ``term`` (case-insensitive; empty when none)."""
    like = f"%{term}%"
    return [r[0] for r in db.execute(
        "SELECT doc_id FROM documents WHERE text LIKE ? OR title LIKE ? LIMIT 5", (like, like))]


def check(db: sqlite3.Connection) -> int:
    problems: list[str] = []
    items = load_items()
    ids = Counter(it["id"] for _, it in items)
    problems += [f"duplicate id {k}" for k, n in ids.items() if n > 1]
    covered = [it for _, it in items if it.get("covered", True)]
    uncovered = [it for _, it in items if not it.get("covered", True)]
    for _, it in items:
        for key in ("id", "vignette", "paraphrase", "split"):
            if not it.get(key):
                problems.append(f"{it.get('id')}: missing {key}")
        if it.get("split") not in ("tune", "check"):
            problems.append(f"{it['id']}: split must be tune or check")
    for it in covered:
        if it.get("aspect") not in ASPECTS:
            problems.append(f"{it['id']}: aspect {it.get('aspect')!r} not in {ASPECTS}")
        if not it.get("gold"):
            problems.append(f"{it['id']}: no gold document")
        for doc in it.get("gold") or []:
            if _text(db, doc) is None:
                problems.append(f"{it['id']}: gold document {doc} is not in the store")
        facts = it.get("facts") or []
        if not 2 <= len(facts) <= 4:
            problems.append(f"{it['id']}: {len(facts)} key facts (2-4 wanted)")
        for f in facts:
            text = _text(db, f["doc"]) or ""
            if "start" not in f or text[f["start"]:f["end"]] != f["text"]:
                problems.append(f"{it['id']}: fact not at its offsets in {f['doc']}: {f['text'][:60]!r}")
    for it in uncovered:
        terms = it.get("absent_terms") or []
        if not terms:
            problems.append(f"{it['id']}: a not-covered question needs absent_terms")
        for term in terms:
            hits = absent(db, term)
            if hits:
                problems.append(f"{it['id']}: {term!r} occurs in {', '.join(hits)}")
    gold_docs = {d for it in covered for d in it.get("gold") or []}
    ngc = {d for d in gold_docs if d.startswith("ngc:")}
    print(f"{len(covered)} covered questions from {len(gold_docs)} documents ({len(ngc)} NGC), "
          f"{len(uncovered)} not covered ({sum(1 for it in uncovered if it.get('near_miss'))} near misses); "
          f"tune {sum(1 for _, it in items if it.get('split') == 'tune')}, "
          f"check {sum(1 for _, it in items if it.get('split') == 'check')}")
    for p in problems:
        print("PROBLEM:", p)
    return len(problems)


def show(db: sqlite3.Connection, doc_id: str) -> None:
    row = db.execute("SELECT title, text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
    if row is None:
        sys.exit(f"{doc_id}: not in the store")
    print(f"# {doc_id}: {row[0]}\n")
    offset = 0
    for line in row[1].split("\n"):
        print(f"{offset:7d}  {line}")
        offset += len(line) + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("show", "grep", "fill", "check"))
    ap.add_argument("arg", nargs="?")
    ap.add_argument("--store")
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{_store_path(a.store)}?mode=ro", uri=True)
    if a.command == "show":
        show(db, a.arg or "")
    elif a.command == "grep":
        print("\n".join(absent(db, a.arg or "")) or "(no document)")
    elif a.command == "fill":
        sys.exit(1 if fill(db) else 0)
    else:
        sys.exit(1 if check(db) else 0)


if __name__ == "__main__":
    main()
