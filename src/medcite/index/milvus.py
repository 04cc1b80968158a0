"""A passage index in Milvus: a server (``milvus://host:19530/collection``) or Milvus Lite in
this process (``milvus-lite:///path/file.db``). ``pip install medcite[milvus]``.

Layout, for the collection name ``C`` (URL path of a server URL, ``?collection=`` of a Lite URL,
default ``medcite_passages``):

- ``C`` — one row per passage: ``passage_id`` (INT64 primary key), ``doc_id``, ``text``
  (VARCHAR: what is searched, as medcite's own analyzer's terms (``retrieve.analyze``) joined
  by spaces, the engine splitting on whitespace only — the document title 4 times, the
  section once, the passage text twice: the local index's field weights 2/0.5/1 doubled, with
  k1 doubled to match, so that BM25 ranks as the local index does (see ``_K1``)), ``sparse``
  (filled by a BM25 Function from ``text``), ``terms`` (the passage's
  distinct terms) and ``terms_sparse`` (BM25 of ``terms`` with b≈0: every passage holding a
  term scores exactly its idf, so one top-1 search per term gives its document frequency),
  ``source_type``, ``year`` (0: unknown), ``evidence_level``. The passage text itself is read
  from the store, which stays the truth.
- ``C__vec_<embedder>`` — one row per passage that has a vector of the embedder: ``passage_id``,
  ``vector`` (FLOAT_VECTOR of the vectors' width), and ``source_type``/``year`` again so that a
  filtered dense search needs no join. Milvus 2.5 has no nullable vector field, and passages
  are embedded long after they are ingested, so vectors live in a collection of their own,
  created when the first vector arrives (its width is read off the store's vectors).
- ``C__meta`` — key/value rows (plus a 2-d dummy vector: Milvus wants one per collection):
  the store stamp each part was last brought up to. ``refresh`` compares it with the store,
  so a second refresh is a no-op, and writes it only after a complete pass, so an interrupted
  one is redone by the next (which diffs ids and upserts: nothing twice, nothing missing).

URL query options: ``index`` (dense index type: ``HNSW`` default on a server, ``FLAT`` on
Milvus Lite, which only builds FLAT, IVF_FLAT and AUTOINDEX; ``IVF_SQ8``, ``IVF_FLAT``, …
where the server has them — int8 vectors need Milvus 2.6 and are not offered), ``metric``
(``COSINE`` default, or ``IP``), ``batch`` (rows per insert, default 1000), ``timeout``
(seconds to wait for a server, default 10), ``request_timeout`` (seconds one request may take,
retries included, default 60: pymilvus would otherwise retry a vanished server for minutes),
``load_timeout`` (seconds loading a collection into the engine may take, default 600: Milvus
Lite took about 4 minutes for a million passages, so the first search of a process timed out
at ``request_timeout``),
``db`` (a server's database), ``collection``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from ..errors import ConfigError, MissingExtra, StoreError
from ..retrieve.analyze import analyze
from ..store.fts_query import MAX_TERMS
from .base import NO_FILTER, IndexFilter, IndexSize

if TYPE_CHECKING:
    from ..store import EvidenceStore
    from ..types import Hit

EXTRA = "milvus"
FEATURE = "the Milvus passage index"
DEFAULT_COLLECTION = "medcite_passages"
LAYOUT = "4"  # bumped when the collections' fields change: a mismatch rebuilds them
MAX_TOPK = 16384  # Milvus's cap on limit (and offset + limit) of one search
MAX_VARCHAR = 65535
_PAGE = 10000  # ids per query when listing a collection's keys
_ID_CHUNK = 2000  # ids per ``get``/``delete`` request: keeps expressions well under gRPC limits
_DF_CHUNK = 1000  # terms per document-frequency search (one query vector each)
_DF_MEMO = 100_000  # document frequencies remembered per index while the store is unchanged
_VEC_MEMO = 20_000  # vectors remembered likewise (~30 MB of 384-d float32)
# Text is analysed here, by medcite's analyzer, so the engine only splits on whitespace: the
# same terms as the local index, and document_frequencies can look up an analysed term as is.
_ANALYZER = {"tokenizer": "whitespace"}
# BM25 b of ``terms_sparse``: Milvus reads b=0 as "unset" (0.75), and any b this small leaves
# a score of idf·(k1+1)·tf/(tf+k1) = idf for tf=1 to float32 precision.
_DF_B = 1e-9
# The local index scores BM25F-lite (index.bm25): tf and length weighted 2/0.5/1 by field,
# k1 = 1.2, b = 0.75. Milvus counts whole tokens, so fields are repeated 4/1/2 times (twice the
# weights): tf and length double, and with k1 doubled too a score is the local one times
# (2·k1 + 1)/(k1 + 1) for every term and passage — the same ranking, rescaled in ``lexical``.
_K1, _B = 1.2, 0.75
_REPEAT = (4, 1, 2)  # title, section, text
_RESCALE = (_K1 + 1) / (2 * _K1 + 1)

_LITE_USERS: dict[str, int] = {}  # open MilvusIndex objects per Milvus Lite file, in this process
P = ParamSpec("P")
R = TypeVar("R")


class MilvusUnavailable(StoreError):
    """The Milvus server could not be reached, or refused a request."""


def _milvus_errors() -> tuple[type[BaseException], ...]:
    from grpc import RpcError
    from pymilvus.exceptions import MilvusException

    return MilvusException, RpcError


def _one_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or getattr(exc, "details", lambda: None)() or str(exc)
    return " ".join(str(message).split())[:300]


@contextmanager
def _quiet() -> Iterator[None]:
    """pymilvus logs every failed request at ERROR before raising it; the error raised here
    says the same in one line, so its log is silenced meanwhile."""
    loggers = [logging.getLogger(name) for name in ("pymilvus", "pymilvus.milvus_client")]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def _wrapped(method: Callable[P, R]) -> Callable[P, R]:
    """Engine errors become ``MilvusUnavailable`` with one line naming the index."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with _quiet():
                return method(*args, **kwargs)
        except _milvus_errors() as exc:
            index = args[0]
            raise MilvusUnavailable(f"Milvus index {getattr(index, 'where', '?')}: {method.__name__} failed: "
                                    f"{_one_line(exc)}") from exc

    return call


