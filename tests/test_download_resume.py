"""fetch_file against what real servers and crashed sessions leave behind: leftover ``.part`` files,
HTTP 416, connections that close cleanly half-way, and files whose only pin is a recorded size."""

from __future__ import annotations

import hashlib
import http.server
import threading
import urllib.error
from collections.abc import Iterable, Iterator
from email.message import Message
from pathlib import Path
from typing import ClassVar

import pytest

from nbhelpers.download import (
    HttpTransport,
    RemoteFile,
    fetch_file,
    record_size,
    size_record_path,
)
from nbhelpers.errors import DownloadError

DATA = ("".join(f"{i}\t문장 {i}\t{i % 3}\n" for i in range(3000))).encode("utf-8")
BLOB = hashlib.sha1(b"blob %d\0" % len(DATA) + DATA).hexdigest()
URL = "https://example.invalid/corpus.tsv"
BLOB_PIN = RemoteFile(URL, "c/corpus.tsv", git_blob=BLOB)
FULL_PIN = RemoteFile(URL, "c/corpus.tsv", git_blob=BLOB, size=len(DATA))
NO_PIN = RemoteFile(URL, "c/corpus.tsv")


class HttpLikeTransport:
    """Serves ``payload`` the way an HTTP server and urlopen do.

    A Range start at or past the end is answered with HTTP 416 (urlopen raises ``HTTPError``), and
    ``close_after`` lists, per call, after how many bytes the stream ends *without* an exception,
    as a cleanly closed connection does.
    """

    def __init__(self, payload: bytes = DATA, close_after: list[int | None] | None = None,
                 announce: bool = True) -> None:
        self.payload, self.close_after, self.announce = payload, list(close_after or []), announce
        self.calls: list[int] = []

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        self.calls.append(start)
        if start > 0 and start >= len(self.payload):
            raise urllib.error.HTTPError(url, 416, "Range Not Satisfiable", Message(), None)
        body = self.payload[start:]
        limit = self.close_after.pop(0) if self.close_after else None
        if limit is not None:
            body = body[:limit]

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(body), 4096):
                yield body[i : i + 4096]

        return chunks(), len(self.payload) if self.announce else None, start > 0


def _fetch(remote: RemoteFile, dest: Path, transport: HttpLikeTransport, retries: int = 3) -> Path:
    return fetch_file(remote, dest, transport=transport, retries=retries, backoff_seconds=0, progress=False)


@pytest.mark.parametrize("remote", [BLOB_PIN, FULL_PIN], ids=["hash-only", "hash-and-size"])
def test_complete_part_is_verified_and_promoted_without_network(tmp_path: Path, remote: RemoteFile) -> None:
    (tmp_path / "corpus.tsv.part").write_bytes(DATA)  # a crash between the last byte and the rename
    transport = HttpLikeTransport()
    dest = _fetch(remote, tmp_path / "corpus.tsv", transport)
    assert dest.read_bytes() == DATA and transport.calls == []
    assert not (tmp_path / "corpus.tsv.part").exists()


def test_oversized_part_is_deleted_before_resuming_when_the_size_is_known(tmp_path: Path) -> None:
    (tmp_path / "corpus.tsv.part").write_bytes(DATA + b"left over from another version")
    transport = HttpLikeTransport()
    assert _fetch(FULL_PIN, tmp_path / "corpus.tsv", transport).read_bytes() == DATA
    assert transport.calls == [0]


def test_full_size_part_that_does_not_verify_is_deleted(tmp_path: Path) -> None:
    (tmp_path / "corpus.tsv.part").write_bytes(DATA[:-5] + b"xxxx\n")
    transport = HttpLikeTransport()
    assert _fetch(FULL_PIN, tmp_path / "corpus.tsv", transport).read_bytes() == DATA
    assert transport.calls == [0]


@pytest.mark.parametrize("remote", [BLOB_PIN, NO_PIN], ids=["hash-only", "unpinned"])
def test_http_416_restarts_from_byte_zero(tmp_path: Path, remote: RemoteFile) -> None:
    # A .part longer than the file on the server: only the server can tell, and it answers 416.
    leftover = len(DATA) + 100
    (tmp_path / "corpus.tsv.part").write_bytes(b"x" * leftover)
    transport = HttpLikeTransport()
    assert _fetch(remote, tmp_path / "corpus.tsv", transport).read_bytes() == DATA
    assert transport.calls == [leftover, 0]


def test_complete_part_of_an_unpinned_file_restarts_on_416(tmp_path: Path) -> None:
    (tmp_path / "corpus.tsv.part").write_bytes(DATA)
    transport = HttpLikeTransport()
    assert _fetch(NO_PIN, tmp_path / "corpus.tsv", transport, retries=1).read_bytes() == DATA
    assert transport.calls == [len(DATA), 0]


def test_clean_early_close_resumes_at_the_bytes_received(tmp_path: Path) -> None:
    transport = HttpLikeTransport(close_after=[10000])
    assert _fetch(BLOB_PIN, tmp_path / "corpus.tsv", transport).read_bytes() == DATA
    assert transport.calls == [0, 10000]


