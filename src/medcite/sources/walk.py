"""Find source files: walk directories and read archives in place.

Yields ``SourceFile`` (bytes to parse), ``Skipped`` (a file that is not evidence,
on purpose) or ``Unreadable`` (a file or archive member that could not be read).
A broken member never stops the rest of its archive or of the walk.

Input may be hostile. Archives and .gz files are read by streaming, in chunks, with a
running count checked against ``WalkLimits`` (per member, per archive, per ingest run,
and a compression ratio), so memory stays bounded by the limits, never by what an
archive's headers claim; a refusal is an ``Unreadable`` naming the limit. A folder walk
never follows a symbolic link out of the folder, nor opens a FIFO or device.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from . import is_candidate, is_documentation

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
MAX_FILE_BYTES = 512 * MiB
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")
_CHUNK = 128 * KiB  # decompressed bytes asked for per read
_IN_CHUNK = 8 * KiB  # compressed bytes fed to a decompressor at a time
_LZMA_MEMLIMIT = 256 * MiB  # an xz/lzma header may ask for a 1.5 GiB dictionary; xz -9 needs 65 MiB
_MAX_TAR_HEADER = 1 * MiB  # a pax or GNU long-name header is read whole by tarfile


@dataclass(frozen=True, slots=True)
class WalkLimits:
    """What reading archives and .gz files may decompress.

    Sizes are decompressed bytes, counted while streaming; an archive's own headers are
    only used to refuse early, never trusted to allow.
    """

    max_member_bytes: int = MAX_FILE_BYTES  # one archive member or .gz file
    max_archive_bytes: int = 4 * GiB  # all members of one archive together
    max_total_bytes: int = 16 * GiB  # everything decompressed in one ingest run (one Budget)
    max_ratio: int = 200  # decompressed : compressed bytes of one member...
    ratio_after_bytes: int = 4 * MiB  # ...checked once it has expanded past this (XML compresses well)


class Budget:
    """The decompressed bytes one ingest run has spent: share one by every ``walk()`` of a run."""

    __slots__ = ("limits", "used")

    def __init__(self, limits: WalkLimits | None = None) -> None:
        self.limits = limits or WalkLimits()
        self.used = 0

    @property
    def spent(self) -> bool:
        return self.used > self.limits.max_total_bytes


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

OUTSIDE_LINK = "symbolic link to outside the ingested folder"
NOT_REGULAR = "not a regular file"


def is_archive(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".zip", ".gz", *_TAR_SUFFIXES))


def walk(path: str | Path, explicit: bool = True, budget: Budget | None = None) -> Iterator[Item]:
    """Everything ingestible under ``path`` (a file, directory or archive).

    ``explicit`` marks a path the user named: an unsupported file named directly
    is an error, while one met during a directory walk is merely skipped. A path the
    user named is followed if it is a symbolic link (they asked for it); links met while
    walking a folder are not (see ``_link``). ``budget`` carries the decompression
    limits and what was spent so far: pass the same one to every walk of one ingest.
    """
    budget = Budget() if budget is None else budget
    p = Path(path)
    display = str(path)
    if not p.exists():
        yield Unreadable(display, None, "no such file or directory")
        return
    if p.is_dir():
        yield from _walk_dir(p, budget)
        return
    yield from _file(p, display, explicit, budget, follow=True)


def _walk_dir(top: Path, budget: Budget) -> Iterator[Item]:
    root = top.resolve()
    # followlinks=False: a linked folder is never descended into, so links cannot loop.
    for dirpath, dirs, files in os.walk(top, followlinks=False):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            if (here / d).is_symlink():
                yield _link(here / d, root)
            else:
                kept.append(d)
        dirs[:] = kept
        for fname in sorted(files):
            if fname.startswith("."):
                continue
            f = here / fname
            try:
                mode = f.lstat().st_mode
            except OSError as exc:
                yield Unreadable(str(f), None, f"cannot read: {exc.strerror or exc}")
                continue
            if stat.S_ISLNK(mode):
                yield _link(f, root)
            elif not stat.S_ISREG(mode):
                yield Skipped(str(f), None, NOT_REGULAR)  # a FIFO would block, a device never end
            else:
                yield from _file(f, str(f), False, budget, follow=False)


def _link(link: Path, root: Path) -> Skipped:
    """A symbolic link met while walking ``root`` is never read through.

    One leading out of the folder would publish whatever it points at (/etc/passwd).
    One staying inside is skipped too, as a duplicate: its target is read under its own
    name when the walk gets there, so each file is ingested once, with one source path.
    (A target the walk does not reach, in a hidden folder, is then not read at all: the
    user hid it.)
    """
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return Skipped(str(link), None, "symbolic link loop")
    except OSError as exc:
        reason = "symbolic link loop" if exc.errno == errno.ELOOP else "broken symbolic link"
        return Skipped(str(link), None, reason)
    if not target.is_relative_to(root):
        return Skipped(str(link), None, OUTSIDE_LINK)
    what = "folder" if target.is_dir() else "file"
    return Skipped(str(link), None, f"symbolic link to a {what} inside the ingested folder, read under its own name")


def _file(p: Path, display: str, explicit: bool, budget: Budget, follow: bool) -> Iterator[Item]:
    name = p.name
    if is_archive(name):
        yield from _archive(p, display, budget, follow)
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
    limit = budget.limits.max_member_bytes
    try:
        with _open(p, follow) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                yield Unreadable(display, None, f"file too large ({size} bytes)")
                return
            data = _read_all(fh, limit + 1)  # the file may grow while it is read
        if len(data) > limit:
            yield Unreadable(display, None, f"file too large (more than {limit} bytes)")
            return
        yield SourceFile(display, None, data, explicit=explicit)
    except _NotRegular:
        yield Unreadable(display, None, NOT_REGULAR)
    except OSError as exc:
        yield Unreadable(display, None, f"cannot read: {exc.strerror or exc}")


# ---------------------------------------------------------------- limits


def _size(n: int) -> str:
    for unit, name in ((GiB, "GiB"), (MiB, "MiB"), (KiB, "KiB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} bytes"


class _LimitPassed(Exception):
    """A limit was passed. ``whole_archive``: the rest of the archive is not read either."""

    def __init__(self, reason: str, whole_archive: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.whole_archive = reason, whole_archive


class _Meter:
    """Decompressed bytes of one archive, charged to the archive's and the run's limits."""

    def __init__(self, budget: Budget) -> None:
        self.budget, self.limits, self.used = budget, budget.limits, 0

    def check(self, more: int = 0) -> None:
        if self.used + more > self.limits.max_archive_bytes:
            raise _LimitPassed(f"archive exceeds {_size(self.limits.max_archive_bytes)} in total after "
                               "decompression; the rest of it was not read", whole_archive=True)
        if self.budget.used + more > self.limits.max_total_bytes:
            raise _LimitPassed(f"this ingest exceeds {_size(self.limits.max_total_bytes)} decompressed in "
                               "total; the rest of the archive was not read", whole_archive=True)

    def add(self, n: int) -> None:
        self.used += n
        self.budget.used += n
        self.check()


class _CountingFile(io.FileIO):
    """A file that counts the (compressed) bytes read from it, for the ratio limit."""

    count = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.count += len(data or b"")
        return data or b""

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer) or 0
        self.count += n
        return n


class _NotRegular(Exception):
    pass


def _open(p: Path, follow: bool) -> _CountingFile:
    """Open a regular file for reading. ``follow=False`` (found by a walk) refuses a
    symbolic link put there since the walk looked; O_NONBLOCK keeps a FIFO from blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(p, flags)
    fh = _CountingFile(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        fh.close()
        raise _NotRegular(str(p))
    return fh


def _read_all(fh: IO[bytes], limit: int) -> bytes:
    out = io.BytesIO()
    while out.tell() < limit:
        chunk = fh.read(min(_CHUNK * 8, limit - out.tell()))
        if not chunk:
            break
        out.write(chunk)
    return out.getvalue()


def _read_capped(stream: _Readable, meter: _Meter, raw: _CountingFile, *, charge: bool, what: str,
                 compressed: int | None = None) -> bytes:
    """All of ``stream``, read in chunks, refused as soon as a limit is passed.

    ``raw`` is the compressed file underneath (its count gives the ratio); ``charge``
    counts the bytes against the archive and run limits (False where the stream is a tar
    member, whose bytes the tar stream already counted). ``compressed``, a zip member's
    compressed size, caps the ratio's denominator: zipfile reads ahead of what it has
    decompressed, so the file's count alone let a deflate bomb grow to the member limit.
    A header that overstates it only loosens the ratio; the member limit still holds.
    """
    lim = meter.limits
    start = raw.count
    out = io.BytesIO()  # getvalue() hands over its buffer: no second copy of the member
    n = 0
    while True:
        chunk = stream.read(min(_CHUNK, lim.max_member_bytes + 1 - n))
        if not chunk:
            return out.getvalue()
        n += len(chunk)
        if n > lim.max_member_bytes:
            raise _LimitPassed(f"{what} exceeds {_size(lim.max_member_bytes)} after decompression")
        if charge:
            meter.add(len(chunk))
        consumed = raw.count - start if compressed is None else min(raw.count - start, compressed)
        if n > lim.ratio_after_bytes and n > lim.max_ratio * max(1, consumed):
            raise _LimitPassed(f"compression ratio above {lim.max_ratio}:1")
        out.write(chunk)


# ---------------------------------------------------------------- bounded decompression


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class _Decompressing(io.RawIOBase):
    """A compressed stream read back with at most the asked-for bytes per call.

    tarfile's stream mode and zipfile's bzip2/lzma members decompress each chunk of input
    whole, and 10 KB of bzip2 can expand to gigabytes; this never does. ``concatenated``:
    further streams may follow the first (.xz, .bz2 files); ``end_marker``: input ending
    before the end of the stream is an error (a zip member ends with its compressed size).
    """

    def __init__(self, raw: _Readable, new: Callable[[], _Decompressor], *, concatenated: bool = True,
                 end_marker: bool = True, crc: int | None = None) -> None:
        super().__init__()
        self._raw, self._new, self._dec = raw, new, new()
        self._concatenated, self._end_marker = concatenated, end_marker
        self._crc, self._running = crc, 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._done or not len(buffer):
            return 0
        with memoryview(buffer) as view:
            size = len(view)
            while True:
                if self._dec.eof:
                    block = self._dec.unused_data or (self._raw.read(_IN_CHUNK) if self._concatenated else b"")
                    if not (block and self._concatenated):
                        return self._end()
                    self._dec = self._new()  # the next of concatenated streams
                    try:
                        data = self._dec.decompress(block, size)
                    except lzma.LZMAError:
                        return self._end()  # trailing padding or garbage, as lzma.open ignores
                else:
                    block = self._raw.read(_IN_CHUNK) if self._dec.needs_input else b""
                    if not block and self._dec.needs_input:
                        if self._end_marker:
                            raise EOFError("compressed data ends before its end-of-stream marker")
                        return self._end()
                    data = self._dec.decompress(block, size)
                if data:
                    view[: len(data)] = data
                    if self._crc is not None:
                        self._running = zlib.crc32(data, self._running)
                    return len(data)

    def _end(self) -> int:
        self._done = True
        if self._crc is not None and self._running != self._crc:
            raise zipfile.BadZipFile("bad CRC-32 for archive member")
        return 0


def _xz() -> _Decompressor:
    return lzma.LZMADecompressor(memlimit=_LZMA_MEMLIMIT)


def _decompressed(raw: _CountingFile) -> _Readable:
    """The tar stream inside ``raw``: gzip, bzip2, xz or none, told by the magic bytes."""
    head = raw.read(6)
    raw.seek(0)
    raw.count = 0
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # reads with max_length: bounded
    if head.startswith(b"BZh"):
        return io.BufferedReader(_Decompressing(raw, bz2.BZ2Decompressor))
    if head.startswith(b"\xfd7zXZ\x00"):
        return io.BufferedReader(_Decompressing(raw, _xz))
    return raw


class _OuterError(Exception):
    """The archive's own compressed stream is corrupt: no later member can be reached."""


class _Metered:
    """A tar stream whose every byte (members, headers, skipped data) is charged to the meter."""

    def __init__(self, stream: _Readable, meter: _Meter) -> None:
        self._stream, self._meter = stream, meter

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._stream.read(n)
        except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
            raise _OuterError(str(exc) or type(exc).__name__) from exc
        self._meter.add(len(data))
        return data


class _TarInfo(tarfile.TarInfo):
    """tarfile reads a pax or GNU long-name header's data whole: cap it."""

    def _proc_member(self, tf: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in (*tarfile.GNU_TYPES, tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE) \
                and not self.isfile() and self.size > _MAX_TAR_HEADER:
            raise _LimitPassed(f"tar header of {self.size} bytes (more than {_size(_MAX_TAR_HEADER)}); "
                               "the rest of the archive was not read", whole_archive=True)
        return super()._proc_member(tf)  # type: ignore[misc]


class _Window:
    """``length`` bytes of ``fh`` from ``start``, shared with zipfile (so: seek before each read)."""

    def __init__(self, fh: _CountingFile, start: int, length: int) -> None:
        self._fh, self._pos, self._left = fh, start, length

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        if n <= 0:
            return b""
        self._fh.seek(self._pos)
        data = self._fh.read(n)
        self._pos += len(data)
        self._left = self._left - len(data) if data else 0
        return data


def _zip_open(zf: zipfile.ZipFile, info: zipfile.ZipInfo, raw: _CountingFile) -> IO[bytes]:
    """A zip member's decompressed bytes, never more per read than asked for.

    zipfile bounds its stored and deflated reads; its bzip2 and lzma ones decompress a
    whole chunk of input at once, so those are decompressed here from the raw bytes.
    """
    if info.flag_bits & 0x1:
        raise _UnreadableMember("encrypted member (password protected), not read")
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return zf.open(info)
    if info.compress_type not in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        raise _UnreadableMember(f"unsupported zip compression method {info.compress_type}")
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    window = _Window(raw, info.header_offset + 30 + name_len + extra_len, info.compress_size)
    if info.compress_type == zipfile.ZIP_BZIP2:
        new: Callable[[], _Decompressor] = bz2.BZ2Decompressor
    else:
        new = _zip_lzma(window)
    return io.BufferedReader(_Decompressing(window, new, concatenated=False, end_marker=False, crc=info.CRC))


class _UnreadableMember(ValueError):
    """A zip member medcite will not decompress (encrypted, or an unknown method); reported,
    and the rest of the archive goes on."""


def _zip_lzma(window: _Window) -> Callable[[], _Decompressor]:
    """A zip lzma member: a 4-byte header, LZMA1 properties, then raw LZMA1 data."""
    head = window.read(4)
    if len(head) != 4:
        raise zipfile.BadZipFile("truncated lzma header")
    props = window.read(struct.unpack("<H", head[2:4])[0])
    if len(props) != 5:
        raise zipfile.BadZipFile("bad lzma properties")
    pb_lp_lc, dict_size = props[0], struct.unpack("<L", props[1:5])[0]
    if dict_size > _LZMA_MEMLIMIT:
        raise _LimitPassed(f"lzma dictionary above {_size(_LZMA_MEMLIMIT)}")
    filt = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": pb_lp_lc % 9,
            "lp": pb_lp_lc // 9 % 5, "pb": pb_lp_lc // 45}
    return lambda: lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt])