class _Timed:
    """A MilvusClient whose requests all carry ``timeout`` (which also bounds pymilvus's retries)."""

    _UNTIMED = frozenset({"create_schema", "prepare_index_params", "close"})

    def __init__(self, client: Any, timeout: float) -> None:
        # pymilvus bounds its retries by ``timeout`` only when it is an int (decorators.py).
        self._client, self._timeout = client, max(1, round(timeout))

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name in self._UNTIMED or not callable(attr):
            return attr
        return functools.partial(attr, timeout=self._timeout)


def _safe(name: str) -> str:
    """``name`` as a collection-name suffix; a hash tells apart names that fold alike."""
    folded = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return f"{folded}_{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def _quote(value: str) -> str:
    return json.dumps(value)  # a Milvus string literal is double-quoted with JSON escapes


def _chunks(items: Sequence[int] | np.ndarray, size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield [int(i) for i in items[start:start + size]]


def _ranked(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
    """Best first, ties by ascending passage id."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


class MilvusIndex:
    """``PassageIndex`` over a Milvus collection (see the module docstring for the layout).

    Differences from the contract, as far as the engine allows:

    - ``lexical`` scores as the local backend does (medcite's analyzer runs here, on passages
      and queries alike; the same field-weighted BM25, see ``_K1``), up to float32 rounding.
      Milvus scores one text per search, so parts are merged client side: each term is kept
      once, at the weight of its first part, and the terms of each weight are searched together
      (one request); a passage scores the weighted sum. With more than one weight, each search
      returns only its top ``max(4k, 200)``, and a passage outside one of them misses that share
      of its score (exact with a single weight).
    - ``document_frequencies`` reads each term's idf off a top-1 search of ``terms_sparse``
      (all terms in one request) and inverts it with the passage count: exact to float32
      precision (about 1 in 10^6). Milvus Lite 2.5 rejects ``TEXT_MATCH`` filters, and
      counting a search's hits took seconds for a term in 30,000 passages.
    - While the store is unchanged since the last ``refresh`` found the index up to date,
      ``refresh`` and ``size`` answer from memory and document frequencies are remembered.
    - Milvus Lite builds only FLAT, IVF_FLAT and AUTOINDEX dense indexes (exact search with
      FLAT); HNSW or IVF_SQ8 on a server make ``dense`` approximate.
    - Concurrent refreshes of one collection are not coordinated (upserts keep them from
      duplicating rows, but each may redo the other's work).
    """

    def __init__(self, url: str, embedder: str = "") -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:
            raise MissingExtra(FEATURE, EXTRA, "pymilvus") from exc
        self.url = url
        self.embedder = embedder
        parts = urlsplit(url)
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.lite = parts.scheme.lower() == "milvus-lite"
        kwargs: dict[str, Any] = {}
        if self.lite:
            path = Path(unquote(parts.path)).expanduser()
            if not path.name.endswith(".db"):
                raise ConfigError(f"index.url {url!r}: a Milvus Lite file must end in .db")
            if not re.fullmatch(r"[A-Za-z0-9.\-_]{1,35}", path.name):
                # Milvus Lite's own rule for the file name (it names a socket after it).
                raise ConfigError(f"index.url {url!r}: a Milvus Lite file name must be at most 35 "
                                  "letters, digits, '.', '-' or '_'")
            try:
                with warnings.catch_warnings():
                    # milvus-lite 2.5 imports pkg_resources (hence setuptools<81), which warns.
                    warnings.simplefilter("ignore", UserWarning)
                    warnings.simplefilter("ignore", DeprecationWarning)
                    import milvus_lite  # noqa: F401  (pymilvus imports it only when connecting)
            except ImportError as exc:
                raise MissingExtra(FEATURE, EXTRA, "milvus-lite") from exc
            path.parent.mkdir(parents=True, exist_ok=True)
            uri = str(path.resolve())
            self.where = uri
            name = options.get("collection", DEFAULT_COLLECTION)
        else:
            if not parts.hostname:
                raise ConfigError(f"index.url {url!r}: expected milvus://host:port/collection")
            host = f"{parts.hostname}:{parts.port or 19530}"
            uri = f"{'https' if options.get('tls') in ('1', 'true') else 'http'}://{host}"
            self.where = host
            name = unquote(parts.path.strip("/")) or options.get("collection", DEFAULT_COLLECTION)
            if parts.username:
                kwargs["token"] = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            if "db" in options:
                kwargs["db_name"] = options["db"]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", name):
            raise ConfigError(f"index.url {url!r}: collection name {name!r} must be letters, digits and '_'")
        self.collection = name
        self.meta_collection = f"{name}__meta"
        self.vec_collection = f"{name}__vec_{_safe(embedder)}" if embedder else ""
        self.index_type = options.get("index", "FLAT" if self.lite else "HNSW").upper()
        self._index_asked = "index" in options
        self.metric = options.get("metric", "COSINE").upper()
        if self.metric not in ("COSINE", "IP"):
            raise ConfigError(f"index.url {url!r}: metric must be COSINE or IP, not {self.metric!r}")
        try:
            self.batch = max(1, int(options.get("batch", 1000)))
            timeout = float(options.get("timeout", 10))
            request_timeout = float(options.get("request_timeout", 60))
            self.load_timeout = max(1, round(float(options.get("load_timeout", max(600.0, request_timeout)))))
        except ValueError as exc:
            raise ConfigError(f"index.url {url!r}: {exc}") from None
        # A connection of its own: pymilvus shares one per URI by default, and closing any
        # client would cut off the others.
        kwargs["alias"] = f"medcite-{uuid.uuid4().hex}"
        try:
            with _quiet():
                self.client: Any = _Timed(MilvusClient(uri=uri, timeout=timeout, **kwargs), request_timeout)
        except _milvus_errors() as exc:
            kind = "start Milvus Lite on" if self.lite else "reach the Milvus server at"
            hint = " (is another process using the file?)" if self.lite else ""
            raise MilvusUnavailable(f"cannot {kind} {self.where} (index.url {url!r}): "
                                    f"{_one_line(exc)}{hint}") from exc
        if self.lite:
            _LITE_USERS[uri] = _LITE_USERS.get(uri, 0) + 1
        self._closed = False
        # The store stamps the index was last found up to date with, and what was read since.
        self._fresh: tuple[str, str] | None = None
        self._size: IndexSize | None = None
        self._dfs: dict[str, int] = {}
        self._vec_ready: bool | None = None
        self._vecs: dict[int, np.ndarray] = {}
        self._lock = threading.RLock()  # one refresh at a time when threads share this index
        self._ensure_collections()

    # -- collections ---------------------------------------------------------------------

    @_wrapped
    def _ensure_collections(self) -> None:
        from pymilvus import DataType

        c = self.client
        if self._ready(self.meta_collection):
            self._load(self.meta_collection)
            if self._meta().get("layout") != LAYOUT:
                for name in (self.collection, *self._vec_collections()):
                    c.drop_collection(name)
                c.drop_collection(self.meta_collection)
        if not self._ready(self.meta_collection):
            c.drop_collection(self.meta_collection)
            schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
            schema.add_field("value", DataType.VARCHAR, max_length=4096)
            schema.add_field("dummy", DataType.FLOAT_VECTOR, dim=2)
            params = c.prepare_index_params()
            params.add_index("dummy", index_type="FLAT", metric_type="L2")
            c.create_collection(self.meta_collection, schema=schema, index_params=params,
                                consistency_level="Strong")
            self._set_meta({"layout": LAYOUT})
        if not self._ready(self.collection):
            # New, or half made by a process that died: whatever stamps say, refill it all.
            c.drop_collection(self.collection)
            self._forget(*[k for k in self._meta() if k != "layout"])
            self._create_passages()
        self._load(self.collection)
        if self.vec_collection and c.has_collection(self.vec_collection):
            if not self._ready(self.vec_collection):
                c.drop_collection(self.vec_collection)
                self._forget(f"vectors:{self.embedder}")
                return
            self._load(self.vec_collection)
            self.index_type = str(c.describe_index(self.vec_collection, "vector").get("index_type",
                                                                                       self.index_type))

    def _ready(self, name: str) -> bool:
        """Whether ``name`` exists and is indexed (creating and indexing are separate requests)."""
        return bool(self.client.has_collection(name) and self.client.list_indexes(name))

    def _vec_collections(self) -> list[str]:
        prefix = f"{self.collection}__vec_"
        return [n for n in self.client.list_collections() if n.startswith(prefix)]

    def _load(self, name: str) -> None:
        from pymilvus.client.types import LoadState

        if self.client.get_load_state(name).get("state") != LoadState.Loaded:
            # Loading reads the whole collection (minutes for a million passages): a timeout of its own.
            self.client.load_collection(name, timeout=self.load_timeout)

    def _create_passages(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("passage_id", DataType.INT64, is_primary=True)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=512)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         analyzer_params=_ANALYZER)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("terms", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         analyzer_params=_ANALYZER)
        schema.add_field("terms_sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("source_type", DataType.VARCHAR, max_length=64)
        schema.add_field("year", DataType.INT32)
        schema.add_field("evidence_level", DataType.VARCHAR, max_length=64)
        schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        schema.add_function(Function(name="terms_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["terms"], output_field_names=["terms_sparse"]))
        params = c.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": 2 * _K1, "bm25_b": _B})
        params.add_index("terms_sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": 1.2, "bm25_b": _DF_B})
        c.create_collection(self.collection, schema=schema, index_params=params, consistency_level="Strong")

    def _create_vectors(self, dim: int) -> None:
        from pymilvus import DataType
        from pymilvus.exceptions import MilvusException

        c = self.client
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("passage_id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("source_type", DataType.VARCHAR, max_length=64)
        schema.add_field("year", DataType.INT32)
        # Created without an index, then indexed: a rejected index type must not leave a
        # collection behind that later opens look like a finished one.
        c.create_collection(self.vec_collection, schema=schema, consistency_level="Strong")
        index_type = self.index_type
        for attempt in (0, 1):
            params = c.prepare_index_params()
            params.add_index("vector", index_type=index_type, metric_type=self.metric,
                             params=_index_params(index_type))
            try:
                c.create_index(self.vec_collection, params)
                break
            except MilvusException as exc:
                # Milvus Lite behind a milvus:// URL builds no HNSW: fall back to exact search
                # unless the URL asked for that index by name.
                if attempt or self._index_asked or "only support" not in exc.message:
                    c.drop_collection(self.vec_collection)
                    raise ConfigError(f"index.url {self.url!r}: dense index {index_type}: "
                                      f"{_one_line(exc)}") from None
                index_type = "FLAT"
        self.index_type = index_type
        c.load_collection(self.vec_collection)

    # -- meta ----------------------------------------------------------------------------

    def _meta(self) -> dict[str, str]:
        rows = self.client.query(self.meta_collection, filter='key != ""', output_fields=["key", "value"])
        return {r["key"]: r["value"] for r in rows}

    def _forget(self, *keys: str) -> None:
        if keys:
            self.client.delete(self.meta_collection, ids=list(keys))

    def _set_meta(self, values: dict[str, str]) -> None:
        self.client.upsert(self.meta_collection,
                           [{"key": k, "value": v, "dummy": [0.0, 0.0]} for k, v in values.items()])

    # -- refresh -------------------------------------------------------------------------

    @_wrapped
    def refresh(self, store: EvidenceStore, *,
                progress: Callable[[str, int, int], None] | None = None) -> None:
        """Bring the collections up to the store (see the class docs); ``progress(part, done,
        total)`` is called after each batch written (``part``: ``passages`` or ``vectors``)."""
        stamp = store.passage_stamp()  # read first: a change during the pass makes the next redo it
        vstamp = f"{stamp}|{store.vector_count(self.embedder)}" if self.embedder else ""
        with self._lock:
            if self._fresh == (stamp, vstamp):
                return  # found up to date with this very store state: nothing to ask the engine
            self._forget_reads()
            meta = self._meta()
            vkey = f"vectors:{self.embedder}"
            if meta.get("passages") != stamp or meta.get(vkey, "") != vstamp:
                store_ids = np.asarray(store.passage_ids(), dtype=np.int64)
                if meta.get("passages") != stamp:
                    self._sync_passages(store, store_ids, progress)
                    self._set_meta({"passages": stamp})
                if self.embedder and meta.get(vkey) != vstamp:
                    self._sync_vectors(store, store_ids, progress)
                    self._set_meta({vkey: vstamp})
            self._fresh = (stamp, vstamp)

    def _ids(self, collection: str) -> np.ndarray:
        """Every passage id in ``collection``, ascending."""
        # Paged by primary key as pymilvus's query iterator pages (a query with a limit returns
        # the lowest keys first), without the iterator's warning on Milvus Lite.
        out: list[int] = []
        last = -1
        while True:
            rows = self.client.query(collection, filter=f"passage_id > {last}", limit=_PAGE,
                                     output_fields=["passage_id"])
            page = [int(r["passage_id"]) for r in rows]
            out.extend(page)
            if len(page) < _PAGE:
                return np.unique(np.asarray(out, dtype=np.int64))
            last = max(page)

    def _delete(self, collection: str, ids: np.ndarray) -> None:
        for chunk in _chunks(ids, _ID_CHUNK):
            self.client.delete(collection, ids=chunk)

    def _sync_passages(self, store: EvidenceStore, store_ids: np.ndarray,
                       progress: Callable[[str, int, int], None] | None) -> None:
        have = self._ids(self.collection)
        self._delete(self.collection, np.setdiff1d(have, store_ids, assume_unique=True))
        new = np.setdiff1d(store_ids, have, assume_unique=True)
        done = 0
        for chunk in _chunks(new, self.batch):
            rows = [{"passage_id": h.passage_id, "doc_id": h.doc_id[:512], **_searched(h),
                     "source_type": h.source_type, "year": int(h.year or 0),
                     "evidence_level": h.evidence_level or ""} for h in store.passages_by_id(chunk)]
            if rows:
                # upsert, not insert: a request the server applied before a crash is not doubled.
                self.client.upsert(self.collection, rows)
            done += len(chunk)
            if progress:
                progress("passages", done, len(new))

    def _sync_vectors(self, store: EvidenceStore, store_ids: np.ndarray,
                      progress: Callable[[str, int, int], None] | None) -> None:
        c = self.client
        exists = c.has_collection(self.vec_collection)
        have = self._ids(self.vec_collection) if exists else np.zeros(0, np.int64)
        if exists:
            self._delete(self.vec_collection, np.setdiff1d(have, store_ids, assume_unique=True))
        # A passage id's text never changes (a replaced passage gets a new id), so a vector
        # once indexed stays right; only passages without one are looked up.
        todo = np.setdiff1d(store_ids, have, assume_unique=True)
        done = 0
        for chunk in _chunks(todo, self.batch):
            ids, mat = store.passage_vectors(self.embedder, chunk)
            if len(ids):
                if not exists:
                    self._create_vectors(int(mat.shape[1]))
                    exists = True
                hits = {h.passage_id: h for h in store.passages_by_id([int(i) for i in ids])}
                rows = [{"passage_id": int(pid), "vector": np.asarray(vec, dtype=np.float32).tolist(),
                         "source_type": hits[int(pid)].source_type, "year": int(hits[int(pid)].year or 0)}
                        for pid, vec in zip(ids, mat, strict=True) if int(pid) in hits]
                if rows:
                    c.upsert(self.vec_collection, rows)
            done += len(chunk)
            if progress:
                progress("vectors", done, len(todo))

    # -- search --------------------------------------------------------------------------

    @staticmethod
    def _filter(where: IndexFilter) -> str:
        clauses = []
        if where.source_types:
            clauses.append(f"source_type in [{', '.join(_quote(s) for s in where.source_types)}]")
        if where.since is not None:
            clauses.append(f"year >= {int(where.since)} and year > 0")
        return " and ".join(clauses)

    def _search(self, collection: str, field: str, query: Any, k: int, expr: str,
                params: dict[str, Any]) -> dict[int, float]:
        """Scores of the top ``k``, widened until the ``k``-th score is no longer tied at the
        edge of what came back, so that ties are broken by id, not by the engine."""
        limit = min(MAX_TOPK, k + 16)
        while True:
            if field == "vector" and self.index_type == "HNSW":
                params = {**params, "params": {"ef": max(64, limit)}}  # HNSW returns at most ef
            res = self.client.search(collection, data=[query], anns_field=field, limit=limit,
                                     filter=expr, output_fields=[], search_params=params)[0]
            scores = {int(r["id"]): float(r["distance"]) for r in res}
            if len(res) < limit or limit >= MAX_TOPK or len(res) <= k:
                return scores
            ranked = sorted(scores.values(), reverse=True)
            if ranked[k - 1] > ranked[-1]:
                return scores
            limit = min(MAX_TOPK, limit * 4)

    @_wrapped
    def lexical(self, parts: Sequence[tuple[str, float]], k: int,
                where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]:
        if k <= 0:
            return []
        groups: dict[float, list[str]] = {}
        seen: set[str] = set()
        for text, weight in parts:
            if not isinstance(text, str) or weight <= 0:  # as the local index: claims no terms
                continue
            for term in analyze(text, unique=True)[:MAX_TERMS]:
                if term not in seen:
                    seen.add(term)
                    groups.setdefault(float(weight), []).append(term)
        if not groups:
            return []
        expr = self._filter(where)
        params = {"metric_type": "BM25"}
        if len(groups) == 1:
            ((weight, tokens),) = groups.items()
            found = [self._search(self.collection, "sparse", " ".join(tokens), k, expr, params)]
        else:  # every weight's terms in one request
            res = self.client.search(self.collection, data=[" ".join(t) for t in groups.values()],
                                     anns_field="sparse", limit=min(MAX_TOPK, max(4 * k, 200)), filter=expr,
                                     output_fields=[], search_params=params)
            found = [{int(r["id"]): float(r["distance"]) for r in hits} for hits in res]
        total: dict[int, float] = {}
        for weight, scores in zip(groups, found, strict=True):
            for pid, score in scores.items():
                if score > 0:
                    total[pid] = total.get(pid, 0.0) + weight * score * _RESCALE
        return _ranked(total, k)

    @_wrapped
    def dense(self, vector: np.ndarray, k: int, where: IndexFilter = NO_FILTER) -> list[tuple[int, float]]:
        if k <= 0 or not self._has_vectors():
            return []
        query = np.asarray(vector, dtype=np.float32).ravel().tolist()
        scores = self._search(self.vec_collection, "vector", query, k, self._filter(where),
                              {"metric_type": self.metric})
        return _ranked(scores, k)

    def _has_vectors(self) -> bool:
        if self._fresh is not None and self._vec_ready is not None:
            return self._vec_ready
        ready = bool(self.vec_collection and self.client.has_collection(self.vec_collection))
        if ready:
            self._load(self.vec_collection)
        if self._fresh is not None:
            self._vec_ready = ready
        return ready

    def _fetch(self, passage_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Vectors of the ids that have one; remembered while the store is unchanged (search
        asks for the same candidates' vectors up to three times: dense scores, feedback)."""
        out: dict[int, np.ndarray] = {}
        if not passage_ids or not self._has_vectors():
            return out
        memo = self._vecs if self._fresh is not None else {}
        wanted = list(dict.fromkeys(int(i) for i in passage_ids))
        for i in wanted:  # .get: another thread may clear the memo meanwhile
            vec = memo.get(i)
            if vec is not None:
                out[i] = vec
        for chunk in _chunks([i for i in wanted if i not in out], _ID_CHUNK):
            for row in self.client.get(self.vec_collection, ids=chunk, output_fields=["vector"]):
                out[int(row["passage_id"])] = np.asarray(row["vector"], dtype=np.float32)
        if self._fresh is not None:
            if len(self._vecs) > _VEC_MEMO:
                self._vecs.clear()
            self._vecs.update(out)
        return out

    @_wrapped
    def dense_scores(self, vector: np.ndarray, passage_ids: Sequence[int]) -> dict[int, float]:
        rows = self._fetch(passage_ids)
        if not rows:
            return {}
        ids = list(rows)
        mat = np.stack([rows[i] for i in ids])
        q = np.asarray(vector, dtype=np.float32).ravel()
        # Stored rows are float16 values: renormalise so that the score is the cosine itself.
        sims = mat @ q / np.maximum(np.linalg.norm(mat, axis=1), 1e-12)
        return {pid: float(s) for pid, s in zip(ids, sims, strict=True)}

    @_wrapped
    def vectors(self, passage_ids: Sequence[int]) -> np.ndarray:
        rows = self._fetch(passage_ids)
        found = [rows[int(i)] for i in passage_ids if int(i) in rows]
        if not found:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(found).astype(np.float32, copy=False)

    @_wrapped
    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        with self._lock:
            memo = self._dfs if self._fresh is not None else {}
            out = {t: memo[t] for t in wanted if t in memo}
            # A term is one whitespace-free token of medcite's analyzer; anything else is in no passage.
            todo = [t for t in wanted if t not in out and t and t == t.strip() and len(t.split()) == 1]
            out.update((t, 0) for t in wanted if t not in out and t not in todo)
            if todo:
                n = self._passages()
                for start in range(0, len(todo), _DF_CHUNK):
                    chunk = todo[start:start + _DF_CHUNK]
                    res = self.client.search(self.collection, data=chunk, anns_field="terms_sparse", limit=1,
                                             output_fields=[], search_params={"metric_type": "BM25"})
                    for term, hits in zip(chunk, res, strict=True):
                        out[term] = _df_of(float(hits[0]["distance"]), n) if len(hits) else 0
                if self._fresh is not None:
                    if len(self._dfs) > _DF_MEMO:
                        self._dfs.clear()
                    self._dfs.update((t, out[t]) for t in todo)
        return {t: out[t] for t in wanted}

    def _forget_reads(self) -> None:
        self._fresh, self._size, self._vec_ready = None, None, None
        self._dfs.clear()
        self._vecs.clear()

    def _passages(self) -> int:
        return self._size.passages if self._size is not None else self._count(self.collection)

    @_wrapped
    def size(self) -> IndexSize:
        with self._lock:
            if self._size is not None:
                return self._size
            passages = self._count(self.collection)
            vectors = self._count(self.vec_collection) if self._has_vectors() else 0
            size = IndexSize(passages, vectors, self.embedder)
            if self._fresh is not None:
                self._size = size
            return size

    def _count(self, collection: str) -> int:
        rows = self.client.query(collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    @_wrapped
    def drop(self) -> None:
        """Delete this index's collections (every embedder's vectors included)."""
        for name in (self.collection, self.meta_collection, *self._vec_collections()):
            self.client.drop_collection(name)
        self._forget_reads()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.client.close()
        except _milvus_errors():
            pass  # already gone: nothing left to release
        if self.lite:
            # pymilvus keeps a Milvus Lite engine running until the process exits; the last
            # index on the file stops it (which also releases the file for other processes).
            _LITE_USERS[self.where] -= 1
            if not _LITE_USERS[self.where]:
                del _LITE_USERS[self.where]
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(self.where)

    def __enter__(self) -> MilvusIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _index_params(index_type: str) -> dict[str, Any]:
    return {"HNSW": {"M": 16, "efConstruction": 200},
            "IVF_FLAT": {"nlist": 128}, "IVF_SQ8": {"nlist": 128}, "IVF_PQ": {"nlist": 128, "m": 8}
            }.get(index_type, {})


def _searched(hit: Hit) -> dict[str, str]:
    """The ``text`` BM25 scores for a passage (title, section and text repeated ``_REPEAT``
    times) and its distinct ``terms``, both as medcite's analysed terms (see the module docs)."""
    fields = [" ".join(analyze(part)) for part in (hit.title or "", hit.section or "", hit.text)]
    text = " ".join(f for f, times in zip(fields, _REPEAT, strict=True) for _ in range(times) if f)
    return {"text": _fit(text), "terms": _fit(" ".join(dict.fromkeys(text.split())))}


def _fit(text: str) -> str:
    """``text`` cut to whole terms within a VARCHAR's limit (which counts UTF-8 bytes)."""
    data = text.encode("utf-8")
    if len(data) <= MAX_VARCHAR:
        return text
    return data[:MAX_VARCHAR].decode("utf-8", "ignore").rsplit(" ", 1)[0]


def _df_of(idf: float, passages: int) -> int:
    """The document frequency whose idf ln(1 + (N − df + 0.5)/(df + 0.5)) = ln((N + 1)/(df + 0.5))
    is ``idf``, among N passages."""
    return min(passages, max(1, round((passages + 1) * math.exp(-idf) - 0.5)))


def open_milvus(url: str, store: EvidenceStore, embedder: str) -> MilvusIndex:
    """The factory's opener (``medcite.index.factory``): not refreshed, as the factory says."""
    del store  # the collections are found by name; refresh(store) fills them
    return MilvusIndex(url, embedder)
