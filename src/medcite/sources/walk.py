"""Find source files: walk directories and read archives in place.

Yields ``SourceFile`` (bytes to parse), ``Skipped`` (a file that is not evidence,
on purpose) or ``Unreadable`` (a file or archive member that could not be read).
A broken member never stops the rest of its archive or of the walk.
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import is_candidate, is_documentation

MAX_FILE_BYTES = 512 * 1024 * 1024
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    member: str | None
    data: bytes
    explicit: bool = False  # named by the user, not found by walking

    @property
    def name(self) -> str:
        """The name parsers see: the member name inside an archive, else the path."""
        return self.member or self.path


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    member: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    path: str
    member: str | None
    reason: str


Item = SourceFile | Skipped | Unreadable


def is_archive(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".zip", ".gz", *_TAR_SUFFIXES))


def walk(path: str | Path, explicit: bool = True) -> Iterator[Item]:
    """Everything ingestible under ``path`` (a file, directory or archive).

    ``explicit`` marks a path the user named: an unsupported file named directly
    is an error, while one met during a directory walk is merely skipped.
    """
    p = Path(path)
    display = str(path)
    if not p.exists():
        yield Unreadable(display, None, "no such file or directory")
        return
    if p.is_dir():
        for root, dirs, files in os.walk(p, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for fname in sorted(files):
                if fname.startswith("."):
                    continue
                yield from walk(Path(root) / fname, explicit=False)
        return
    name = p.name
    if is_archive(name):
        yield from _archive(p, display)
        return
    if is_documentation(name):
        yield Skipped(display, None, "documentation file, not evidence")
        return
    if not is_candidate(name):
        if explicit:
            yield Unreadable(display, None, f"unsupported file type ({p.suffix or 'no extension'})")
        else:
            yield Skipped(display, None, f"unsupported file type ({p.suffix or 'no extension'})")
        return
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Unreadable(display, None, f"file too large ({size} bytes)")
            return
        yield SourceFile(display, None, p.read_bytes(), explicit=explicit)
    except OSError as exc:
        yield Unreadable(display, None, f"cannot read: {exc.strerror or exc}")


def _member_item(path: str, member: str, data: bytes) -> Iterator[Item]:
    base = member.rsplit("/", 1)[-1]
    if member.lower().endswith(".gz") and not member.lower().endswith(".tar.gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            yield Unreadable(path, member, f"corrupt gzip data: {exc}")
            return
        member = member[:-3]
        base = base[:-3]
    if is_documentation(base):
        yield Skipped(path, member, "documentation file, not evidence")
    elif not is_candidate(base):
        yield Skipped(path, member, "unsupported file type")
    else:
        yield SourceFile(path, member, data)


def _archive(p: Path, display: str) -> Iterator[Item]:
    lower = p.name.lower()
    try:
        if lower.endswith(".zip"):
            yield from _zip(p, display)
        elif lower.endswith(_TAR_SUFFIXES):
            yield from _tar(p, display)
        else:
            with gzip.open(p, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                yield Unreadable(display, None, "file too large after decompression")
                return
            inner = p.name[:-3]
            if is_documentation(inner):
                yield Skipped(display, None, "documentation file, not evidence")
            elif not is_candidate(inner):
                yield Unreadable(display, None, "unsupported file type inside .gz")
            else:
                yield SourceFile(display, inner, data)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, tarfile.TarError) as exc:
        yield Unreadable(display, None, f"corrupt or unreadable archive: {exc}")


def _zip(p: Path, display: str) -> Iterator[Item]:
    with zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            if info.is_dir() or info.filename.rsplit("/", 1)[-1].startswith("."):
                continue
            if info.file_size > MAX_FILE_BYTES:
                yield Unreadable(display, info.filename, "member too large")
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                yield Unreadable(display, info.filename, f"corrupt archive member: {exc}")
                continue
            yield from _member_item(display, info.filename, data)


def _tar(p: Path, display: str) -> Iterator[Item]:
    # Stream mode ("r|*") reads members in order without seeking, so a large
    # compressed archive is never unpacked to disk or held whole in memory.
    with tarfile.open(p, mode="r|*") as tf:
        for info in tf:
            if not info.isfile() or info.name.rsplit("/", 1)[-1].startswith("."):
                continue
            if info.size > MAX_FILE_BYTES:
                yield Unreadable(display, info.name, "member too large")
                continue
            fh = tf.extractfile(info)
            if fh is None:
                continue
            data = fh.read()
            yield from _member_item(display, info.name, data)
