"""What only the Milvus backend has: its URLs, its errors, its layout (the shared behaviour is
in test_contract.py)."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest

from medcite.errors import EXIT_MISSING_EXTRA, EXIT_STORE, ConfigError, MedciteError, MissingExtra
from medcite.index import open_index
from medcite.store import SQLiteStore
from ports import free_port

from .conftest import EMBEDDER, milvus_installed

pytestmark = pytest.mark.skipif(bool(milvus_installed()), reason=milvus_installed() or "installed")


def test_missing_pymilvus_names_the_extra(empty_store: SQLiteStore, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # what an absent package looks like to import
    with pytest.raises(MissingExtra) as err:
        open_index(f"milvus-lite:///{tmp_path / 'i.db'}", empty_store, EMBEDDER)
    assert "pip install 'medcite[milvus]'" in str(err.value) and "pymilvus" in str(err.value)
    assert err.value.exit_status == EXIT_MISSING_EXTRA
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "milvus_lite", None)
    with pytest.raises(MissingExtra, match="milvus-lite"):
        open_index(f"milvus-lite:///{tmp_path / 'i.db'}", empty_store, EMBEDDER)


def test_unreachable_server_is_one_clear_line(empty_store: SQLiteStore) -> None:
    port = free_port()  # nothing listens there
    started = time.perf_counter()
    with pytest.raises(MedciteError) as err:
        open_index(f"milvus://127.0.0.1:{port}/passages?timeout=1", empty_store, EMBEDDER)
    assert time.perf_counter() - started < 15
    message = str(err.value)
    assert "\n" not in message and f"127.0.0.1:{port}" in message and "cannot reach" in message
    assert err.value.exit_status == EXIT_STORE


def test_server_gone_mid_session_fails_within_the_request_timeout(empty_store: SQLiteStore) -> None:
    from milvusserver import MilvusServer

    server = MilvusServer().start()
    index = open_index(f"{server.url}/gone?request_timeout=2", empty_store, EMBEDDER)
    try:
        index.refresh(empty_store)
        assert index.size().passages == 0
        server.stop()
        started = time.perf_counter()
        with pytest.raises(MedciteError) as err:
            index.lexical([("pain", 1.0)], 5)
        assert time.perf_counter() - started < 15  # pymilvus alone retries for minutes
        assert "\n" not in str(err.value) and "lexical" in str(err.value)
    finally:
        index.close()
        server.stop()


@pytest.mark.parametrize("url, problem", [
    ("milvus-lite:///{tmp}/index.sqlite", "must end in .db"),
    ("milvus-lite:///{tmp}/a-file-name-longer-than-thirty-six-chars.db", "at most 35"),
    ("milvus-lite:///{tmp}/i.db?metric=L2", "metric must be COSINE or IP"),
    ("milvus-lite:///{tmp}/i.db?collection=no-dashes", "letters, digits and '_'"),
    ("milvus-lite:///{tmp}/i.db?batch=many", "invalid literal"),
    ("milvus-lite:///{tmp}/i.db?load_timeout=soon", "could not convert"),
    ("milvus:///no-host", "expected milvus://host:port/collection"),
])
def test_bad_urls(url: str, problem: str, empty_store: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=problem):
        open_index(url.format(tmp=tmp_path), empty_store, EMBEDDER)


def test_index_types(contract_store_path: Path, tmp_path: Path, milvus_server: str) -> None:
    """Milvus Lite builds FLAT (and IVF_FLAT, AUTOINDEX); a server URL defaults to HNSW and falls
    back to FLAT when the server is Milvus Lite's engine; a type asked by name is not replaced."""
    store = SQLiteStore(contract_store_path)
    opened = []
    try:
        for url, expected in [(f"milvus-lite:///{tmp_path / 'f.db'}", "FLAT"),
                              (f"milvus-lite:///{tmp_path / 'ivf.db'}?index=IVF_FLAT", "IVF_FLAT"),
                              (f"{milvus_server}/t_{uuid.uuid4().hex[:8]}", "FLAT")]:
            index = open_index(url, store, EMBEDDER)
            opened.append(index)
            index.refresh(store)
            assert index.index_type == expected
            assert index.client.describe_index(index.vec_collection, "vector")["index_type"] == expected
            assert len(index.dense(index.vectors([1])[0], 3)) == 3
        asked = open_index(f"{milvus_server}/t_{uuid.uuid4().hex[:8]}?index=HNSW", store, EMBEDDER)
        opened.append(asked)
        with pytest.raises(ConfigError, match="HNSW"):
            asked.refresh(store)
        assert not asked.client.has_collection(asked.vec_collection)  # nothing half-made left
    finally:
        for index in opened:
            if not index.lite:
                index.drop()
            index.close()
        store.close()


def test_embedders_share_the_passages(contract_store_path: Path, tmp_path: Path) -> None:
    """One passage collection per store; each embedder's vectors in a collection of their own."""
    store = SQLiteStore(contract_store_path)
    url = f"milvus-lite:///{tmp_path / 'shared.db'}"
    with open_index(url, store, EMBEDDER) as dense, open_index(url, store, "") as lexical_only:
        dense.refresh(store)
        lexical_only.refresh(store)  # the passages are there already: only its stamp is checked
        assert lexical_only.size().passages == dense.size().passages
        assert lexical_only.size().vectors == 0 and lexical_only.dense(dense.vectors([1])[0], 3) == []
        assert lexical_only.lexical([("atorvastatin", 1.0)], 5) == dense.lexical([("atorvastatin", 1.0)], 5)
    store.close()


