"""Ingest pipeline: walk paths, parse files (in worker processes), upsert in batches.

Failures are collected with their path, archive member and reason; the batch goes
on. Each batch of documents is committed in one transaction, so an interrupted
ingest leaves a consistent store and re-running it finishes the job. Parsing is a
parallel map over an ``Executor`` (``_parsed_stream``): local worker processes, or a
Ray cluster's tasks (``distributed.RayExecutor``); this process alone writes, either way.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from .clinical.abbreviations import document_definitions
from .errors import MedciteError, UnsupportedFormat
from .review import EditorialStore
from .review.stale import flag_stale_articles
from .sources import PARSERS, detect
from .sources.walk import Budget, Skipped, SourceFile, Unreadable, walk
from .store import EvidenceStore
from .types import Document, Parsed, Passage, VocabTerm

UNKNOWN = "(unrecognised)"


@dataclass(slots=True)
class Tally:
    """Per-format counts: files read, documents added/updated/unchanged, skips, failures."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    member: str | None
    reason: str

    def location(self) -> str:
        return f"{self.path}::{self.member}" if self.member else self.path


@dataclass(slots=True)
class IngestReport:
    tallies: dict[str, Tally] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    skipped_files: int = 0
    skips: list[Failure] = field(default_factory=list)  # each skipped file with its reason
    documents: int = 0
    passages: int = 0
    vocab_terms: int = 0
    seconds: float = 0.0
    changed: list[str] = field(default_factory=list)  # doc_ids whose text changed (status "updated")
    flagged: list[str] = field(default_factory=list)  # approved articles sent back for review

    def tally(self, fmt: str) -> Tally:
        return self.tallies.setdefault(fmt, Tally())

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "documents": self.documents,
            "passages": self.passages,
            "vocab_terms": self.vocab_terms,
            "skipped_files": self.skipped_files,
            "changed_documents": len(self.changed),
            "articles_needing_rereview": list(self.flagged),
            "seconds": round(self.seconds, 3),
            "documents_per_second": round(self.documents / self.seconds, 1) if self.seconds else None,
            "formats": {k: asdict(v) for k, v in sorted(self.tallies.items())},
            "failures": [
                {"path": f.path, "member": f.member, "reason": f.reason} for f in self.failures
            ],
            "skipped": [{"path": f.path, "member": f.member, "reason": f.reason} for f in self.skips],
        }


Progress = Callable[[int, int, int], None]  # (files done, documents done, passages done)
Idle = Callable[[], None]


# Generic extensions: a .json or .txt met while walking a folder may be anything
# (a schema, a note); when no parser claims it, it is skipped rather than failed.
_GENERIC = (".json", ".txt")
NOT_A_SOURCE = "not a recognised source format"


def _with_definitions(parsed: Parsed) -> Parsed:
    """``parsed`` with the abbreviations each document defines read (in the parser process:
    the writing process, the bottleneck, only inserts them)."""
    parsed.abbreviations = [document_definitions(d.title, d.text) for d in parsed.documents]
    return parsed


def _parse(item: SourceFile) -> tuple[str, Parsed | None, str | None]:
    """Parse one file; returns (format, parsed, error). Runs in a worker process."""
    fmt = UNKNOWN
    try:
        parser = detect(item.name, item.data[:4096])
        fmt = parser.FORMAT
        return fmt, _with_definitions(parser.parse(item.data, item.name)), None
    except UnsupportedFormat as exc:
        if not item.explicit and item.name.lower().endswith(_GENERIC):
            return fmt, None, NOT_A_SOURCE
        return fmt, None, str(exc)
    except MedciteError as exc:
        return fmt, None, str(exc)
    except Exception as exc:  # a parser bug must not abort the batch
        return fmt, None, f"parser error: {type(exc).__name__}: {exc}"


SPLIT_BYTES = 256 * 1024  # files larger than this are parsed in parts when a parser can split

