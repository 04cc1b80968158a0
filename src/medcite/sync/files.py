"""Whole files from a source that publishes them (MedlinePlus topics, DailyMed release zips):
a local file or folder, or an http(s) URL of a file or of a page linking to files.

Downloads go through :class:`~medcite.sync.http.HttpClient` (rate limit, retries, a ``check``
that asks again when a transfer arrives damaged) into the sync cache, beside which nothing
partial is ever left.
"""

from __future__ import annotations

import html
import re
import struct
import urllib.parse
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError
from .http import FetchError, HttpClient, Retry

_HREF = re.compile(r'href\s*=\s*["\']([^"\'#]+)["\']', re.I)


def is_remote(where: str) -> bool:
    return urllib.parse.urlparse(where).scheme in ("http", "https")


def local_path(where: str) -> Path:
    """``where`` (a path or a file: URL) as a path on this machine."""
    parsed = urllib.parse.urlparse(where)
    return Path(urllib.parse.unquote(parsed.path)) if parsed.scheme == "file" else Path(where).expanduser()


def checked_source(source: str) -> str:
    """``source`` stripped: an http(s) URL, or a file or folder that exists."""
    where = source.strip()
    if not is_remote(where) and not local_path(where).exists():
        raise ConfigError(f"{source!r} is neither a file, a folder nor an http(s) URL")
    return where


def single_file(where: str, suffixes: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, path or URL) when ``where`` is one file: a local file, or a URL (its query aside)
    ending in one of ``suffixes``; else None."""
    if not is_remote(where) and local_path(where).is_file():
        return local_path(where).name, str(local_path(where))
    if is_remote(where) and where.rsplit("?", 1)[0].lower().endswith(suffixes):
        return where.rsplit("?", 1)[0].rsplit("/", 1)[-1], where
    return None


def links(client: HttpClient, page_url: str) -> list[tuple[str, str]]:
    """(file name, absolute URL) of every link of an HTML page (an index page, or a page such as
    https://medlineplus.gov/xml.html)."""
    page = client.get(page_url).decode("utf-8", "replace")
    out: list[tuple[str, str]] = []
    for href in _HREF.findall(page):
        url = urllib.parse.urljoin(page_url, html.unescape(href.strip()))
        name = urllib.parse.unquote(urllib.parse.urlparse(url).path).rsplit("/", 1)[-1]
        if name:
            out.append((name, url))
    return list(dict.fromkeys(out))


def listing(client: HttpClient, where: str) -> list[tuple[str, str]]:
    """(name, URL or path) of the files in a folder or behind a page's links."""
    if is_remote(where):
        return links(client, where)
    folder = local_path(where)
    if not folder.is_dir():
        raise ConfigError(f"{where!r} is neither a file, a folder nor an http(s) URL")
    return [(p.name, str(p)) for p in sorted(folder.iterdir()) if p.is_file()]


def _end_record(path: Path) -> tuple[int, int]:
    """(entries, comment length) of a zip's end-of-central-directory record, and it must end
    the file; zipfile itself reads a damaged record leniently (as fewer files, or none)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 22 - 0xFFFF))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Retry("not a zip (no end-of-central-directory record)")
    entries, comment = struct.unpack("<10xH8xH", tail[at: at + 22])
    if at + 22 + comment != len(tail):
        raise Retry("the zip's end record does not end the file (damaged or cut off)")
    return entries, comment


def check_zip(path: Path) -> None:
    """A download that is not a whole zip (cut off, or damaged in transit): ask again. Its end
    record must agree with its directory, which must list a file, and every member's CRC must
    match."""
    try:
        entries, _ = _end_record(path)
        with zipfile.ZipFile(path) as zf:
            listed = len(zf.infolist())
            if not listed or (entries != 0xFFFF and entries != listed % 0x10000):
                raise Retry(f"the zip's directory is damaged ({entries} files in its end record, {listed} listed)")
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Retry(f"not a readable zip ({exc})") from None
    if bad is not None:
        raise Retry(f"zip member {bad} is damaged (CRC)")


def fetch(client: HttpClient, url_or_path: str, name: str, downloads: Path,
          check: Callable[[Path], None] | None = None) -> Path:
    """The file on this machine: a local one as it is, a remote one downloaded (checked, and
    downloaded again when the check fails) into ``downloads``."""
    if not is_remote(url_or_path):
        path = local_path(url_or_path)
        if not path.is_file():
            raise ConfigError(f"{url_or_path!r}: no such file")
        if check is not None:
            try:
                check(path)
            except Retry as exc:
                raise FetchError(f"{name}: {exc}; not processed") from None
        return path
    try:
        return client.download(url_or_path, downloads / name, check=check)
    except FetchError as exc:
        raise FetchError(f"{name}: {exc}; not processed") from None
