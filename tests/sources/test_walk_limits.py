"""Hostile input to the walker: decompression bombs and symbolic links.

Every bomb is built at test time in tmp_path, and the limits are scaled down (a few MiB)
so that the tests stay fast: what is checked is that reading stops at the limit, with a
reason naming it, that memory stays near the limit, and that the walk goes on.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medcite.ingest import ingest
from medcite.sources.walk import Budget, Item, Skipped, SourceFile, Unreadable, WalkLimits, walk
from medcite.store import SQLiteStore

MiB = 1 << 20
SMALL = WalkLimits(max_member_bytes=4 * MiB, max_archive_bytes=64 * MiB, max_total_bytes=256 * MiB,
                   max_ratio=200, ratio_after_bytes=4 * MiB)
DOC = b"<?xml version='1.0'?><PubmedArticleSet></PubmedArticleSet>\n"


def _walk(path: Path, limits: WalkLimits = SMALL) -> list[Item]:
    return list(walk(path, budget=Budget(limits)))


def _summary(items: Iterable[Item]) -> list[tuple[str, str | None, str]]:
    """(kind, member, reason or size) per item, without holding the data."""
    out = []
    for it in items:
        detail = str(len(it.data)) if isinstance(it, SourceFile) else it.reason
        out.append((type(it).__name__, it.member, detail))
    return out


def _peak_walk(path: Path, limits: WalkLimits = SMALL) -> tuple[list[tuple[str, str | None, str]], int]:
    """Walk ``path`` keeping only a summary of each item; returns it and the peak traced memory."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        summary = _summary(walk(path, budget=Budget(limits)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return summary, peak