# Between processes a Parsed travels as plain tuples: unpickling the frozen, slotted
# dataclasses restores each field with a setattr call, and costs the writing process
# (the bottleneck) half again as much as unpickling tuples and calling the constructors.
Packed = tuple[list[tuple[Any, ...]], list[VocabTerm], list[str], list[list[tuple[str, str]]] | None]
_DOC_FIELDS = tuple(f.name for f in fields(Document))
_PASSAGES_AT = _DOC_FIELDS.index("passages")
_doc_values = attrgetter(*_DOC_FIELDS)
_passage_values = attrgetter(*(f.name for f in fields(Passage)))
_new_document: Callable[..., Document] = Document  # positional, in field order


def _pack(parsed: Parsed) -> Packed:
    rows = []
    for doc in parsed.documents:
        row = _doc_values(doc)
        rows.append((*row[:_PASSAGES_AT], tuple(map(_passage_values, doc.passages)), *row[_PASSAGES_AT + 1:]))
    return rows, parsed.vocab, parsed.skipped, parsed.abbreviations


def _unpack(packed: Packed) -> Parsed:
    rows, vocab, skipped, abbreviations = packed
    documents = [
        _new_document(*row[:_PASSAGES_AT], tuple(Passage(*p) for p in row[_PASSAGES_AT]), *row[_PASSAGES_AT + 1:])
        for row in rows
    ]
    return Parsed(documents=documents, vocab=vocab, skipped=skipped, abbreviations=abbreviations)


def _parse_packed(item: SourceFile) -> tuple[str, Packed | None, str | None]:
    """``_parse`` in a worker process."""
    fmt, parsed, error = _parse(item)
    return fmt, None if parsed is None else _pack(parsed), error


def _parse_part(data: bytes, name: str, fmt: str) -> Packed:
    """One part of a split file, in a worker process."""
    parser = next(p for p in PARSERS if fmt == p.FORMAT)
    return _pack(_with_definitions(parser.parse(data, name)))


class _Split:
    """Futures for the parts of one file, resolved together (falls back to a whole-file
    parse on any error, so the reported reason and position refer to the real file)."""

    def __init__(self, item: SourceFile, fmt: str, futures: list[Future[Any]]) -> None:
        self.item, self.fmt, self.futures = item, fmt, futures

    def results(self, idle: Idle | None = None) -> Iterator[tuple[str, Parsed | None, str | None]]:
        """Each part's result in order, so indexing overlaps the parsing of later parts.

        On an error in any part, the whole file is parsed once more to report the
        exact reason and position; records of parts before it are kept.
        """
        done = 0
        for fut in self.futures:
            try:
                part = _unpack(_wait(fut, idle))
            except Exception:
                fmt, _, error = _parse(self.item)
                if done:
                    error = f"{error} (the {done} records before the error were ingested)"
                yield fmt, None, error or "unknown error"
                for rest in self.futures:
                    rest.cancel()
                return
            done += len(part.documents)
            yield self.fmt, part, None


def _submit(pool: Executor, item: SourceFile) -> Future[Any] | _Split:
    if len(item.data) > SPLIT_BYTES:
        try:
            parser = detect(item.name, item.data[:4096])
        except MedciteError:
            parser = None
        splitter = getattr(parser, "split", None)
        parts = splitter(item.data, item.name) if splitter else None
        if parser is not None and parts:
            return _Split(item, parser.FORMAT, [pool.submit(_parse_part, p, item.name, parser.FORMAT) for p in parts])
    return pool.submit(_parse_packed, item)


Result = tuple[str, Parsed | None, str | None]


def _wait(fut: Future[Any], idle: Idle | None) -> Any:
    if idle is not None and not fut.done():
        idle()  # the result is not there yet: do other work instead of waiting
    return fut.result()