def test_file_without_hash_is_not_accepted_truncated(tmp_path: Path) -> None:
    transport = HttpLikeTransport(close_after=[10000, 7000])
    assert _fetch(NO_PIN, tmp_path / "corpus.tsv", transport).read_bytes() == DATA
    assert transport.calls == [0, 10000, 17000]


def test_truncated_on_every_attempt_never_reaches_the_final_name(tmp_path: Path) -> None:
    dest = tmp_path / "c" / "corpus.tsv"
    transport = HttpLikeTransport(close_after=[1000, 1000])
    with pytest.raises(DownloadError) as info:
        _fetch(BLOB_PIN, dest, transport, retries=2)
    assert not dest.exists() and (tmp_path / "c" / "corpus.tsv.part").stat().st_size == 2000  # kept to resume
    message = str(info.value)
    assert "중 2000바이트를 받고 연결이 끊겼습니다" in message and URL in message and str(dest) in message and BLOB in message
    assert len(message) < 600


def test_server_sending_another_size_than_the_pin_is_refused(tmp_path: Path) -> None:
    transport = HttpLikeTransport(payload=DATA + b"appended upstream\n")
    with pytest.raises(DownloadError, match=f"고정된 크기는 {len(DATA)}바이트입니다"):
        _fetch(FULL_PIN, tmp_path / "corpus.tsv", transport, retries=2)
    assert not (tmp_path / "corpus.tsv").exists() and not (tmp_path / "corpus.tsv.part").exists()


def test_recorded_size_pins_an_unhashed_file(tmp_path: Path) -> None:
    dest = _fetch(NO_PIN, tmp_path / "corpus.tsv", HttpLikeTransport())
    record_size(NO_PIN, dest)
    assert size_record_path(dest).is_file()
    dest.write_bytes(DATA[: len(DATA) // 2])  # e.g. a Drive sync cut the file
    transport = HttpLikeTransport()
    assert _fetch(NO_PIN, dest, transport).read_bytes() == DATA and transport.calls == [0]
    # The recorded size also rejects a server that now sends something else, and says how to undo it.
    dest.unlink()
    with pytest.raises(DownloadError) as info:
        _fetch(NO_PIN, dest, HttpLikeTransport(payload=DATA + b"\n"), retries=1)
    assert str(size_record_path(dest)) in str(info.value)


def test_a_record_for_another_url_is_ignored(tmp_path: Path) -> None:
    dest = tmp_path / "corpus.tsv"
    dest.write_bytes(DATA[:100])
    record_size(RemoteFile("https://example.invalid/other", "c/corpus.tsv"), dest)
    dest.write_bytes(DATA)
    transport = HttpLikeTransport()
    assert _fetch(NO_PIN, dest, transport).read_bytes() == DATA and transport.calls == []


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves DATA with Range support; the first plain GET announces the full size but sends 10,000 bytes."""

    early_closes: ClassVar[int] = 1
    ranges: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        header = self.headers.get("Range")
        type(self).ranges.append(header)
        start = int(header.removeprefix("bytes=").removesuffix("-")) if header else 0
        if start >= len(DATA):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(DATA)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = DATA[start:]
        self.send_response(206 if header else 200)
        if header:
            self.send_header("Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not header and type(self).early_closes > 0:
            type(self).early_closes -= 1
            body = body[:10000]
            self.close_connection = True
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    _Handler.early_closes, _Handler.ranges = 1, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/corpus.tsv"
    httpd.shutdown()
    httpd.server_close()


def test_real_http_early_close_resumes_and_416_restarts(tmp_path: Path, server: str) -> None:
    # urllib does not raise when a server closes before Content-Length: only the byte count shows it.
    remote = RemoteFile(server, "c/corpus.tsv")
    dest = fetch_file(remote, tmp_path / "a.tsv", transport=HttpTransport(timeout=5), backoff_seconds=0,
                      progress=False)
    assert dest.read_bytes() == DATA and _Handler.ranges == [None, "bytes=10000-"]
    _Handler.ranges = []
    (tmp_path / "b.tsv.part").write_bytes(DATA + b"extra")
    dest = fetch_file(remote, tmp_path / "b.tsv", transport=HttpTransport(timeout=5), backoff_seconds=0,
                      progress=False)
    assert dest.read_bytes() == DATA and _Handler.ranges == [f"bytes={len(DATA) + 5}-", None]


def test_every_registered_download_is_pinned() -> None:
    from nbhelpers.__main__ import load_chapters
    from nbhelpers.registry import CORPORA

    load_chapters()
    remotes = [r for spec in CORPORA.values() for r in (*spec.train_files, *spec.val_files)]
    assert len(remotes) > 10  # all chapters registered (KMOU alone has hundreds of files)
    for remote in remotes:
        assert "/master/" not in remote.url and "/main/" not in remote.url, remote.url
        if remote.url.endswith(".zip") and "/releases/download/" in remote.url:
            continue  # release assets: CRC-checked, then pinned by their recorded size (test_download_zip)
        assert remote.git_blob or remote.sha256, f"{remote.url} has no hash"
