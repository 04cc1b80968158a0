"""A passage index in Milvus: a server (``milvus://host:19530/collection``) or Milvus Lite in
this process (``milvus-lite:///path/file.db``). ``pip install medcite[milvus]``.

Layout, for the collection name ``C`` (URL path of a server URL, ``?collection=`` of a Lite URL,
default ``medcite_passages``):

- ``C`` — one row per passage: ``passage_id`` (INT64 primary key), ``doc_id``, ``text``
  (VARCHAR, analyzer ``english``, ``enable_match``: what is searched — the document title
  twice, the section, the passage text, approximating the local index's title/section/text
  field weights 2/0.5/1 by 2/1/1), ``sparse`` (filled by a BM25 Function from ``text``),
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
``db`` (a server's database), ``collection``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from ..errors import ConfigError, MissingExtra, StoreError
from .base import NO_FILTER, IndexFilter, IndexSize

if TYPE_CHECKING:
    from ..store import EvidenceStore
    from ..types import Hit

EXTRA = "milvus"
FEATURE = "the Milvus passage index"
DEFAULT_COLLECTION = "medcite_passages"
LAYOUT = "2"  # bumped when the collections' fields change: a mismatch rebuilds them
MAX_TOPK = 16384  # Milvus's cap on limit (and offset + limit) of one search
MAX_VARCHAR = 65535
_PAGE = 10000  # ids per query when listing a collection's keys
_ID_CHUNK = 2000  # ids per ``get``/``delete`` request: keeps expressions well under gRPC limits
# Milvus's ``english`` analyzer: standard tokenizer, lowercase, Snowball English stemmer and
# Lucene's English stop words (tantivy's list). Mirrored here only to merge query parts by term.
_STOP = frozenset("a an and are as at be but by for if in into is it no not of on or such that the "
                  "their then there these they this to was will with".split())
_TOKEN = re.compile(r"\w+", re.UNICODE)

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


def _term_key(token: str) -> str:
    return _stemmer().stemWord(token)


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


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

    - ``lexical`` analyses with Milvus's ``english`` analyzer (standard tokenizer, lowercase,
      Snowball stemmer, 33 stop words), not medcite's, so matches differ slightly from the local
      backend's. BM25 is k1=1.2, b=0.75 as there. Milvus scores one text per search, so parts
      are merged client side: each term is kept once, at the weight of its first part (terms
      are compared by lowercased Snowball stem, as the analyzer would), and the terms of each
      weight are searched together; a passage scores the weighted sum. With more than one
      weight, each search returns only its top ``max(4k, 200)``, and a passage outside one of
      them misses that share of its score (exact with a single weight).
    - ``document_frequencies`` counts the passages a BM25 search for the term returns (every
      passage holding it, exact): Milvus Lite 2.5 rejects ``TEXT_MATCH`` filters.
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
            self.client.load_collection(name)

    def _create_passages(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("passage_id", DataType.INT64, is_primary=True)
        schema.add_field("doc_id", DataType.VARCHAR, max_length=512)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                         enable_match=True, analyzer_params={"type": "english"})
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("source_type", DataType.VARCHAR, max_length=64)
        schema.add_field("year", DataType.INT32)
        schema.add_field("evidence_level", DataType.VARCHAR, max_length=64)
        schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        params = c.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": 1.2, "bm25_b": 0.75})
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
        meta = self._meta()
        vkey = f"vectors:{self.embedder}"
        if meta.get("passages") == stamp and meta.get(vkey, "") == vstamp:
            return
        store_ids = np.asarray(store.passage_ids(), dtype=np.int64)
        if meta.get("passages") != stamp:
            self._sync_passages(store, store_ids, progress)
            self._set_meta({"passages": stamp})
        if self.embedder and meta.get(vkey) != vstamp:
            self._sync_vectors(store, store_ids, progress)
            self._set_meta({vkey: vstamp})

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
            rows = [{"passage_id": h.passage_id, "doc_id": h.doc_id[:512], "text": _searched(h),
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
            if weight <= 0:  # as the local index: a part weighted 0 claims no terms
                continue
            for token in _TOKEN.findall(text.lower()):
                key = _term_key(token)
                if token not in _STOP and key not in seen:
                    seen.add(key)
                    groups.setdefault(float(weight), []).append(token)
        if not groups:
            return []
        depth = k if len(groups) == 1 else max(4 * k, 200)
        expr = self._filter(where)
        total: dict[int, float] = {}
        for weight, tokens in groups.items():
            scores = self._search(self.collection, "sparse", " ".join(tokens), depth, expr,
                                  {"metric_type": "BM25"})
            for pid, score in scores.items():
                if score > 0:
                    total[pid] = total.get(pid, 0.0) + weight * score
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
        if not self.vec_collection or not self.client.has_collection(self.vec_collection):
            return False
        self._load(self.vec_collection)
        return True

    def _fetch(self, passage_ids: Sequence[int]) -> dict[int, np.ndarray]:
        out: dict[int, np.ndarray] = {}
        if not passage_ids or not self._has_vectors():
            return out
        for chunk in _chunks(list(dict.fromkeys(int(i) for i in passage_ids)), _ID_CHUNK):
            for row in self.client.get(self.vec_collection, ids=chunk, output_fields=["vector"]):
                out[int(row["passage_id"])] = np.asarray(row["vector"], dtype=np.float32)
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
        return {term: self._df(term) for term in dict.fromkeys(terms)}

    def _df(self, term: str, low: int = 0, high: int | None = None) -> int:
        if not [t for t in _TOKEN.findall(term.lower()) if t not in _STOP]:
            return 0
        expr = f"passage_id >= {low}" + ("" if high is None else f" and passage_id < {high}")
        res = self.client.search(self.collection, data=[term], anns_field="sparse", limit=MAX_TOPK,
                                 filter=expr, output_fields=[], search_params={"metric_type": "BM25"})[0]
        if len(res) < MAX_TOPK:
            return sum(1 for r in res if float(r["distance"]) > 0)
        # A term in more passages than one search returns: count the id range in halves.
        top = high if high is not None else int(self._ids(self.collection)[-1]) + 1
        mid = (low + top) // 2
        return self._df(term, low, mid) + self._df(term, mid, top)

    @_wrapped
    def size(self) -> IndexSize:
        passages = self._count(self.collection)
        vectors = self._count(self.vec_collection) if self._has_vectors() else 0
        return IndexSize(passages, vectors, self.embedder)

    def _count(self, collection: str) -> int:
        rows = self.client.query(collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    @_wrapped
    def drop(self) -> None:
        """Delete this index's collections (every embedder's vectors included)."""
        for name in (self.collection, self.meta_collection, *self._vec_collections()):
            self.client.drop_collection(name)

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


def _searched(hit: Hit) -> str:
    """The text BM25 scores for a passage: title twice, section, text (see the module docs)."""
    text = "\n".join((hit.title or "", hit.title or "", hit.section or "", hit.text))
    # Milvus VARCHAR limits count UTF-8 bytes.
    data = text.encode("utf-8")
    return text if len(data) <= MAX_VARCHAR else data[:MAX_VARCHAR].decode("utf-8", "ignore")


def open_milvus(url: str, store: EvidenceStore, embedder: str) -> MilvusIndex:
    """The factory's opener (``medcite.index.factory``): not refreshed, as the factory says."""
    del store  # the collections are found by name; refresh(store) fills them
    return MilvusIndex(url, embedder)
