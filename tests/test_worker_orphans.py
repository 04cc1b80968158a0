"""Parser processes end with the ingest that started them, even one killed with SIGKILL
(which runs no cleanup: an idle worker used to wait on its task queue for ever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_parser_workers_die_with_a_killed_ingest(tmp_path: Path, data_dir: Path) -> None:
    env = {**os.environ, "MEDCITE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "medcite", "ingest", str(data_dir / "medquad"), "--json", "--workers", "2",
         "--no-embed"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
            workers = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.05)
        time.sleep(0.5)  # let them take work
        assert proc.poll() is None and len(workers) >= 2, "the ingest finished before its workers were seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while _alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(workers), [(p.pid, p.status()) for p in _alive(workers)]
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in _alive(workers):  # never leave one behind, even when the test fails
            p.kill()
