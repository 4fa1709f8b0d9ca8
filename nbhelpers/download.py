"""Pinned, verified, resumable downloads (the archives some corpora come in are opened by ``nbhelpers.archives``).

Colab sessions die mid-download and GitHub raw files change under a branch name, so every corpus file
is pinned to a commit and checked against its git blob id or SHA-256. A file already on disk that
verifies is used without touching the network; a partial file is resumed with an HTTP Range request;
a file that does not verify is moved aside under a unique name (it may be a learner's fixed copy, so it
is never deleted) and fetched again; when the network is gone, the error says where to put the file by hand.

A file only ever reaches its final name complete and verified: the bytes received are compared with
the size the server announced (a connection that closes cleanly half-way does not raise, it just ends)
and with the pinned size and hash. A ``.part`` file left by a crash is checked before it is resumed,
because asking a server for the bytes after the end of a file is answered with HTTP 416 forever.
A body is never read past the size that is known (pinned or announced), and a file with no known size
is read up to a cap (``RemoteFile.max_size``), so a broken or hostile server cannot fill Colab's disk.

KMOU NER is 1,427 files: :class:`HttpTransport` keeps one connection per host open between requests
(``http.client``, no extra dependency), and :func:`fetch_file` waits as long as the server asks when it
answers HTTP 429 or 503 (``Retry-After`` in seconds or as a date, capped), instead of failing the file.

Files that must survive a new Colab session are kept in a cache folder on Drive: :func:`copy_from_cache`
brings a verified copy to the session's disk, :func:`store_in_cache` keeps a verified download there.
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import http.client
import json
import logging
import re
import shutil
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Protocol

from nbhelpers.errors import DownloadError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 16
HTTP_RANGE_NOT_SATISFIABLE = 416
HTTP_THROTTLED = (429, 503)
"""Too Many Requests and Service Unavailable: the server asks us to come back later, not to give up."""
THROTTLE_WAITS = 5
"""How many times one file waits for a throttling server before it counts as a failed attempt."""
MAX_RETRY_AFTER_SECONDS = 300.0
"""Longest single wait for ``Retry-After``: a server asking for an hour is better answered by the learner."""
DEFAULT_MAX_DOWNLOAD_BYTES = 4 << 30
"""Cap on a file whose size nobody pinned (release zips, a repository archive), unless it sets its own."""
USER_AGENT = "nbhelpers"
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class RemoteFile:
    """One upstream file, pinned.

    Attributes:
        url: Where to fetch it, pinned to a commit (never a branch).
        filename: Path of the file below the corpus directory, e.g. ``nsmc/ratings_train.txt``.
        git_blob: Expected ``git hash-object`` of the file, if known.
        sha256: Expected SHA-256 hex digest, if known.
        size: Expected size in bytes, if known.
        max_size: Most bytes accepted when ``size`` is unknown (default ``DEFAULT_MAX_DOWNLOAD_BYTES``).
        keep_in_cache: Whether a verified copy is kept in the corpus cache on Drive; False for files so large
            that Drive's free 15 GB matters more than the minute it takes to download them again.
    """

    url: str
    filename: str
    git_blob: str | None = None
    sha256: str | None = None
    size: int | None = None
    max_size: int | None = None
    keep_in_cache: bool = True


@dataclass(frozen=True)
class PinnedArchive:
    """An archive of a whole repository at a pinned commit, holding many pinned files in one request.

    GitHub builds ``https://github.com/OWNER/REPO/archive/COMMIT.zip`` on request, so the zip's own bytes
    (and hash) are not stable; its entries are, and each is checked against its ``RemoteFile`` pin.

    Attributes:
        url: The archive's URL, pinned to a commit.
        folder: The repository folder whose files the corpus uses; an entry ``TOP/folder/NAME`` supplies the
            corpus file named ``NAME``, and no other entry is ever written.
        max_size: Most bytes accepted for the archive.
        max_entries: Most entries accepted in it.
    """

    url: str
    folder: str
    max_size: int = 256 << 20
    max_entries: int = 20_000


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


def is_pinned(remote: RemoteFile) -> bool:
    """Whether anything about ``remote`` can be checked (a size or a hash)."""
    return remote.size is not None or remote.git_blob is not None or remote.sha256 is not None


def size_cap(remote: RemoteFile) -> int:
    """Most bytes accepted for ``remote``: its pinned size, else its cap."""
    if remote.size is not None:
        return remote.size
    return remote.max_size if remote.max_size is not None else DEFAULT_MAX_DOWNLOAD_BYTES


def set_aside(path: Path, why: str) -> Path:
    """Move ``path`` to a unique name beside it (``NAME.moved-YYYYmmdd-HHMMSS``), say so, and return the new path.

    A file in the corpus folder that does not verify may be one the learner fixed by hand: it is never
    deleted. The new name matches no corpus pattern (``*.txt``), so folder reads do not pick it up.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.moved-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.moved-{stamp}-{number}")
    path.rename(aside)
    logger.warning("%s: %s. 지우지 않고 %s 로 옮겼습니다. 고친 파일로 학습하려면 train_file/val_file에 그 경로를 "
                   "적고, 필요 없으면 지우세요.", path, why, aside.name)
    return aside


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