# ---------------------------------------------------------------- archives


def _gz_name(member: str) -> tuple[str, bool]:
    """The name inside a .gz member (decompressed one level, as a .gz file is) and whether it is one."""
    lower = member.lower()
    if lower.endswith(".gz") and not lower.endswith(".tar.gz"):
        return member[:-3], True
    return member, False


def _not_evidence(path: str, member: str) -> Skipped | None:
    base = member.rsplit("/", 1)[-1]
    if is_documentation(base):
        return Skipped(path, member, "documentation file, not evidence")
    if not is_candidate(base):
        return Skipped(path, member, "unsupported file type")
    return None


_CORRUPT = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError, RuntimeError)


def _archive(p: Path, display: str, budget: Budget, follow: bool) -> Iterator[Item]:
    lower = p.name.lower()
    if not lower.endswith((".zip", *_TAR_SUFFIXES)):  # a .gz file: decide by the name inside first
        inner = p.name[:-3]
        if is_documentation(inner):
            yield Skipped(display, None, "documentation file, not evidence")
            return
        if not is_candidate(inner):
            yield Unreadable(display, None, "unsupported file type inside .gz")
            return
    if budget.spent:
        yield Unreadable(display, None, f"not decompressed: this ingest already decompressed "
                         f"{_size(budget.limits.max_total_bytes)} in total")
        return
    try:
        with _open(p, follow) as raw:
            if lower.endswith(".zip"):
                yield from _zip(raw, display, budget)
            elif lower.endswith(_TAR_SUFFIXES):
                yield from _tar(raw, display, budget)
            else:
                yield _gz(raw, p.name[:-3], display, budget)
    except _NotRegular:
        yield Unreadable(display, None, NOT_REGULAR)
    except _OuterError as exc:
        yield Unreadable(display, None, f"corrupt or unreadable archive: {exc}")
    except (*_CORRUPT, tarfile.TarError) as exc:
        yield Unreadable(display, None, f"corrupt or unreadable archive: {exc}")