def _zeros(compressor: object, size: int) -> bytes:
    """``size`` zero bytes through ``compressor`` (zlib, bz2 or lzma), 1 MiB at a time."""
    chunk = bytes(MiB)
    parts = [compressor.compress(chunk) for _ in range(size // MiB)]  # type: ignore[attr-defined]
    parts.append(compressor.flush())  # type: ignore[attr-defined]
    return b"".join(parts)


def _gz_zeros(size: int) -> bytes:
    return _zeros(zlib.compressobj(9, zlib.DEFLATED, 31), size)


def _text(size: int) -> bytes:
    """Ordinary, compressible XML-like text (about 5:1 under deflate), ``size`` bytes."""
    import random

    rng = random.Random(7)
    words = [f"w{rng.randrange(10**6)}" for _ in range(5000)]
    out = io.BytesIO()
    while out.tell() < size:
        out.write(f"<p id='{rng.randrange(10**9)}'>{' '.join(rng.choices(words, k=12))}</p>\n".encode())
    return out.getvalue()[:size]


# ---------------------------------------------------------------- decompression bombs


def test_gz_in_zip_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """A 200 KB zip holding a .gz of 200 MB of zeros: refused once past the member limit,
    having held about the limit, never the 200 MB."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w") as zf:
        zf.writestr("a.xml", DOC)
        zf.writestr("bomb.xml.gz", _gz_zeros(200 * MiB))  # stored: the .gz is the bomb
        zf.writestr("b.xml", DOC)
    summary, peak = _peak_walk(bomb)
    assert summary == [
        ("SourceFile", "a.xml", str(len(DOC))),
        ("Unreadable", "bomb.xml.gz", "member exceeds 4 MiB after decompression"),
        ("SourceFile", "b.xml", str(len(DOC))),
    ]
    assert peak < 3 * SMALL.max_member_bytes, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_member_bomb_is_refused_under_every_method(tmp_path: Path, method: int) -> None:
    """Zip members of 64 MiB of zeros under each method (an honest header: refused before reading)."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=method) as zf:
        with zf.open("bomb.xml", "w") as fh:
            for _ in range(64):
                fh.write(bytes(MiB))
        zf.writestr("ok.xml", DOC)
    summary, peak = _peak_walk(bomb)
    assert summary == [
        ("Unreadable", "bomb.xml", "member exceeds 4 MiB after decompression"),
        ("SourceFile", "ok.xml", str(len(DOC))),
    ]
    assert peak < 3 * SMALL.max_member_bytes, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_zip_header_understating_the_size_is_not_trusted(tmp_path: Path, method: int) -> None:
    """The sizes in a zip's headers are the attacker's: a member claiming 100 bytes that
    expands to 64 MiB is refused, and memory stays near the limit while finding out
    (zipfile decompresses a bzip2 or lzma chunk without an output bound, and a whole
    deflated member at once when read whole)."""
    bomb = tmp_path / "liar.zip"
    with zipfile.ZipFile(bomb, "w", compression=method) as zf:
        zf.writestr("liar.xml", bytes(64 * MiB))
        zf.writestr("ok.xml", DOC)
    raw = bytes(bomb.read_bytes())
    real = struct.pack("<L", 64 * MiB)
    assert raw.count(real) == 2  # uncompressed size in the local header and the central directory
    bomb.write_bytes(raw.replace(real, struct.pack("<L", 100)))
    summary, peak = _peak_walk(bomb)
    assert [s[:2] for s in summary] == [("Unreadable", "liar.xml"), ("SourceFile", "ok.xml")]
    decoder = 8 * MiB if method == zipfile.ZIP_LZMA else 0  # zipfile's lzma preset has an 8 MiB dictionary
    assert peak < 3 * SMALL.max_member_bytes + decoder, f"peak {peak / MiB:.1f} MiB"


def test_tar_members_are_streamed_with_a_cap_and_the_walk_goes_on(tmp_path: Path) -> None:
    tar = tmp_path / "t.tar.gz"
    with tarfile.open(tar, "w:gz") as tf:
        for name, data in [("a.xml", DOC), ("big.xml", bytes(8 * MiB)), ("b.xml", DOC)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        gz = _gz_zeros(64 * MiB)
        info = tarfile.TarInfo("bomb.xml.gz")
        info.size = len(gz)
        tf.addfile(info, io.BytesIO(gz))
        info = tarfile.TarInfo("c.xml")
        info.size = len(DOC)
        tf.addfile(info, io.BytesIO(DOC))
    summary, peak = _peak_walk(tar)
    assert summary == [
        ("SourceFile", "a.xml", str(len(DOC))),
        ("Unreadable", "big.xml", "member exceeds 4 MiB after decompression"),
        ("SourceFile", "b.xml", str(len(DOC))),
        ("Unreadable", "bomb.xml.gz", "member exceeds 4 MiB after decompression"),
        ("SourceFile", "c.xml", str(len(DOC))),
    ]
    assert peak < 3 * SMALL.max_member_bytes, f"peak {peak / MiB:.1f} MiB"


@pytest.mark.parametrize("suffix, compressor", [
    (".tar.bz2", lambda: bz2.BZ2Compressor(9)),
    (".tar.xz", lambda: lzma.LZMACompressor(preset=1)),
    (".tar.gz", lambda: zlib.compressobj(9, zlib.DEFLATED, 31)),
])
def test_compressed_tar_bomb_is_decompressed_with_bounded_memory(tmp_path: Path, suffix: str, compressor: object) -> None:
    """tarfile's own stream mode decompresses each 10 KB of input without an output bound
    (10 KB of bzip2 can be gigabytes): the outer layer must be read with a bound."""
    header = tarfile.TarInfo("zeros.xml")
    header.size = 64 * MiB
    plain = header.tobuf(format=tarfile.GNU_FORMAT)
    comp = compressor()  # type: ignore[operator]
    parts = [comp.compress(plain)]
    parts += [comp.compress(bytes(MiB)) for _ in range(64)]
    parts.append(comp.compress(bytes(1024)))  # end-of-archive blocks
    parts.append(comp.flush())
    tar = tmp_path / f"bomb{suffix}"
    tar.write_bytes(b"".join(parts))
    summary, peak = _peak_walk(tar, WalkLimits(max_member_bytes=4 * MiB, max_archive_bytes=16 * MiB,
                                               max_total_bytes=256 * MiB, ratio_after_bytes=4 * MiB))
    assert len(summary) == 1 and summary[0][0] == "Unreadable"
    assert summary[0][2] in ("member exceeds 4 MiB after decompression",
                             "archive exceeds 16 MiB in total after decompression; the rest of it was not read")
    assert peak < 4 * SMALL.max_member_bytes, f"peak {peak / MiB:.1f} MiB"


def test_tar_long_name_header_bomb_is_refused(tmp_path: Path) -> None:
    """tarfile reads a GNU long-name (or pax) header's data whole, whatever size it claims."""
    header = tarfile.TarInfo("././@LongLink")
    header.type = tarfile.GNUTYPE_LONGNAME
    header.size = 64 * MiB
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [comp.compress(header.tobuf(format=tarfile.GNU_FORMAT))]
    parts += [comp.compress(b"a" * MiB) for _ in range(64)]
    member = tarfile.TarInfo("x.xml")
    member.size = len(DOC)
    parts += [comp.compress(member.tobuf(format=tarfile.GNU_FORMAT)), comp.compress(DOC.ljust(512, b"\0")),
              comp.compress(bytes(1024)), comp.flush()]
    tar = tmp_path / "longname.tar.gz"
    tar.write_bytes(b"".join(parts))
    summary, peak = _peak_walk(tar)
    assert summary == [("Unreadable", None, "tar header of 67108864 bytes (more than 1 MiB); "
                                            "the rest of the archive was not read")]
    assert peak < 3 * SMALL.max_member_bytes, f"peak {peak / MiB:.1f} MiB"


def test_standalone_gz_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml.gz"
    bomb.write_bytes(_gz_zeros(64 * MiB))
    summary, peak = _peak_walk(bomb)
    assert summary == [("Unreadable", None, "file exceeds 4 MiB after decompression")]
    assert peak < 3 * SMALL.max_member_bytes


def test_compression_ratio_limit_applies_past_the_threshold(tmp_path: Path) -> None:
    """A member of 6 MiB of zeros (about 1000:1) passes no size limit but the ratio one;
    ordinary compressible text of the same size is read."""
    limits = WalkLimits(max_member_bytes=64 * MiB, max_archive_bytes=256 * MiB, max_total_bytes=1024 * MiB,
                        max_ratio=200, ratio_after_bytes=2 * MiB)
    text = _text(6 * MiB)
    arch = tmp_path / "r.zip"
    with zipfile.ZipFile(arch, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.xml", bytes(6 * MiB))
        zf.writestr("text.xml", text)
        zf.writestr("small-zeros.xml", bytes(MiB))  # below the threshold: ratio not applied
    assert _summary(_walk(arch, limits)) == [
        ("Unreadable", "zeros.xml", "compression ratio above 200:1"),
        ("SourceFile", "text.xml", str(len(text))),
        ("SourceFile", "small-zeros.xml", str(MiB)),
    ]


def test_archive_total_cap_skips_the_rest_with_one_message(tmp_path: Path) -> None:
    limits = WalkLimits(max_member_bytes=4 * MiB, max_archive_bytes=10 * MiB, max_total_bytes=256 * MiB,
                        ratio_after_bytes=64 * MiB)
    arch = tmp_path / "many.zip"
    with zipfile.ZipFile(arch, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(6):
            zf.writestr(f"m{i}.xml", bytes(3 * MiB))
    assert _summary(_walk(arch, limits)) == [
        ("SourceFile", "m0.xml", str(3 * MiB)),
        ("SourceFile", "m1.xml", str(3 * MiB)),
        ("SourceFile", "m2.xml", str(3 * MiB)),
        ("Unreadable", "m3.xml", "archive exceeds 10 MiB in total after decompression; the rest of it was not read"),
    ]


def test_archive_total_cap_in_a_tar(tmp_path: Path) -> None:
    limits = WalkLimits(max_member_bytes=4 * MiB, max_archive_bytes=10 * MiB, max_total_bytes=256 * MiB,
                        ratio_after_bytes=64 * MiB)
    tar = tmp_path / "many.tar.xz"
    with tarfile.open(tar, "w:xz", preset=0) as tf:
        for i in range(6):
            info = tarfile.TarInfo(f"m{i}.xml")
            info.size = 3 * MiB
            tf.addfile(info, io.BytesIO(bytes(3 * MiB)))
    summary = _summary(_walk(tar, limits))
    assert summary[:3] == [("SourceFile", f"m{i}.xml", str(3 * MiB)) for i in range(3)]
    assert summary[3:] == [
        ("Unreadable", "m3.xml", "archive exceeds 10 MiB in total after decompression; the rest of it was not read"),
    ]


def test_ingest_total_cap_is_shared_by_the_walks_of_one_run(tmp_path: Path) -> None:
    """Two archives of 3 MiB each under a 5 MiB total: the second is refused, and a plain
    file after it (nothing to decompress) is still read."""
    limits = WalkLimits(max_member_bytes=4 * MiB, max_archive_bytes=64 * MiB, max_total_bytes=5 * MiB,
                        ratio_after_bytes=64 * MiB)
    for name in ("a", "b", "c"):
        with zipfile.ZipFile(tmp_path / f"{name}.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{name}.xml", bytes(3 * MiB))
    (tmp_path / "plain.xml").write_bytes(DOC)
    budget = Budget(limits)
    items = [it for p in ("a.zip", "b.zip", "c.zip", "plain.xml") for it in walk(tmp_path / p, budget=budget)]
    assert _summary(items) == [
        ("SourceFile", "a.xml", str(3 * MiB)),
        ("Unreadable", "b.xml", "this ingest exceeds 5 MiB decompressed in total; the rest of the archive was not read"),
        ("Unreadable", None, "not decompressed: this ingest already decompressed 5 MiB in total"),
        ("SourceFile", None, str(len(DOC))),
    ]


@pytest.mark.parametrize("mode, suffix", [("w:xz", ".tar.xz"), ("w:bz2", ".tar.bz2"), ("w:gz", ".tar.gz")])
def test_truncated_compressed_tar_keeps_its_first_members_and_fails_once(tmp_path: Path, mode: str, suffix: str) -> None:
    tar = tmp_path / f"cut{suffix}"
    with tarfile.open(tar, mode) as tf:  # type: ignore[call-overload]
        for i, data in enumerate([DOC, _text(2 * MiB)]):
            info = tarfile.TarInfo(f"m{i}.xml")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    tar.write_bytes(tar.read_bytes()[: tar.stat().st_size * 3 // 4])
    (tmp_path / "z.xml").write_bytes(DOC)
    summary = _summary(walk(tmp_path))
    assert summary[0] == ("SourceFile", "m0.xml", str(len(DOC)))
    assert [s[0] for s in summary[1:]] == ["Unreadable", "SourceFile"]
    assert summary[1][2].startswith("corrupt or unreadable archive")


def test_default_limits_are_sane() -> None:
    d = WalkLimits()
    assert d.max_member_bytes == 512 * MiB
    assert d.max_member_bytes < d.max_archive_bytes < d.max_total_bytes
    assert d.max_ratio == 200 and MiB <= d.ratio_after_bytes <= 16 * MiB


def test_unsupported_or_encrypted_zip_member_does_not_stop_the_walk(tmp_path: Path) -> None:
    arch = tmp_path / "odd.zip"
    with zipfile.ZipFile(arch, "w") as zf:
        zf.writestr("secret.xml", DOC)
        zf.writestr("ok.xml", DOC)
    raw = bytearray(arch.read_bytes())
    # Mark the first member encrypted (flag bit 0) in its central directory record.
    cd = raw.index(b"PK\x01\x02")
    raw[cd + 8] |= 1
    arch.write_bytes(bytes(raw))
    summary = _summary(_walk(arch))
    assert summary[0][:2] == ("Unreadable", "secret.xml") and "encrypted" in summary[0][2]
    assert summary[1] == ("SourceFile", "ok.xml", str(len(DOC)))


def test_real_archive_still_reads_in_full_under_the_default_limits(data_dir: Path) -> None:
    """The real NGC summaries (125 MB of XML in a 10 MB .tar.xz) pass every default limit."""
    counts: dict[str, int] = {}
    for it in walk(data_dir / "ngc-guidelines" / "summaries.tar.xz"):
        counts[type(it).__name__] = counts.get(type(it).__name__, 0) + 1
        assert not isinstance(it, Unreadable), it
    assert counts["SourceFile"] > 9000


def test_ordinary_gz_and_zip_still_read(tmp_path: Path) -> None:
    """Ordinary compressible members, one of each kind, are read whole under the defaults."""
    text = _text(MiB)
    (tmp_path / "t.xml.gz").write_bytes(gzip.compress(text))
    with zipfile.ZipFile(tmp_path / "t.zip", "w", compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr("inner.xml.gz", gzip.compress(text))
        zf.writestr("plain.xml", text)
    with zipfile.ZipFile(tmp_path / "l.zip", "w", compression=zipfile.ZIP_LZMA) as zf:
        zf.writestr("plain.xml", text)
    with tarfile.open(tmp_path / "t.tar.bz2", "w:bz2") as tf:
        info = tarfile.TarInfo("in-tar.xml.gz")
        gz = gzip.compress(text)
        info.size = len(gz)
        tf.addfile(info, io.BytesIO(gz))
    n = str(len(text))
    assert _summary(walk(tmp_path)) == [
        ("SourceFile", "plain.xml", n),  # l.zip
        ("SourceFile", "in-tar.xml", n),  # t.tar.bz2
        ("SourceFile", "t.xml", n),  # t.xml.gz
        ("SourceFile", "inner.xml", n),  # t.zip
        ("SourceFile", "plain.xml", n),
    ]


# ---------------------------------------------------------------- symbolic links


OUTSIDE = "symbolic link to outside the ingested folder"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xml").write_bytes(b"<secret/>")
    (outside / "dir").mkdir()
    (outside / "dir" / "more.xml").write_bytes(b"<secret/>")
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "doc.xml").write_bytes(DOC)
    (root / "sub" / "inner.xml").write_bytes(DOC)
    (root / "secret.xml").symlink_to(outside / "secret.xml")
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "escape").symlink_to(outside / "dir", target_is_directory=True)
    (root / "sub" / "up.xml").symlink_to("../../outside/secret.xml")  # relative, still outside
    return root


def test_folder_walk_does_not_follow_links_leaving_the_folder(corpus: Path) -> None:
    items = list(walk(corpus))
    read = sorted(os.path.relpath(it.path, corpus) for it in items if isinstance(it, SourceFile))
    assert read == ["doc.xml", "sub/inner.xml"]
    skipped = sorted((os.path.relpath(it.path, corpus), it.reason) for it in items if isinstance(it, Skipped))
    assert skipped == [("escape", OUTSIDE), ("passwd.txt", OUTSIDE), ("secret.xml", OUTSIDE),
                       ("sub/up.xml", OUTSIDE)]
    assert all(b"secret" not in it.data and b"root:" not in it.data for it in items if isinstance(it, SourceFile))


def test_links_inside_the_folder_are_read_once_under_their_own_name(corpus: Path) -> None:
    (corpus / "alias.xml").symlink_to(corpus / "doc.xml")
    (corpus / "subalias").symlink_to("sub", target_is_directory=True)
    items = list(walk(corpus))
    read = sorted(os.path.relpath(it.path, corpus) for it in items if isinstance(it, SourceFile))
    assert read == ["doc.xml", "sub/inner.xml"]
    inside = {os.path.relpath(it.path, corpus): it.reason for it in items
              if isinstance(it, Skipped) and it.reason != OUTSIDE}
    assert set(inside) == {"alias.xml", "subalias"}
    assert all("inside the ingested folder" in r for r in inside.values())


def test_symlink_loops_and_dangling_links_end_the_walk(tmp_path: Path) -> None:
    root = tmp_path / "loops"
    root.mkdir()
    (root / "self.xml").symlink_to("self.xml")
    (root / "a.xml").symlink_to("b.xml")
    (root / "b.xml").symlink_to("a.xml")
    (root / "dangling.xml").symlink_to("nowhere.xml")
    (root / "cycle").symlink_to(".", target_is_directory=True)
    (root / "ok.xml").write_bytes(DOC)
    items = list(walk(root))
    assert [os.path.basename(it.path) for it in items if isinstance(it, SourceFile)] == ["ok.xml"]
    reasons = {os.path.basename(it.path): it.reason for it in items if isinstance(it, Skipped)}
    assert set(reasons) == {"self.xml", "a.xml", "b.xml", "dangling.xml", "cycle"}
    assert "loop" in reasons["self.xml"] and "loop" in reasons["a.xml"]
    assert "broken" in reasons["dangling.xml"]


def test_a_link_named_by_the_user_is_followed(corpus: Path) -> None:
    items = list(walk(corpus / "secret.xml"))
    assert [type(it) for it in items] == [SourceFile]
    assert items[0].data == b"<secret/>"  # type: ignore[union-attr]
    linked_dir = corpus.parent / "linked"
    linked_dir.symlink_to(corpus, target_is_directory=True)
    read = sorted(os.path.basename(it.path) for it in walk(linked_dir) if isinstance(it, SourceFile))
    assert read == ["doc.xml", "inner.xml"]


def test_special_files_in_a_folder_are_skipped_not_read(tmp_path: Path) -> None:
    """A FIFO named like a source would block the walk forever if opened."""
    root = tmp_path / "special"
    root.mkdir()
    os.mkfifo(root / "pipe.xml")
    (root / "ok.xml").write_bytes(DOC)
    assert _summary(walk(root)) == [("SourceFile", None, str(len(DOC))), ("Skipped", None, "not a regular file")]


def test_ingest_json_lists_skipped_links_and_limit_failures(corpus: Path, tmp_path: Path) -> None:
    """Under the default limits, 16 MiB of zeros in a .gz in a zip passes the 200:1 ratio."""
    with zipfile.ZipFile(corpus / "bomb.zip", "w") as zf:
        zf.writestr("bomb.xml.gz", _gz_zeros(16 * MiB))
    with SQLiteStore(tmp_path / "s.db") as store:
        report = ingest([corpus], store, workers=1)
    summary = report.to_dict()
    skipped = {(os.path.relpath(s["path"], corpus), s["reason"]) for s in summary["skipped"]}
    assert ("passwd.txt", OUTSIDE) in skipped and ("secret.xml", OUTSIDE) in skipped
    assert {"path": str(corpus / "bomb.zip"), "member": "bomb.xml.gz",
            "reason": "compression ratio above 200:1"} in summary["failures"]


def test_cli_ingest_json_lists_skipped_links(corpus: Path, tmp_path: Path) -> None:
    from medcite.serve.cli import app

    result = CliRunner().invoke(app, ["ingest", str(corpus), "--json", "--no-embed", "--home", str(tmp_path / "h")])
    summary = json.loads(result.stdout)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in summary["skipped"]}
    assert reasons["passwd.txt"] == OUTSIDE and reasons["escape"] == OUTSIDE