def with_recorded_size(remote: RemoteFile, path: str | Path) -> RemoteFile:
    """``remote`` pinned by the size recorded beside ``path`` when it has no size of its own."""
    if remote.size is not None:
        return remote
    recorded = recorded_size(remote, path)
    return remote if recorded is None else dataclasses.replace(remote, size=recorded)


def is_verified(remote: RemoteFile, path: str | Path) -> bool:
    """:func:`verify` with the size recorded beside ``path`` as a pin (see :func:`record_size`)."""
    return verify(path, with_recorded_size(remote, path))


class Body(Protocol):
    """A response body that can be read a bounded amount at a time (what :class:`HttpTransport` returns)."""

    def read(self, size: int) -> bytes: ...


class Transport(Protocol):
    """How bytes get here; tests pass a fake, the notebooks use HTTP."""

    def open(self, url: str, start: int) -> tuple[Iterable[bytes] | Body, int | None, bool]:
        """Start reading ``url`` at byte ``start``.

        Returns the body, the total size of the whole file if known, and whether the server honoured
        the range (if not, the body starts at byte 0). The body is an iterable of chunks, or an object
        with ``read(n)`` that :func:`fetch_file` reads no further than the bytes still expected (and
        closes, if it has ``close``). A ``start`` at or past the end of the file raises
        ``urllib.error.HTTPError`` with code 416, as ``urlopen`` does; so do other HTTP errors (429 and
        503 with their ``Retry-After`` header). The body may simply stop early (a connection closed
        cleanly); :func:`fetch_file` notices by comparing with the total.
        """
        ...


_CONTENT_RANGE_TOTAL = re.compile(r"/(\d+)\s*$")
_DIGITS = re.compile(r"\s*(\d+)\s*")


def announced_total(
    url: str, content_length: str | None, content_range: str | None, start: int, resumed: bool
) -> int | None:
    """The whole file's size from a response's headers, or None; a Content-Length that is no byte count raises."""
    total = None
    if content_length is not None:
        match = _DIGITS.fullmatch(content_length)
        if match is None:
            raise DownloadError(
                f"{url}: 서버가 보낸 Content-Length 값 {content_length[:40]!r}: 바이트 수가 아닙니다. "
                "고치는 법: 잠시 뒤 셀을 다시 실행하고, 계속되면 파일을 직접 받아 안내한 위치에 두세요."
            )
        total = int(match.group(1)) + (start if resumed else 0)
    content_range_total = _CONTENT_RANGE_TOTAL.search(content_range or "")
    if resumed and content_range_total:
        total = int(content_range_total.group(1))
    return total


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1")