def _gz(raw: _CountingFile, inner: str, display: str, budget: Budget) -> Item:
    try:
        with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            data = _read_capped(fh, _Meter(budget), raw, charge=True, what="file")
    except _LimitPassed as exc:
        return Unreadable(display, None, exc.reason)
    return SourceFile(display, inner, data)


def _zip(raw: _CountingFile, display: str, budget: Budget) -> Iterator[Item]:
    meter = _Meter(budget)
    limit = budget.limits.max_member_bytes
    with zipfile.ZipFile(raw) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or name.rsplit("/", 1)[-1].startswith("."):
                continue
            inner, gz = _gz_name(name)
            skip = _not_evidence(display, inner)
            if skip is not None:
                yield skip
                continue
            item: Item
            try:
                if info.file_size > limit:  # the header may lie the other way: reading is capped too
                    raise _LimitPassed(f"member exceeds {_size(limit)} after decompression")
                with _zip_open(zf, info, raw) as stream:
                    item = SourceFile(display, inner, _read_member(stream, gz, meter, raw, charge=True,
                                                                   compressed=info.compress_size))
            except _LimitPassed as exc:
                yield Unreadable(display, name, exc.reason)
                if exc.whole_archive:
                    return
                continue
            except _CORRUPT as exc:
                item = Unreadable(display, name, f"corrupt archive member: {exc}")
            yield item


