"""Pinned, verified, resumable downloads (the archives some corpora come in are opened by ``nbhelpers.archives``).

Colab sessions die mid-download and GitHub raw files change under a branch name, so every corpus file
is pinned to a commit and checked against its git blob id or SHA-256. A file already on disk that
verifies is used without touching the network; a partial file is resumed with an HTTP Range request;
a corrupt one is fetched again; when the network is gone, the error says where to put the file by hand.

A file only ever reaches its final name complete and verified: the bytes received are compared with
the size the server announced (a connection that closes cleanly half-way does not raise, it just ends)
and with the pinned size and hash. A ``.part`` file left by a crash is checked before it is resumed,
because asking a server for the bytes after the end of a file is answered with HTTP 416 forever.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nbhelpers.errors import DownloadError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 16
HTTP_RANGE_NOT_SATISFIABLE = 416


@dataclass(frozen=True)
class RemoteFile:
    """One upstream file, pinned.

    Attributes:
        url: Where to fetch it, pinned to a commit (never a branch).
        filename: Path of the file below the corpus directory, e.g. ``nsmc/ratings_train.txt``.
        git_blob: Expected ``git hash-object`` of the file, if known.
        sha256: Expected SHA-256 hex digest, if known.
        size: Expected size in bytes, if known.
    """

    url: str
    filename: str
    git_blob: str | None = None
    sha256: str | None = None
    size: int | None = None


def git_blob_id(path: str | Path) -> str:
    """What ``git hash-object PATH`` prints, without needing git."""
    path = Path(path)
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str | Path, remote: RemoteFile) -> bool:
    """True when the file at ``path`` is exactly the pinned upstream file."""
    path = Path(path)
    if not path.is_file():
        return False
    if remote.size is not None and path.stat().st_size != remote.size:
        return False
    if remote.git_blob is not None and git_blob_id(path) != remote.git_blob:
        return False
    if remote.sha256 is not None and sha256_of(path) != remote.sha256:
        return False
    return True


def _is_pinned(remote: RemoteFile) -> bool:
    return remote.size is not None or remote.git_blob is not None or remote.sha256 is not None


def size_record_path(dest: str | Path) -> Path:
    """Where :func:`record_size` keeps the size of ``dest``: a small JSON file beside it."""
    dest = Path(dest)
    return dest.with_name(dest.name + ".size.json")


def record_size(remote: RemoteFile, path: str | Path) -> None:
    """Remember the size of ``path``, a verified copy of ``remote``, for later :func:`fetch_file` calls.

    For files whose publisher gives no hash (GitHub release assets such as kowikitext's zips) the caller
    verifies the first copy some other way (the zip's CRCs) and records its size here; from then on the
    size is a pin like any other, so a truncated or replaced file is caught before it is used.
    """
    path = Path(path)
    record = size_record_path(path)
    temporary = record.with_name(record.name + ".tmp")
    temporary.write_text(json.dumps({"url": remote.url, "size": path.stat().st_size}) + "\n", encoding="utf-8")
    temporary.replace(record)


def recorded_size(remote: RemoteFile, dest: str | Path) -> int | None:
    """The size :func:`record_size` stored for ``remote`` at ``dest``, or None (none, unreadable, other URL)."""
    try:
        record = json.loads(size_record_path(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("url") != remote.url:
        return None
    size = record.get("size")
    return size if isinstance(size, int) and size >= 0 else None


class Transport(Protocol):
    """How bytes get here; tests pass a fake, the notebooks use HTTP."""

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        """Start reading ``url`` at byte ``start``.

        Returns the chunks, the total size of the whole file if known, and whether the server honoured
        the range (if not, the chunks start at byte 0). A ``start`` at or past the end of the file raises
        ``urllib.error.HTTPError`` with code 416, as ``urlopen`` does. The chunks may simply stop early
        (a connection closed cleanly); :func:`fetch_file` notices by comparing with the total.
        """
        ...


_CONTENT_RANGE_TOTAL = re.compile(r"/(\d+)\s*$")


class HttpTransport:
    """urllib with a Range header; no extra dependency and works the same on Colab and locally."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        request = urllib.request.Request(url, headers={"User-Agent": "nbhelpers"})
        if start > 0:
            request.add_header("Range", f"bytes={start}-")
        # HTTP errors (404, 416, ...) are raised by urlopen as urllib.error.HTTPError.
        response = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 (pinned https URLs)
        resumed = start > 0 and response.status == 206
        length = response.headers.get("Content-Length")
        total = int(length) + (start if resumed else 0) if length is not None else None
        content_range = _CONTENT_RANGE_TOTAL.search(response.headers.get("Content-Range") or "")
        if resumed and content_range:
            total = int(content_range.group(1))

        def chunks() -> Iterator[bytes]:
            with response:
                yield from iter(lambda: response.read(CHUNK_SIZE), b"")

        return chunks(), total, resumed


def _progress(total: int | None, initial: int, desc: str, enabled: bool):  # noqa: ANN202 (tqdm type)
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, desc=desc, disable=not enabled)


def _settle_part(part: Path, remote: RemoteFile) -> bool:
    """Check a ``.part`` left by an earlier run before resuming it; True when it is already the whole file.

    Resuming a complete or oversized ``.part`` would ask for bytes past the end of the file, which the
    server refuses with HTTP 416 on every attempt.
    """
    if not part.is_file():
        return False
    size = part.stat().st_size
    if remote.size is not None and size > remote.size:
        logger.warning("%s is larger than the file (%d > %d bytes); starting again.", part, size, remote.size)
        part.unlink()
        return False
    if _is_pinned(remote) and (remote.size is None or size == remote.size):
        if verify(part, remote):
            return True
        if remote.size is not None:  # full size but wrong bytes: resuming cannot fix it
            logger.warning("%s has the full size but does not verify; starting again.", part)
            part.unlink()
    return False


class _Incomplete(Exception):
    """The server stopped sending before the end of the file; the next attempt resumes."""


def _receive(remote: RemoteFile, part: Path, transport: Transport, desc: str, progress: bool) -> None:
    """One attempt: append to (or restart) ``part`` until the stream ends; raise when it ended too early."""
    start = part.stat().st_size if part.exists() else 0
    try:
        chunks, total, resumed = transport.open(remote.url, start)
    except urllib.error.HTTPError as error:
        if error.code != HTTP_RANGE_NOT_SATISFIABLE or start == 0:
            raise
        # The .part is at or past the end of the file on the server (e.g. the file changed): start over.
        logger.warning("%s cannot be resumed (HTTP 416); downloading from the start.", part)
        part.unlink()
        start = 0
        chunks, total, resumed = transport.open(remote.url, 0)
    if not resumed:
        start = 0
    expected = remote.size if remote.size is not None else total
    received = start
    try:
        if remote.size is not None and total is not None and total != remote.size:
            part.unlink(missing_ok=True)
            raise DownloadError(f"the server announced {total} bytes, the pinned size is {remote.size}")
        with part.open("ab" if resumed else "wb") as handle, _progress(expected, start, desc, progress) as bar:
            for chunk in chunks:
                handle.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                if expected is not None and received > expected:
                    break
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # releases the HTTP connection when we stop reading early
    if expected is not None and received > expected:
        part.unlink()
        raise DownloadError(f"the server sent more than the {expected} bytes it announced")
    if expected is not None and received < expected:
        raise _Incomplete(f"the connection closed after {received} of {expected} bytes")


def fetch_file(
    remote: RemoteFile,
    dest: str | Path,
    transport: Transport | None = None,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    progress: bool = True,
) -> Path:
    """Make ``dest`` hold the verified upstream file and return its path.

    A verified file already at ``dest`` is returned without any network access. Otherwise bytes go to
    ``dest + ".part"`` (resumed across attempts and across sessions), are verified, and only then moved
    into place, so ``dest`` never holds a half-written file. A size stored by :func:`record_size` counts
    as a pin for files that have none.
    """
    dest = Path(dest)
    recorded = recorded_size(remote, dest) if remote.size is None else None
    size_from_record = recorded is not None
    if size_from_record:
        remote = dataclasses.replace(remote, size=recorded)
    if verify(dest, remote):
        return dest
    if dest.exists():
        logger.warning("%s does not match the pinned upstream file (corrupt or changed); fetching it again.", dest)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if _settle_part(part, remote):
        part.replace(dest)
        return dest
    transport = transport or HttpTransport()
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            _receive(remote, part, transport, dest.name, progress)
        except (OSError, urllib.error.URLError, DownloadError, _Incomplete) as error:
            last_error = error
            logger.warning("Download of %s failed (attempt %d/%d): %s", remote.url, attempt, retries, error)
            if attempt < retries:
                time.sleep(backoff_seconds * attempt)
            continue
        if verify(part, remote):
            part.replace(dest)
            return dest
        last_error = DownloadError(f"{remote.url} arrived but does not match its pinned hash")
        logger.warning("%s did not verify (attempt %d/%d); discarding it.", part, attempt, retries)
        part.unlink()
    expected = ", ".join(
        f"{key} {value}"
        for key, value in (("git blob id", remote.git_blob), ("sha256", remote.sha256), ("size", remote.size))
        if value is not None
    )
    if size_from_record:
        expected += f"; size recorded in {size_record_path(dest)}, delete it if upstream really changed"
    reason = str(last_error)
    raise DownloadError(
        f"Could not download {remote.url} after {retries} attempts ({reason[:200]}).\n"
        f"  How to fix: check the network (on Colab: Runtime > Restart) and run the cell again; it resumes.\n"
        f"  Or download the file yourself and place it at {dest}"
        + (f" (it must have {expected})." if expected else ".")
    )