class HttpTransport:
    """HTTP(S) with Range requests and one kept-alive connection per host (``http.client``, no extra dependency).

    Downloading KMOU file by file is 1,427 requests; a new TCP and TLS connection for each costs more
    than the small file it carries, so a connection goes back to the pool once its response has been
    read to the end, and the next request to that host reuses it. A pooled connection the server has
    closed meanwhile is replaced once. Redirects (GitHub's archive and release URLs) are followed.
    Where a proxy is configured for the URL (``https_proxy``), urllib is used instead: it knows how to
    talk to proxies, at the price of a new connection per request.
    """

    def __init__(self, timeout: float = 60.0, max_redirects: int = 5) -> None:
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.connections_opened = 0
        """How many connections this transport opened (the benchmark and the tests read it)."""
        self._idle: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def open(self, url: str, start: int) -> tuple[Iterable[bytes] | Body, int | None, bool]:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if start > 0:
            headers["Range"] = f"bytes={start}-"
        for _ in range(self.max_redirects + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise DownloadError(f"{url}: http(s) 주소가 아닙니다. 고치는 법: 말뭉치 등록의 주소를 고치세요.")
            if urllib.request.getproxies().get(parts.scheme) and not (
                _is_loopback(parts.hostname) or urllib.request.proxy_bypass(parts.hostname)
            ):
                return _open_with_urllib(url, headers, start, self.timeout)
            key = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection, response = self._request(key, target, headers)
            body = _Body(self, key, connection, response)
            location = response.getheader("Location")
            if response.status in _REDIRECTS and location:
                body.drain()
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status >= 400:
                body.drain()
                raise urllib.error.HTTPError(url, response.status, response.reason, response.msg, None)
            resumed = start > 0 and response.status == 206
            try:
                total = announced_total(url, response.getheader("Content-Length"),
                                        response.getheader("Content-Range"), start, resumed)
            except DownloadError:
                body.close()
                raise
            return body, total, resumed
        raise DownloadError(f"{url}: 리디렉션이 {self.max_redirects}번을 넘습니다. 고치는 법: 주소를 확인하세요.")

    def close(self) -> None:
        """Close the pooled connections (a later request opens new ones)."""
        for connection in self._idle.values():
            connection.close()
        self._idle.clear()

    def _connect(self, key: tuple[str, str, int]) -> http.client.HTTPConnection:
        scheme, host, port = key
        self.connections_opened += 1
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _request(
        self, key: tuple[str, str, int], target: str, headers: dict[str, str]
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        connection = self._idle.pop(key, None)
        reused = connection is not None
        for attempt in (1, 2):
            if connection is None:
                connection = self._connect(key)
            try:
                connection.request("GET", target, headers=headers)
                return connection, connection.getresponse()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = None
                # A kept-alive connection may have been closed by the server while idle: try once on a new one.
                if not (reused and attempt == 1):
                    if isinstance(error, OSError):
                        raise
                    raise ConnectionError(f"{type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")

    def _release(self, key: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
        if key in self._idle:
            connection.close()
        else:
            self._idle[key] = connection


class _Body:
    """One response body; its connection goes back to the pool when the body was read to its end."""

    def __init__(self, transport: HttpTransport, key: tuple[str, str, int],
                 connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self._transport, self._key, self._connection, self._response = transport, key, connection, response

    def read(self, size: int) -> bytes:
        try:
            return self._response.read(size)
        except http.client.HTTPException as error:  # IncompleteRead and friends: a network failure, retried
            self.close()
            raise ConnectionError(f"{type(error).__name__}: {error}") from error

    def __iter__(self) -> Iterator[bytes]:
        yield from iter(lambda: self.read(CHUNK_SIZE), b"")

    def drain(self, limit: int = 1 << 16) -> None:
        """Read a small body (an error page, a redirect) so that the connection can be reused; then close."""
        try:
            if self._response.length is not None and self._response.length <= limit:
                self._response.read()
        except (OSError, http.client.HTTPException):
            pass
        self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._response.isclosed() and not self._response.will_close:
            self._transport._release(self._key, connection)
        else:  # stopped early, or the server closes after this response: the connection cannot carry another
            self._response.close()
            connection.close()


def _open_with_urllib(
    url: str, headers: dict[str, str], start: int, timeout: float
) -> tuple[Iterable[bytes] | Body, int | None, bool]:
    request = urllib.request.Request(url, headers=headers)
    # HTTP errors (404, 416, 429, ...) are raised by urlopen as urllib.error.HTTPError.
    response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (pinned https URLs)
    resumed = start > 0 and response.status == 206
    try:
        total = announced_total(url, response.headers.get("Content-Length"), response.headers.get("Content-Range"),
                                start, resumed)
    except DownloadError:
        response.close()
        raise
    return response, total, resumed


def _progress(total: int | None, initial: int, desc: str, enabled: bool):  # noqa: ANN202 (tqdm type)
    from tqdm.std import tqdm  # text, not a widget: see nbhelpers.predictor

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, desc=desc, disable=not enabled)


def _settle_part(part: Path, remote: RemoteFile) -> bool:
    """Check a ``.part`` left by an earlier run before resuming it; True when it is already the whole file.

    Resuming a complete or oversized ``.part`` would ask for bytes past the end of the file, which the
    server refuses with HTTP 416 on every attempt.
    """
    if not part.is_file():
        return False
    size = part.stat().st_size
    if size > size_cap(remote):
        logger.warning("%s이(가) 파일보다 큽니다(%d > %d바이트). 처음부터 다시 받습니다.", part, size, size_cap(remote))
        part.unlink()
        return False
    if is_pinned(remote) and (remote.size is None or size == remote.size):
        if verify(part, remote):
            return True
        if remote.size is not None:  # full size but wrong bytes: resuming cannot fix it
            logger.warning("%s은(는) 크기는 다 찼지만 검증을 통과하지 못합니다. 처음부터 다시 받습니다.", part)
            part.unlink()
    return False


class _Incomplete(Exception):
    """The server stopped sending before the end of the file; the next attempt resumes."""


class _Refused(DownloadError):
    """The server's answer cannot be the pinned file (another size, over the cap): asking again would not help."""


def _bounded(body: Iterable[bytes] | Body, left: int) -> Iterator[bytes]:
    """The body's chunks; a body with ``read`` is never asked for more than ``left`` bytes."""
    read = getattr(body, "read", None)
    if read is None:
        yield from body  # type: ignore[misc]  (an iterable of chunks: the caller checks the sizes)
        return
    while left > 0:
        chunk = read(min(CHUNK_SIZE, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def _receive(remote: RemoteFile, part: Path, transport: Transport, desc: str, progress: bool) -> None:
    """One attempt: append to (or restart) ``part`` until the stream ends; raise when it ended too early."""
    start = part.stat().st_size if part.exists() else 0
    try:
        body, total, resumed = transport.open(remote.url, start)
    except urllib.error.HTTPError as error:
        if error.code != HTTP_RANGE_NOT_SATISFIABLE or start == 0:
            raise
        # The .part is at or past the end of the file on the server (e.g. the file changed): start over.
        logger.warning("%s은(는) 이어 받을 수 없습니다(HTTP 416). 처음부터 받습니다.", part)
        part.unlink()
        start = 0
        body, total, resumed = transport.open(remote.url, 0)
    if not resumed:
        start = 0
    expected = remote.size if remote.size is not None else total
    cap = size_cap(remote)
    received = start
    try:
        if remote.size is not None and total is not None and total != remote.size:
            part.unlink(missing_ok=True)
            raise _Refused(f"서버가 알린 크기는 {total}바이트인데 고정된 크기는 {remote.size}바이트입니다")
        if expected is not None and expected > cap:
            part.unlink(missing_ok=True)
            raise _Refused(f"서버가 알린 크기 {expected:,}바이트가 이 파일의 상한 {cap:,}바이트를 넘습니다")
        # A known size is read and no further; an unknown one up to one byte past the cap, to notice it.
        left = (expected if expected is not None else cap + 1) - start
        with part.open("ab" if resumed else "wb") as handle, _progress(expected, start, desc, progress) as bar:
            for chunk in _bounded(body, left):
                handle.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                if received > (expected if expected is not None else cap):
                    break
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()  # pools or releases the HTTP connection
    if expected is not None and received > expected:
        part.unlink()
        raise DownloadError(f"서버가 알린 {expected}바이트보다 많이 보냈습니다")
    if received > cap:
        part.unlink()
        raise _Refused(f"서버가 이 파일의 상한 {cap:,}바이트보다 많이 보냈습니다(크기가 고정되지 않은 파일)")
    if expected is not None and received < expected:
        raise _Incomplete(f"{expected}바이트 중 {received}바이트를 받고 연결이 끊겼습니다")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number of seconds or an HTTP date); None if absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _throttle_wait(error: urllib.error.HTTPError, waits: int, backoff_seconds: float) -> tuple[float, str]:
    """How long to wait after HTTP 429/503, and why (for the note)."""
    asked = retry_after_seconds(error.headers.get("Retry-After") if error.headers is not None else None)
    if asked is None:
        return min(backoff_seconds * 2**waits, MAX_RETRY_AFTER_SECONDS), "Retry-After 없음"
    if asked > MAX_RETRY_AFTER_SECONDS:
        return MAX_RETRY_AFTER_SECONDS, f"Retry-After {asked:.0f}초, 최대 {MAX_RETRY_AFTER_SECONDS:.0f}초만 기다림"
    return asked, f"Retry-After {asked:.0f}초"


def fetch_file(
    remote: RemoteFile,
    dest: str | Path,
    transport: Transport | None = None,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Make ``dest`` hold the verified upstream file and return its path.

    A verified file already at ``dest`` is returned without any network access; one that does not verify
    is moved aside (:func:`set_aside`), never deleted. Otherwise bytes go to ``dest + ".part"`` (resumed
    across attempts and across sessions), are verified, and only then moved into place, so ``dest`` never
    holds a half-written file. A size stored by :func:`record_size` counts as a pin for files that have none.
    HTTP 429/503 makes it wait (``Retry-After``, at most ``MAX_RETRY_AFTER_SECONDS``) up to
    ``THROTTLE_WAITS`` times without using up an attempt; ``sleep`` does the waiting.
    """
    dest = Path(dest)
    recorded = recorded_size(remote, dest) if remote.size is None else None
    size_from_record = recorded is not None
    if size_from_record:
        remote = dataclasses.replace(remote, size=recorded)
    if verify(dest, remote):
        return dest
    if dest.exists() or dest.is_symlink():
        set_aside(dest, "고정된 원본과 다른 파일입니다(손으로 고쳤거나 손상됨). 원본을 다시 받습니다")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if _settle_part(part, remote):
        part.replace(dest)
        return dest
    own_transport = transport is None
    transport = transport or HttpTransport()
    last_error: Exception | None = None
    attempt = waits = 0
    try:
        while attempt < retries:
            attempt += 1
            try:
                _receive(remote, part, transport, dest.name, progress)
            except urllib.error.HTTPError as error:
                last_error = error
                if error.code in HTTP_THROTTLED and waits < THROTTLE_WAITS:
                    waits += 1
                    attempt -= 1  # the server asked us to wait; that is not a failed attempt
                    seconds, why = _throttle_wait(error, waits, backoff_seconds)
                    logger.warning("%s: 서버가 요청이 많다고 답했습니다(HTTP %d, %s). %.0f초 기다린 뒤 다시 받습니다.",
                                   dest.name, error.code, why, seconds)
                    sleep(seconds)
                    continue
                logger.warning("%s 받기 실패(시도 %d/%d): %s", remote.url, attempt, retries, error)
                if 400 <= error.code < 500 and error.code not in (408, 425):
                    break  # 404, 403, 410...: asking again gets the same answer
                if attempt < retries:
                    sleep(backoff_seconds * attempt)
                continue
            except (OSError, urllib.error.URLError, DownloadError, _Incomplete) as error:
                last_error = error
                logger.warning("%s 받기 실패(시도 %d/%d): %s", remote.url, attempt, retries, error)
                if isinstance(error, _Refused):
                    break
                if attempt < retries:
                    sleep(backoff_seconds * attempt)
                continue
            if verify(part, remote):
                part.replace(dest)
                return dest
            last_error = DownloadError(f"{remote.url}을(를) 받았지만 고정된 해시와 맞지 않습니다")
            logger.warning("%s이(가) 검증을 통과하지 못해 버립니다(시도 %d/%d).", part, attempt, retries)
            part.unlink()
    finally:
        if own_transport and isinstance(transport, HttpTransport):
            transport.close()
    expected = ", ".join(
        f"{key} {value}"
        for key, value in (("git blob id", remote.git_blob), ("sha256", remote.sha256), ("크기", remote.size))
        if value is not None
    )
    if size_from_record:
        expected += f"; 크기는 {size_record_path(dest)}에 기록됨, 원본이 정말 바뀌었다면 그 파일을 지우세요"
    reason = str(last_error)
    raise DownloadError(
        f"{remote.url}을(를) {attempt}번 시도했지만 받지 못했습니다({reason[:200]}).\n"
        f"  고치는 법: 네트워크를 확인하고(Colab: 런타임 > 세션 다시 시작) 셀을 다시 실행하세요. 받던 곳부터 이어 받습니다.\n"
        f"  또는 파일을 직접 받아 {dest}에 두세요"
        + (f"({expected}이어야 합니다)." if expected else ".")
    )


def copy_from_cache(remote: RemoteFile, cached: Path, dest: Path) -> bool:
    """Copy the cached file ``cached`` to ``dest`` when the copy verifies; True on success.

    Only a file that can be checked is taken (a pin, or a size recorded beside the cached copy); the copy
    is verified on the session's disk before it gets its final name. A cached file that does not verify
    (a Drive sync cut it short, or the learner edited it) is moved aside, never deleted.
    """
    pin = with_recorded_size(remote, cached)
    if not cached.is_file() or not is_pinned(pin):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(cached, part)
        if verify(part, pin):
            part.replace(dest)
            if pin.size is not None and remote.size is None:
                record_size(remote, dest)
            return True
    except OSError as error:
        logger.warning("%s 를 Drive에서 복사하지 못했습니다(%s); 내려받습니다.", cached, error)
        part.unlink(missing_ok=True)
        return False
    part.unlink(missing_ok=True)
    try:
        set_aside(cached, "Drive에 보관한 사본이 고정된 원본과 다릅니다(동기화가 끊겼거나 손으로 고침). 다시 받아 새로 보관합니다")
    except OSError as error:
        logger.warning("%s 가 고정된 원본과 달라 쓰지 않습니다(옮기지도 못함: %s).", cached, error)
    return False


def store_in_cache(remote: RemoteFile, local: Path, cached: Path) -> bool:
    """Keep a copy of the verified ``local`` file at ``cached`` (Drive); True when a copy was written.

    Nothing is written for a file that could not be checked when it comes back (no pin, no recorded
    size), nor when the cached copy already has the same size (it is verified when it is used). The copy
    is written under a temporary name and renamed, so a session that dies mid-copy leaves no half file
    under the real name. Drive being full or gone is a warning, not an error: the run goes on.
    """
    pin = with_recorded_size(remote, local)
    if not remote.keep_in_cache or not is_pinned(pin) or not local.is_file():
        return False
    try:
        if cached.is_file() and cached.stat().st_size == local.stat().st_size:
            return False
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(cached.name + ".tmp")
        try:
            shutil.copyfile(local, temporary)
            temporary.replace(cached)
        finally:
            temporary.unlink(missing_ok=True)
        if pin.size is not None and remote.size is None:
            record_size(remote, cached)
    except OSError as error:
        logger.warning("%s 를 Drive(%s)에 보관하지 못했습니다(%s). 학습에는 지장이 없고, 다음 세션에서 다시 "
                       "내려받습니다. Drive 용량이 모자라면 필요 없는 파일을 지우세요.", local.name, cached.parent, error)
        return False
    return True