def _read_member(stream: IO[bytes], gz: bool, meter: _Meter, raw: _CountingFile, charge: bool,
                 compressed: int | None = None) -> bytes:
    if gz:  # a .gz member is decompressed one level more; its bytes are always charged
        with gzip.GzipFile(fileobj=stream, mode="rb") as inner:
            return _read_capped(inner, meter, raw, charge=True, what="member", compressed=compressed)
    return _read_capped(stream, meter, raw, charge=charge, what="member", compressed=compressed)


def _tar(raw: _CountingFile, display: str, budget: Budget) -> Iterator[Item]:
    # Stream mode ("r|") reads members in order without seeking, so a large archive is
    # never unpacked to disk or held whole in memory. Its decompression is done here
    # (tarfile's own would expand each chunk of input whole) and every byte of the tar
    # stream, skipped ones included, counts against the archive's limit.
    meter = _Meter(budget)
    limit = budget.limits.max_member_bytes
    member: str | None = None
    try:
        stream = _Metered(_decompressed(raw), meter)
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_TarInfo) as tf:  # type: ignore[call-overload]
            for info in tf:
                member = info.name
                if not info.isfile() or info.name.rsplit("/", 1)[-1].startswith("."):
                    continue
                inner, gz = _gz_name(info.name)
                skip = _not_evidence(display, inner)
                if skip is not None:
                    yield skip
                    continue
                meter.check(info.size)  # reaching the next member means decompressing this one
                if info.size > limit:
                    yield Unreadable(display, info.name, f"member exceeds {_size(limit)} after decompression")
                    continue
                fh = tf.extractfile(info)
                if fh is None:
                    continue
                item: Item
                try:
                    item = SourceFile(display, inner, _read_member(fh, gz, meter, raw, charge=False))
                except _LimitPassed as exc:
                    if exc.whole_archive:
                        raise
                    item = Unreadable(display, info.name, exc.reason)
                except (OSError, EOFError, zlib.error) as exc:  # the member's own gzip data (outer: _OuterError)
                    item = Unreadable(display, info.name, f"corrupt gzip data: {exc}")
                yield item
    except _LimitPassed as exc:
        yield Unreadable(display, member, exc.reason)
