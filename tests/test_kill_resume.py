"""An ingest killed with SIGKILL leaves a consistent store; re-running finishes the job."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

FOLDER = "medquad/2_GARD_QA"


def _run_ingest(home: Path, src: Path, extra: list[str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "MEDCITE_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "medcite", "ingest", str(src), "--json", "--batch-size", "40",
         "--workers", "1", "--no-embed", *(extra or [])],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _count(db: Path, sql: str) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def test_kill_9_then_rerun(tmp_path: Path, data_dir: Path) -> None:
    src = data_dir / FOLDER
    home = tmp_path / "home"
    db = home / "medcite.db"
    proc = _run_ingest(home, src)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                committed = _count(db, "SELECT COUNT(*) FROM documents")
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 200:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; use a larger folder"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    passages = con.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    # Rows in the FTS index itself: passages_fts has external content (COUNT(*) on it
    # would count the passages it reads from).
    fts = con.execute("SELECT COUNT(*) FROM passages_fts_docsize").fetchone()[0]
    unindexed = con.execute(
        "SELECT COUNT(*) FROM passages WHERE id NOT IN (SELECT id FROM passages_fts_docsize)"
    ).fetchone()[0]
    orphans = con.execute(
        "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.doc_rowid=d.id)"
    ).fetchone()[0]
    con.close()
    assert 0 < docs < 2685
    assert passages == fts and unindexed == 0  # the index never disagrees with the passages
    assert orphans == 0  # a document is never committed without its passages

    rerun = _run_ingest(home, src)
    out, errout = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, errout
    summary = json.loads(out)
    tally = summary["formats"]["medquad"]
    assert tally["unchanged"] == docs
    assert tally["failed"] == 0

    fresh_home = tmp_path / "fresh"
    fresh = _run_ingest(fresh_home, src)
    fresh_out, _ = fresh.communicate(timeout=600)
    assert fresh.returncode == 0
    assert _count(db, "SELECT COUNT(*) FROM documents") == json.loads(fresh_out)["formats"]["medquad"]["added"]
    assert _count(db, "SELECT COUNT(*) FROM passages") == _count(fresh_home / "medcite.db", "SELECT COUNT(*) FROM passages")
