"""Clinical question benchmark: does `ask` answer the question the clinician asked?

    python bench/clinical.py [--store PATH] [--split check|tune|all] [--baseline REF] [--json]

Runs every question of ``bench/clinical/questions/*.yaml`` in both forms (bedside vignette,
textbook paraphrase) through ``ask`` on the demo store (``$MEDCITE_HOME/medcite.db``, what
``make demo`` builds), and in the same run through the baseline composer: the source tree
at git ref ``--baseline`` (default ``clinical-baseline``, the commit before this work),
unpacked to a temporary folder and run in its own process on the same store. Each system
runs in a fresh process, one after the other, so their latencies compare.

Measured per form: key-fact coverage in the text a reader sees; gold document cited, and
cited first; bottom lines on topic (cited to a gold document, or naming the asked
condition or drug); the same bottom line for both forms; abstention on not-covered
questions and false abstention on covered ones; answers with a dangling citation or an
unsupported sentence; document hit@1 and hit@5 of the documents ``ask`` cites; `ask`
p50/p95. Targets (issue 12) are checked on the checking half.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "clinical" / "questions"
BASELINE_REF = "clinical-baseline"
BASELINE_COMMIT = "f122478"  # the tag's commit, used when the tag did not travel with a clone
NOT_COVERED_OPENING = "No indexed source addresses"
TARGETS = {
    "fact_coverage": 0.75, "form_gap": 0.05, "gold_first": 0.85, "off_topic": 0, "same_bottom_line": 0.80,
    "not_covered_handled": 0.95, "false_abstention": 0.03, "dangling": 0, "unsupported": 0,
    "p50_ms": 300.0, "p95_ms": 1000.0,
}
FORMS = ("vignette", "paraphrase")


def load_items(folder: Path = QUESTIONS) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        items += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return items


# ---------------------------------------------------------------------------------------------
# Dumping answers: runs inside the process of the system under test (current or baseline).
# Uses only what both have: medcite.answering.ask, the Answer model and Retriever.


def _walk(statements: Any) -> list[Any]:
    out = []
    for s in statements:
        out.append(s)
        out += _walk(s.children)
    return out


def dump(items: list[dict[str, Any]], store_path: str) -> list[dict[str, Any]]:
    from medcite.answering import ask
    from medcite.retrieve.search import Retriever, SearchConfig
    from medcite.store import SQLiteStore

    store = SQLiteStore(store_path)
    retriever = Retriever(store, SearchConfig(on_demand=0))
    for it in items[:3]:  # warm indexes and caches
        ask(it["paraphrase"], store, retriever=retriever, save=False)
    out = []
    for it in items:
        for form in FORMS:
            question = it[form]
            t = time.perf_counter()
            answer = ask(question, store, retriever=retriever, save=False)
            ms = (time.perf_counter() - t) * 1000
            refs = {r.number: r.doc_id for r in answer.references}
            body = [s for sec in answer.sections for s in _walk(sec.statements)]
            report = answer.verification
            out.append({
                "id": it["id"], "form": form, "ms": ms, "abstained": answer.abstained,
                "bottom": [{"text": s.text, "docs": [refs.get(n, "") for n in s.citations],
                            "items": [k.text for k in _walk(s.children)]} for s in answer.bottom_line],
                "body": [s.text for s in body if s.kind == "claim"],
                # the dosing table's rows, cell by cell as the page shows them
                "table": [" | ".join(v for v in (r.drug, f"{r.dose} {r.unit}", r.frequency, r.route, r.duration,
                                                 r.population, r.computed, r.cap) if v) for r in answer.dosing],
                "gaps": [s.text for s in answer.gaps],
                "refs": [r.doc_id for r in sorted(answer.references, key=lambda r: r.number)],
                "dangling": len(report.dangling_citations), "unsupported": len(report.unsupported),
                "removed": len(report.removed),
            })
    store.close()
    return out


# ---------------------------------------------------------------------------------------------
# Scoring: pure functions over the dumps.

_STOP = frozenset("""a an the of in on for to with and or by at from as is are be been should may can
with without than that this these those it its not no into per who which when""".split())
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "’": "'", "‘": "'", "“": '"', "”": '"',
                         "≥": ">=", "≤": "<=", "\u00a0": " "})


def norm(text: str) -> str:
    return " ".join(text.translate(_DASHES).lower().split())


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+(?:[.-][a-z0-9]+)*", norm(text)) if w not in _STOP and len(w) > 1}


def fact_covered(fact: str, statements: list[str]) -> bool:
    """The fact is in one statement a reader sees: verbatim (ignoring case, spacing and dash
    style), or with all its numbers and at least 80% of its content words."""
    f = norm(fact).rstrip(".;: ")
    need_numbers, need_words = _numbers(fact), _words(fact)
    for s in statements:
        if f in norm(s):
            return True
        if need_numbers <= _numbers(s) and need_words and len(need_words & _words(s)) / len(need_words) >= 0.8:
            return True
    return False


def handled_not_covered(d: dict[str, Any]) -> bool:
    """Abstained, or opened with the plain "No indexed source addresses …" line."""
    first = (d["bottom"][0]["text"] if d["bottom"] else "") or (d["gaps"][0] if d["gaps"] else "")
    return bool(d["abstained"]) or first.startswith(NOT_COVERED_OPENING)


def on_topic(d: dict[str, Any], item: dict[str, Any]) -> bool:
    gold = set(item.get("gold") or [])
    terms = [norm(t) for t in item.get("condition_terms") or []]
    for s in d["bottom"]:
        if gold & set(s["docs"]):
            continue
        text = norm(s["text"])
        # a term in the singular also names its plural ("antidepressant" in "taper antidepressants")
        if not any(re.search(rf"(?<![a-z0-9]){re.escape(t)}(?:s|es)?(?![a-z0-9])", text) for t in terms if t):
            return False
    return True


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def score(items: list[dict[str, Any]], dumps: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics for one system over ``items`` (already restricted to a split)."""
    by = {(d["id"], d["form"]): d for d in dumps}
    covered = [it for it in items if it.get("covered", True)]
    uncovered = [it for it in items if not it.get("covered", True)]
    m: dict[str, Any] = {"covered": len(covered), "not_covered": len(uncovered)}
    for form in FORMS:
        cov, cited, first, hit5, topic, false_abs = [], [], [], [], [], []
        for it in covered:
            d = by[(it["id"], form)]
            gold = set(it["gold"])
            # the bottom line, the list nested under it, the body and the dosing table
            seen = [*(t for s in d["bottom"] for t in (s["text"], *s.get("items", []))), *d["body"],
                    *d.get("table", [])]
            facts = it.get("facts") or []
            cov.append(_mean([float(fact_covered(f["text"], seen)) for f in facts]))
            cited.append(float(bool(gold & set(d["refs"]))))
            first.append(float(bool(d["refs"]) and d["refs"][0] in gold))
            hit5.append(float(bool(gold & set(d["refs"][:5]))))
            abstained = handled_not_covered(d)
            false_abs.append(float(abstained))
            topic.append(float(abstained or not d["bottom"] or on_topic(d, it)))
        nc = [float(handled_not_covered(by[(it["id"], form)])) for it in uncovered]
        m[form] = {
            "fact_coverage": _mean(cov), "gold_cited": _mean(cited), "gold_first": _mean(first),
            "gold_in_first5": _mean(hit5), "bottom_line_on_topic": _mean(topic),
            "off_topic": int(sum(1 for t in topic if not t)), "false_abstention": _mean(false_abs),
            "not_covered_handled": _mean(nc),
            "not_covered_with_bottom_line": int(sum(1 for it in uncovered
                                                    if not handled_not_covered(by[(it["id"], form)])
                                                    and by[(it["id"], form)]["bottom"])),
        }
    same = []
    for it in covered:
        a, b = by[(it["id"], "vignette")], by[(it["id"], "paraphrase")]
        if a["bottom"] and b["bottom"]:
            same.append(float(norm(a["bottom"][0]["text"]) == norm(b["bottom"][0]["text"])))
        else:
            same.append(0.0)
    m["same_bottom_line"] = _mean(same)
    mine = [d for d in dumps if any(d["id"] == it["id"] for it in items)]
    m["dangling"] = sum(1 for d in mine if d["dangling"])
    m["unsupported"] = sum(d["unsupported"] for d in mine)
    # Scoring runs in the main process only: the dump processes must not import _common,
    # which puts this checkout's src first on the path (the baseline would run today's code).
    from _common import percentile

    m["p50_ms"] = percentile([d["ms"] for d in mine], 50)
    m["p95_ms"] = percentile([d["ms"] for d in mine], 95)
    return m


