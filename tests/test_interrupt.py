"""Ctrl-C (SIGINT) during `medcite embed`: one line saying how far it got, exit status 130, the
vectors written before it kept, and a re-run that goes on from there."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _vectors(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return int(con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def test_ctrl_c_during_embed_keeps_the_vectors_and_says_how_to_go_on(small_store_path: Path,
                                                                      tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    home = tmp_path / "home"
    home.mkdir()
    db = home / "medcite.db"
    shutil.copy(small_store_path, db)
    before = _vectors(db)
    env = {**os.environ, "MEDCITE_HOME": str(home), "MEDCITE_EMBED_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "medcite", "embed"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and _vectors(db) <= before:
        time.sleep(0.05)
    assert proc.poll() is None, "embed finished before it could be interrupted"
    seen = _vectors(db)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "interrupted" in err and "still pending" in err, err
    assert "medcite embed" in err  # what to run to go on
    kept = _vectors(db)
    assert kept >= seen > before  # what was committed stays committed
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()

    rerun = subprocess.run([sys.executable, "-m", "medcite", "embed", "--limit", "16", "--json"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["embedded"] == 16 and _vectors(db) > kept
