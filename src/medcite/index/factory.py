"""One factory for passage indexes, chosen by URL (``index.url``, ``MEDCITE_INDEX_URL``).

- empty, ``sqlite:`` or ``local:`` — the embedded default: BM25 and vector files beside the
  SQLite store (``index.local``);
- ``milvus://host:19530/collection`` — a Milvus server or cluster; ``milvus-lite:///path/file.db``
  — Milvus's embedded engine (``index.milvus``, ``pip install medcite[milvus]``).

A third backend is one module plus an entry point in the ``medcite.indexes`` group naming a
callable ``(url, store, embedder) -> PassageIndex``; built-in schemes win over entry points.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import MedciteError

if TYPE_CHECKING:
    from ..store import EvidenceStore
    from .base import PassageIndex

Opener = Callable[[str, "EvidenceStore", str], "PassageIndex"]
GROUP = "medcite.indexes"
_BUILTIN = {
    "": "medcite.index.local:open_local",
    "sqlite": "medcite.index.local:open_local",
    "local": "medcite.index.local:open_local",
    "milvus": "medcite.index.milvus:open_milvus",
    "milvus-lite": "medcite.index.milvus:open_milvus",
}


def scheme(url: str) -> str:
    return urlsplit(url).scheme.lower() if "://" in url or url.endswith(":") else ""


def _load(target: str) -> Opener:
    module, _, name = target.partition(":")
    opener: Opener = getattr(import_module(module), name)
    return opener


def opener_for(url: str) -> Opener:
    """The backend's opener for ``url``; unknown schemes name the ones there are."""
    key = scheme(url)
    if key in _BUILTIN:
        return _load(_BUILTIN[key])
    for ep in entry_points(group=GROUP):
        if ep.name == key:
            opener: Opener = ep.load()
            return opener
    known = sorted({k for k in _BUILTIN if k} | {ep.name for ep in entry_points(group=GROUP)})
    raise MedciteError(f"no passage index backend for {key!r} URLs (index.url {url!r}); "
                       f"known: {', '.join(known)}")


def open_index(url: str, store: EvidenceStore, embedder: str = "") -> PassageIndex:
    """The passage index ``url`` names, over ``store``'s passages, holding ``embedder``'s vectors
    (empty: no dense search). Not refreshed: call ``refresh(store)`` before searching."""
    return opener_for(url)(url, store, embedder)


# Indexes that keep their own data behind a connection (a Milvus server, a Milvus Lite engine)
# rather than reading the store's files: opening one costs a connection and several requests,
# so the process keeps one per (URL, embedder) for every retriever (`medcite serve` makes one
# per request). Their refresh is thread-safe and takes the caller's store.
SHARED_SCHEMES = frozenset({"milvus", "milvus-lite"})
_shared: dict[tuple[str, str], PassageIndex] = {}
_shared_lock = threading.Lock()


def shared_index(url: str, store: EvidenceStore, embedder: str = "") -> PassageIndex:
    """The process's index for ``url`` and ``embedder`` (opened on first use, not refreshed)."""
    with _shared_lock:
        index = _shared.get((url, embedder))
        if index is None:
            index = _shared[(url, embedder)] = open_index(url, store, embedder)
        return index


def close_shared_indexes() -> None:
    """Close the indexes ``shared_index`` opened (tests; a process ending needs no call)."""
    with _shared_lock:
        indexes = list(_shared.values())
        _shared.clear()
    for index in indexes:
        index.close()


def is_shared(url: str) -> bool:
    """Whether ``url``'s backend is opened once per process (``shared_index``), not per retriever."""
    return scheme(url) in SHARED_SCHEMES
