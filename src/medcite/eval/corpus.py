"""Evaluation questions and corpora from the BioASQ golden sets and PubMedQA (PQA-L).

Pure functions from the benchmark JSON to records: ``EvalQuestion`` for the queries
and their gold documents, ``Document`` for the text a retriever searches. Nothing
here touches a store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..sources.base import DocBuilder, clean_text, one_line
from ..textutil import chunk_text
from ..types import Document

# Same cap the PubMed parser uses for abstract passages.
PASSAGE_LIMIT = 1600
_PMID = re.compile(r"(\d+)\D*$")


@dataclass(frozen=True)
class EvalQuestion:
    """One benchmark query with the doc_ids ("pmid:<PMID>") judged relevant."""

    qid: str
    body: str
    qtype: str
    relevant: frozenset[str]
    snippets: tuple[str, ...]
    ideal_answer: str
    source: str


def bioasq_files(root: str | Path) -> list[Path]:
    """The ``*_golden.json`` files under ``root`` in task order (7B1 … 10B6)."""
    def key(p: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", p.name))

    return sorted(Path(root).rglob("*_golden.json"), key=key)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The JSON files named by ``paths`` (folders expand to their golden files)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        out.extend(bioasq_files(path) if path.is_dir() else [path])
    return out


def _load_questions(paths: Iterable[str | Path]) -> list[tuple[Path, dict[str, Any]]]:
    """(file, question) pairs, first occurrence of each id only."""
    seen: set[str] = set()
    out: list[tuple[Path, dict[str, Any]]] = []
    for path in expand_paths(paths):
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        for q in data.get("questions", []):
            qid = str(q.get("id", ""))
            if qid in seen:
                continue
            seen.add(qid)
            out.append((path, q))
    return out


def pmid_of(url: str) -> str | None:
    """The PMID at the end of a PubMed URL (``…/pubmed/12345``)."""
    match = _PMID.search(url or "")
    return match.group(1) if match else None


def bioasq_questions(paths: Iterable[str | Path]) -> list[EvalQuestion]:
    """Questions of the given golden files (or folders of them), deduplicated by id."""
    out: list[EvalQuestion] = []
    for path, q in _load_questions(paths):
        relevant = frozenset(f"pmid:{p}" for u in q.get("documents", []) if (p := pmid_of(u)))
        ideal = q.get("ideal_answer") or []
        if isinstance(ideal, str):
            ideal = [ideal]
        out.append(EvalQuestion(
            qid=str(q["id"]),
            body=one_line(str(q.get("body", ""))),
            qtype=str(q.get("type", "")),
            relevant=relevant,
            snippets=tuple(str(s.get("text", "")) for s in q.get("snippets", [])),
            ideal_answer=str(ideal[0]) if ideal else "",
            source=path.name,
        ))
    return out


def _snippets_by_pmid(paths: Iterable[str | Path]) -> dict[str, tuple[list[str], list[str]]]:
    """PMID -> (title snippets, body snippets), each deduplicated in first-seen order."""
    by_pmid: dict[str, tuple[list[str], list[str]]] = {}
    for _, q in _load_questions(paths):
        for s in q.get("snippets", []):
            pmid = pmid_of(str(s.get("document", "")))
            # One line: the same span is stored with differing line breaks across questions.
            text = one_line(str(s.get("text", "")))
            if not pmid or not text:
                continue
            titles, body = by_pmid.setdefault(pmid, ([], []))
            bucket = titles if s.get("beginSection") == "title" else body
            if text not in bucket:
                bucket.append(text)
    return by_pmid


def bioasq_corpus(paths: Iterable[str | Path]) -> list[Document]:
    """One Document per PMID that has gold snippet text, over all the given files.

    The text is the union of the gold snippets: all an offline evaluation can know
    of each abstract. Title snippets become the title; when a PMID has only a title,
    the title is also its one passage (as the PubMed parser does) so that passage
    search can find it at all.
    """
    docs: list[Document] = []
    for pmid, (titles, body) in _snippets_by_pmid(paths).items():
        # Title snippets are the same title with or without the final period: keep the fullest.
        title = max(titles, key=len) if titles else ""
        builder = DocBuilder()
        for chunk in chunk_text("\n\n".join(body), limit=PASSAGE_LIMIT):
            builder.add("abstract", chunk)
        if not len(builder):
            builder.add("title", title)
        docs.append(builder.build(
            doc_id=f"pmid:{pmid}",
            source_type="research",
            title=title,
            format="bioasq",
            identifiers={"pmid": pmid},
            url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        ))
    return docs


def bioasq_unindexed(paths: Iterable[str | Path]) -> set[str]:
    """Gold doc_ids with no snippet text anywhere: relevant, but absent from the corpus."""
    with_text = {f"pmid:{p}" for p in _snippets_by_pmid(paths)}
    gold = {d for q in bioasq_questions(paths) for d in q.relevant}
    return gold - with_text


def _pubmedqa_records(path: str | Path) -> dict[str, dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def pubmedqa_questions(path: str | Path) -> list[EvalQuestion]:
    """One question per PQA-L record; its own abstract is the only relevant document."""
    name = Path(path).name
    return [
        EvalQuestion(
            qid=pmid,
            body=one_line(str(rec.get("QUESTION", ""))),
            qtype="yesno",
            relevant=frozenset({f"pmid:{pmid}"}),
            snippets=tuple(str(c) for c in rec.get("CONTEXTS", [])),
            ideal_answer=one_line(str(rec.get("LONG_ANSWER") or "")),
            source=name,
        )
        for pmid, rec in _pubmedqa_records(path).items()
    ]


def pubmedqa_corpus(path: str | Path) -> list[Document]:
    """The 1,000 PQA-L abstracts as documents.

    CONTEXTS only: LONG_ANSWER is the reference answer, and the title is empty
    because the question was written from it; either would leak the answer.
    """
    docs: list[Document] = []
    for pmid, rec in _pubmedqa_records(path).items():
        labels = rec.get("LABELS") or []
        builder = DocBuilder()
        for i, context in enumerate(rec.get("CONTEXTS") or []):
            label = str(labels[i]).strip() if i < len(labels) and labels[i] else "abstract"
            for chunk in chunk_text(clean_text(str(context or "")), limit=PASSAGE_LIMIT):
                builder.add(label, chunk)
        year_text = str(rec.get("YEAR") or "").strip()
        year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        docs.append(builder.build(
            doc_id=f"pmid:{pmid}",
            source_type="research",
            title="",
            format="pubmedqa",
            year=year,
            pub_date=str(year) if year else "",
            identifiers={"pmid": pmid},
            url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        ))
    return docs