def _results(fut: Future[Any] | _Split | None, idle: Idle | None) -> list[Result] | Iterator[Result]:
    if fut is None:
        return []
    if isinstance(fut, _Split):
        return fut.results(idle)
    fmt, packed, error = _wait(fut, idle)
    return [(fmt, None if packed is None else _unpack(packed), error)]


def _end_with_parent(parent: int, method: str) -> None:
    """Runs first in each parser process: it ends when the ingest that started it does, even
    one killed with SIGKILL (no cleanup runs then, and an idle worker would wait on its task
    queue for ever). On Linux the kernel kills it (PR_SET_PDEATHSIG); everywhere a thread
    checks every half second that its parent is still the one it started with. (Under the
    "forkserver" start method the parent is the fork server, which exits with the ingest.)"""
    try:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        started_by = os.getppid()
        if method != "forkserver" and started_by != parent:  # the ingest died before we got here
            os._exit(1)
        threading.Thread(target=_watch_parent, args=(started_by,), name="medcite-parent-watch",
                         daemon=True).start()
    except Exception:  # an initializer that raises breaks the pool; the queue still works
        pass


def _watch_parent(started_by: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != started_by:  # orphaned: adopted by init or a subreaper
            os._exit(1)


def _name_for_parsers(item: SourceFile, folder: str | None) -> SourceFile:
    """The file as parsers see it: named relative to the folder the user gave (``folder``,
    absolute), or by its own name when the file was named directly (None), so that ids
    derived from the name do not depend on how the path was typed (absolute, relative,
    through "." or ".."). An archive member keeps its name inside the archive. Reports and
    the stored source path keep the path as typed."""
    if item.member is not None:
        return item
    name = os.path.relpath(os.path.abspath(item.path), folder) if folder else os.path.basename(item.path)
    return replace(item, path=name)


Walked = tuple[SourceFile | Skipped | Unreadable, SourceFile | None]


def _walk_all(paths: Iterable[str | Path], budget: Budget) -> Iterator[Walked]:
    """Each walked item, with the file to hand to a parser (None for a skip or failure)."""
    for path in paths:
        folder = os.path.abspath(path) if os.path.isdir(path) else None
        for item in walk(path, budget=budget):
            yield item, (_name_for_parsers(item, folder) if isinstance(item, SourceFile) else None)


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Local parser processes, each ending with the ingest that started it."""
    context = multiprocessing.get_context()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_end_with_parent,
                               initargs=(os.getpid(), context.get_start_method()))


def _parsed_stream(
    items: Iterable[Walked], workers: int, idle: Idle | None = None, executor: Executor | None = None,
) -> Iterator[tuple[SourceFile | Skipped | Unreadable, Iterable[Result]]]:
    """Pair each walked item with the parse results of its file, in order, parsing in parallel.

    The parallel map behind ``ingest``: files (and the parts of a split file) are submitted to
    ``executor`` (default: ``workers`` local processes; a Ray cluster's tasks with
    ``distributed.RayExecutor``), at most ``workers * 8`` files ahead of the one whose results
    are yielded. A file yields one result, or one per part when it was split for parallel
    parsing. ``idle`` is called when the next result is not ready yet (the caller writes what
    it has meanwhile), never in the single-process mode (``workers`` 1, no executor).
    """
    if executor is None and workers <= 1:
        for item, job in items:
            yield item, ([_parse(job)] if job is not None else [])
        return
    window = max(1, workers) * 8
    pending: deque[tuple[SourceFile | Skipped | Unreadable, Future[Any] | _Split | None]] = deque()
    with nullcontext(executor) if executor is not None else _process_pool(workers) as pool:
        for item, job in items:
            fut = _submit(pool, job) if job is not None else None
            pending.append((item, fut))
            while len(pending) >= window:
                head, hfut = pending.popleft()
                yield head, _results(hfut, idle)
        while pending:
            head, hfut = pending.popleft()
            yield head, _results(hfut, idle)


def default_workers() -> int:
    """Parser processes when the ``ingest.workers`` setting (``MEDCITE_WORKERS``) is not set."""
    return min(4, os.cpu_count() or 1)


def ingest(
    paths: Iterable[str | Path],
    store: EvidenceStore,
    batch_size: int = 500,
    workers: int | None = None,
    progress: Progress | None = None,
    articles: EditorialStore | None = None,
    executor: Executor | None = None,
) -> IngestReport:
    """Ingest every file under ``paths`` into ``store``; never raises for bad input.

    With ``articles``, approved articles citing a document whose text changed become
    "Needs re-review" (``report.flagged``). Files are parsed by ``workers`` local processes,
    or by ``executor`` when given (``distributed.RayExecutor``: tasks on a Ray cluster;
    ``workers`` then says how many run at once); either way this process alone writes, in
    the same batched transactions.
    """
    report = IngestReport()
    started = time.perf_counter()
    workers = default_workers() if workers is None else workers
    batch: list[tuple[Document, str, str, list[tuple[str, str]]]] = []
    files = 0

    def flush() -> None:
        if not batch:
            return
        by_source: dict[str, list[tuple[Document, str, list[tuple[str, str]]]]] = {}
        for doc, fmt, src, defined in batch:
            by_source.setdefault(src, []).append((doc, fmt, defined))
        for src, pairs in by_source.items():
            statuses = store.upsert([d for d, _, _ in pairs], source_path=src,
                                    abbreviations=[a for _, _, a in pairs])
            for (doc, fmt, _), status in zip(pairs, statuses, strict=True):
                setattr(report.tally(fmt), status, getattr(report.tally(fmt), status) + 1)
                if status == "updated":
                    report.changed.append(doc.doc_id)
                report.documents += 1
                report.passages += len(doc.passages)
        batch.clear()

    def flush_while_waiting() -> None:
        # Parser processes are still busy: write the documents parsed so far rather than
        # wait for a full batch, so indexing overlaps parsing. A floor keeps transactions
        # from getting so small that their fixed cost dominates.
        if len(batch) >= max(1, batch_size // 5):
            flush()

    budget = Budget()  # decompression limits hold for the whole run, not per path
    walked = _walk_all(paths, budget)
    for item, results in _parsed_stream(walked, workers, flush_while_waiting, executor):
        files += 1
        if isinstance(item, Skipped):
            report.skipped_files += 1
            report.skips.append(Failure(item.path, item.member, item.reason))
        elif isinstance(item, Unreadable):
            report.tally(UNKNOWN).failed += 1
            report.failures.append(Failure(item.path, item.member, item.reason))
        else:
            first = True
            for fmt, parsed, error in results:
                if error == NOT_A_SOURCE:
                    report.skipped_files += 1
                    report.skips.append(Failure(item.path, item.member, NOT_A_SOURCE))
                    continue
                tally = report.tally(fmt)
                tally.read += first
                first = False
                if error is not None or parsed is None:
                    tally.failed += 1
                    report.failures.append(Failure(item.path, item.member, error or "unknown error"))
                    continue
                tally.skipped += len(parsed.skipped)
                if parsed.vocab:
                    report.vocab_terms += store.add_vocab(parsed.vocab)
                source = f"{item.path}::{item.member}" if item.member else item.path
                defined = parsed.abbreviations
                if defined is None or len(defined) != len(parsed.documents):
                    defined = _with_definitions(parsed).abbreviations or []
                batch.extend((doc, fmt, source, d) for doc, d in zip(parsed.documents, defined, strict=True))
                if len(batch) >= batch_size:
                    flush()
        if progress is not None:
            progress(files, report.documents + len(batch), report.passages)
    flush()
    if articles is not None and report.changed:
        report.flagged = [a.id for a in flag_stale_articles(articles, store, report.changed)]
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(files, report.documents, report.passages)
    return report