def test_collections_half_made_by_a_dead_process_are_rebuilt(contract_store_path: Path, tmp_path: Path) -> None:
    """Creating a collection and indexing it are two requests: a process killed between them
    leaves an unindexed collection, which the next open drops and the next refresh refills."""
    from pymilvus import DataType

    store = SQLiteStore(contract_store_path)
    url = f"milvus-lite:///{tmp_path / 'half.db'}"
    with open_index(url, store, EMBEDDER) as index:
        index.refresh(store)
        expected = index.size()
        client = index.client
        for name in (index.collection, index.vec_collection):
            client.drop_collection(name)
            schema = client.create_schema(auto_id=False)
            schema.add_field("passage_id", DataType.INT64, is_primary=True)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=384)
            client.create_collection(name, schema=schema)  # no index_params: created, not indexed
            assert not client.list_indexes(name)
    with open_index(url, store, EMBEDDER) as index:
        index.refresh(store)
        assert index.size() == expected
    store.close()


def test_milvus_lite_engine_keeps_stderr_clean(contract_store_path: Path, tmp_path: Path,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    """The engine is a child process writing to this one's stderr: a text-match index made its
    tantivy writer log every commit there (thousands of lines under `medcite ingest`)."""
    store = SQLiteStore(contract_store_path)
    with open_index(f"milvus-lite:///{tmp_path / 'quiet.db'}", store, "") as index:
        index.refresh(store)
        assert index.lexical([("atorvastatin", 1.0)], 3)
    store.close()
    assert "tantivy" not in capfd.readouterr().err


def test_unchanged_store_costs_no_requests(contract_store_path: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Search refreshes before every query and compose asks size and idf weights per question:
    while the store is unchanged they are answered from memory."""
    store = SQLiteStore(contract_store_path)
    with open_index(f"milvus-lite:///{tmp_path / 'memo.db'}", store, EMBEDDER) as index:
        index.refresh(store)
        size, dfs = index.size(), index.document_frequencies(["patient", "atorvastatin"])
        calls: list[str] = []
        for name in ("query", "search", "has_collection", "get_load_state"):
            real = getattr(index.client, name)
            monkeypatch.setattr(index.client, name, lambda *a, _n=name, _r=real, **k: calls.append(_n) or _r(*a, **k),
                                raising=False)
        index.refresh(store)
        assert index.size() == size and index.document_frequencies(["atorvastatin", "patient"]) == dfs
        assert calls == []
        assert index.document_frequencies(["statin"])["statin"] > 0 and calls == ["search"]  # new term: one request
    store.close()


def test_retrievers_share_one_milvus_index(contract_store_path: Path, tmp_path: Path) -> None:
    """`medcite serve` makes a retriever per request: they share the process's index (one
    connection) instead of opening one each and never closing it."""
    from medcite.index.factory import close_shared_indexes
    from medcite.retrieve.search import Retriever

    store = SQLiteStore(contract_store_path)
    url = f"milvus-lite:///{tmp_path / 'shared.db'}"
    try:
        first, second = Retriever(store, index_url=url), Retriever(store, index_url=url)
        index = first.passage_index()
        assert second.passage_index() is index
        first.close()
        assert second.search("atorvastatin", k=3, mode="lexical")  # still open
        local = Retriever(store)
        assert local.passage_index() is not Retriever(store).passage_index()  # local: per retriever
    finally:
        close_shared_indexes()
        store.close()


def test_ask_over_milvus_answers_as_over_local(contract_store_path: Path, tmp_path: Path) -> None:
    """The issue's "done when": the same `ask` over Milvus, end to end (idf weights included)."""
    from medcite.answering import ask
    from medcite.index.factory import close_shared_indexes
    from medcite.retrieve.search import Retriever, SearchConfig

    store = SQLiteStore(contract_store_path)
    try:
        local = Retriever(store, SearchConfig(on_demand=0), embedder_name=EMBEDDER)
        lite = Retriever(store, SearchConfig(on_demand=0), embedder_name=EMBEDDER,
                         index_url=f"milvus-lite:///{tmp_path / 'ask.db'}")
        for question in ("What is the treatment for adults with Guillain-Barré syndrome?",
                         "Does atorvastatin cause muscle pain?"):
            a, b = (ask(question, store, retriever=r, save=False) for r in (local, lite))
            assert [s.text for s in b.bottom_line] == [s.text for s in a.bottom_line]
            assert [r.doc_id for r in b.references] == [r.doc_id for r in a.references]
    finally:
        close_shared_indexes()
        store.close()


def test_loading_a_collection_has_a_timeout_of_its_own(contract_store_path: Path, tmp_path: Path) -> None:
    # Loading a million passages into Milvus Lite took 4 minutes: the first search of a process
    # must not die at the one-request timeout (docs/benchmarks.md, the 1M-passage scale run).
    store = SQLiteStore(contract_store_path)
    default = open_index(f"milvus-lite:///{tmp_path}/a.db?request_timeout=5", store, EMBEDDER)
    chosen = open_index(f"milvus-lite:///{tmp_path}/b.db?load_timeout=1200", store, EMBEDDER)
    try:
        assert default.load_timeout == 600 and chosen.load_timeout == 1200  # type: ignore[attr-defined]
    finally:
        default.close()
        chosen.close()
        store.close()
