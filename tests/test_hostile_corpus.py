"""All the hostile files of issue 11 in one folder beside good ones, ingested by the real CLI.

The corpus is generated here, at test time, at full size where that is cheap (the bombs are
zeros, which compress a thousandfold): `medcite ingest` must finish in bounded time and
memory, name every hostile file with a reason, ingest every good file, and leave the
guideline whose id one file tries to take untouched.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

MiB = 1024 * 1024


def _gz_zeros(size: int) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * MiB
        for _ in range(size // MiB):
            gz.write(chunk)
    return buf.getvalue()


def _corpus(root: Path, data_dir: Path) -> dict[str, str]:
    """Write the corpus; returns {file name: what it attacks} for the hostile files."""
    root.mkdir()
    hostile: dict[str, str] = {}
    # Good files: a real guideline summary and a hospital protocol.
    shutil.copy(data_dir / "ngc-guidelines" / "samples" / "ngc-9085.xml", root / "ngc-9085.xml")
    (root / "sepsis-protocol.md").write_text(
        "---\ntitle: Adult sepsis bundle\n---\n# Sepsis\n\nGive broad-spectrum antibiotics within one hour "
        "of recognising sepsis.\n", encoding="utf-8")
    # 2. a .gz inside a zip that expands to 600 MiB, and a zip of many members adding up
    with zipfile.ZipFile(root / "gz-in-zip.zip", "w") as zf:
        zf.writestr("bomb.xml.gz", _gz_zeros(600 * MiB))
    hostile["gz-in-zip.zip"] = "decompression bomb (gz in zip)"
    with zipfile.ZipFile(root / "deflate-bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            zf.open("bomb.xml", "w") as fh:
        for _ in range(600):
            fh.write(b"\0" * MiB)
    hostile["deflate-bomb.zip"] = "decompression bomb (zip member)"
    # 3. a YAML alias bomb in front matter (445 bytes in the report)
    lol = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lol.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    (root / "alias-bomb.md").write_text("---\n" + "\n".join(lol) + "\ntitle: x\n---\nbody text here.\n",
                                        encoding="utf-8")
    hostile["alias-bomb.md"] = "YAML alias bomb"
    # 4. a symbolic link out of the folder
    os.symlink("/etc/passwd", root / "passwd.txt")
    hostile["passwd.txt"] = "symlink leaving the folder"
    # 6. a protocol that claims a guideline's id
    (root / "hijack.md").write_text("---\nid: ngc:9085\ntitle: Not the AAN guideline\n---\nReplaced.\n",
                                    encoding="utf-8")
    hostile["hijack.md"] = "id from the ngc: namespace"
    # 10. deeply nested HTML and Markdown
    (root / "deep.html").write_text("<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000
                                    + "</body></html>", encoding="utf-8")
    hostile["deep.html"] = "deeply nested HTML"
    (root / "deep.md").write_text("> " * 3000 + "deep quote\n", encoding="utf-8")
    hostile["deep.md"] = "deeply nested Markdown"
    # 5. a 16 MB line with no punctuation: ingested (it is text), in linear time
    (root / "long-line.md").write_text("word " * (16 * MiB // 5), encoding="utf-8")
    return hostile


def _peak_memory_mib(proc: subprocess.Popen[bytes], timeout: float) -> float:
    """The largest resident memory of ``proc`` and its worker processes together, sampled
    until it exits. (ru_maxrss will not do: Linux carries the high-water mark of the forking
    test process, gigabytes by the end of the suite, across exec into the child.)"""
    import psutil

    peak = 0
    deadline = time.monotonic() + timeout
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"ingest still running after {timeout:.0f} s")
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.Error:
            pass  # a worker exited between listing and reading
        time.sleep(0.02)
    return peak / (1024 * 1024)


@pytest.mark.slow
def test_ingest_of_a_hostile_folder_reports_each_file_and_keeps_the_good_ones(tmp_path: Path, data_dir: Path) -> None:
    root = tmp_path / "incoming"
    hostile = _corpus(root, data_dir)
    home = tmp_path / "home"
    env = {**os.environ, "MEDCITE_HOME": str(home)}
    out, err = tmp_path / "out.json", tmp_path / "err.txt"
    t0 = time.monotonic()
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "medcite", "ingest", str(root), "--json", "--no-embed"],
                                env=env, stdout=fo, stderr=fe)
        peak_mib = _peak_memory_mib(proc, timeout=120)
    seconds = time.monotonic() - t0
    assert out.read_text(), err.read_text()[-2000:]
    report = json.loads(out.read_text())
    named = {Path(x["path"]).name: x["reason"] for x in [*report["failures"], *report["skipped"]]}
    for name, attack in hostile.items():
        assert name in named, f"{attack}: {name} not reported ({sorted(named)})"
        assert named[name], f"{attack}: no reason given"
    assert seconds < 60, f"ingest took {seconds:.0f} s"
    assert peak_mib < 2048, f"peak RSS {peak_mib:.0f} MiB"

    from medcite.store import SQLiteStore

    store = SQLiteStore(home / "medcite.db")
    try:
        gbs = store.document("ngc:9085")
        assert gbs is not None and len(gbs.passages) > 30, "the guideline was replaced"
        assert "IVIg should be offered to treat GBS in adults" in gbs.text
        ids = {r[0] for r in store.db.execute("SELECT doc_id FROM documents")}
        assert "local:sepsis-protocol" in ids
        assert not any("passwd" in i for i in ids)
        assert "local:long-line" in ids
    finally:
        store.close()
