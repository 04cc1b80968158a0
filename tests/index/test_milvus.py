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