def aspect_accuracy(items: list[dict[str, Any]], form: str) -> float:
    """Share of questions whose asked aspect ``understand`` reads as the set labels it (the
    baseline has no question frame, so this is measured for the current code only)."""
    from medcite.understand.frame import understand

    return _mean([float(understand(it[form]).aspect == it["aspect"]) for it in items])


# ---------------------------------------------------------------------------------------------


def _baseline_src(ref: str, into: Path) -> Path:
    """The baseline's ``src`` tree, unpacked from git (tag, else its commit)."""
    for candidate in (ref, BASELINE_COMMIT):
        proc = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", candidate, "src"],
                              capture_output=True)
        if proc.returncode == 0:
            tar = into / "src.tar"
            tar.write_bytes(proc.stdout)
            with tarfile.open(tar) as tf:
                tf.extractall(into, filter="data")
            return into / "src"
    sys.exit(f"cannot read the baseline {ref!r} (nor {BASELINE_COMMIT}) from git")


def _run(src: Path, store: str, out: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, __file__, "--dump", "--store", store, "--out", str(out)],
                   env=env, check=True)
    return json.loads(out.read_text())


def _rows(base: dict[str, Any], cur: dict[str, Any]) -> list[list[object]]:
    def ratio(a: float, b: float) -> str:
        return f"{b / a:.2f}" if isinstance(a, int | float) and a and a == a else "n/a"

    rows: list[list[object]] = []
    for form in FORMS:
        for key in ("fact_coverage", "gold_cited", "gold_first", "gold_in_first5", "bottom_line_on_topic",
                    "off_topic", "false_abstention", "not_covered_handled", "not_covered_with_bottom_line"):
            rows.append([key, form, base[form][key], cur[form][key], ratio(base[form][key], cur[form][key]),
                         TARGETS.get(key, "")])
    for key in ("same_bottom_line", "dangling", "unsupported", "p50_ms", "p95_ms"):
        rows.append([key, "both", base[key], cur[key], ratio(base[key], cur[key]), TARGETS.get(key, "")])
    gap_b = base["paraphrase"]["fact_coverage"] - base["vignette"]["fact_coverage"]
    gap_c = cur["paraphrase"]["fact_coverage"] - cur["vignette"]["fact_coverage"]
    rows.append(["fact_coverage paraphrase - vignette", "", gap_b, gap_c, "", f"<= {TARGETS['form_gap']}"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default="")
    ap.add_argument("--split", choices=("check", "tune", "all"), default="all")
    ap.add_argument("--baseline", default=BASELINE_REF, help="git ref of the baseline composer")
    ap.add_argument("--no-baseline", action="store_true", help="run only the current composer")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()

    items = load_items()
    if args.dump:
        Path(args.out).write_text(json.dumps(dump(items, args.store)))
        return
    store = args.store
    if not store:
        sys.path.insert(0, str(ROOT / "src"))
        from medcite.settings import Settings

        store = str(Settings.from_env().db_path)
    if not Path(store).exists():
        sys.exit(f"no store at {store}: run `make demo` first (or pass --store)")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        current = _run(ROOT / "src", store, t / "current.json")
        baseline = current if args.no_baseline else _run(_baseline_src(args.baseline, t), store, t / "baseline.json")
    splits = ("tune", "check") if args.split == "all" else (args.split,)
    results = {}
    for split in splits:
        part = [it for it in items if it.get("split") == split]
        results[split] = {"baseline": score(part, baseline), "current": score(part, current)}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    from _common import table

    for split, res in results.items():
        b, c = res["baseline"], res["current"]
        print(f"\n## {split} half: {c['covered']} covered questions, {c['not_covered']} not covered "
              f"(each in {len(FORMS)} forms); baseline {args.baseline}")
        print(table(["metric", "form", "baseline", "current", "ratio", "target"], _rows(b, c)))
        part = [it for it in items if it.get("split") == split and it.get("covered", True) and it.get("aspect")]
        print("asked aspect read as labelled (current question understanding): "
              + ", ".join(f"{form} {aspect_accuracy(part, form):.3f}" for form in FORMS))


if __name__ == "__main__":
    main()
