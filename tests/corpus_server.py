"""A real local HTTP/1.1 server for download tests and the download benchmark, and a KMOU-shaped fake corpus.

The server keeps connections alive as GitHub's does, so a test can count how many connections a client
opened; it serves Range requests, redirects, throttling answers (429/503 with ``Retry-After``), garbage
``Content-Length`` headers and bodies without any length, as real servers and proxies sometimes do.
The fake corpus has the shape of GitHub's archive of ``kmounlp/NER``: ``NER-<commit>/말뭉치 -
형태소_개체명/*.txt``, with a manifest of git blob ids and sizes like the one the package ships.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import random
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nbhelpers.download import PinnedArchive, RemoteFile
from nbhelpers.ner.kmou import KMOU_FOLDER


@dataclass
class ServerState:
    """What the server serves and what it saw.

    Attributes:
        files: Body per URL path (unquoted).
        redirects: Path -> path it redirects to (302).
        queued: Path -> statuses with headers answered (in order) before the file itself.
        no_length: Paths served without Content-Length, closing the connection after the body.
        bad_length: Path -> the Content-Length header value to send instead of the real one.
        silent_close: Close every connection after one response without saying so (no ``Connection: close``).
        delay: Seconds to wait before each response (the round trip of a real network).
        connect_delay: Seconds to wait when a connection opens (a TCP and TLS handshake).
        requests: Paths requested, in order.
        connections: Connections accepted.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    queued: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    no_length: set[str] = field(default_factory=set)
    bad_length: dict[str, str] = field(default_factory=dict)
    silent_close: bool = False
    delay: float = 0.0
    connect_delay: float = 0.0
    requests: list[str] = field(default_factory=list)
    connections: int = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall between
    state: ServerState
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with self.lock:
            self.state.connections += 1
        if self.state.connect_delay:
            time.sleep(self.state.connect_delay)

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state = self.state
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        with self.lock:
            state.requests.append(path)
            queued = state.queued.get(path)
            answer = queued.pop(0) if queued else None
        if state.delay:
            time.sleep(state.delay)
        if state.silent_close:
            self.close_connection = True
        if answer is not None:
            self._send(answer[0], {"Content-Length": "0", **answer[1]})
            return
        if path in state.redirects:
            self._send(302, {"Location": state.redirects[path], "Content-Length": "0"})
            return
        if path not in state.files:
            self._send(404, {"Content-Length": "9"}, b"not found")
            return
        data = state.files[path]
        header = self.headers.get("Range")
        start = int(header.removeprefix("bytes=").removesuffix("-")) if header else 0
        if header and start >= len(data):
            self._send(416, {"Content-Range": f"bytes */{len(data)}", "Content-Length": "0"})
            return
        body = data[start:]
        headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"} if header else {}
        if path in state.no_length:
            self.close_connection = True
        elif path in state.bad_length:
            headers["Content-Length"] = state.bad_length[path]
            self.close_connection = True
        else:
            headers["Content-Length"] = str(len(body))
        self._send(206 if header else 200, headers, body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(state: ServerState) -> Iterator[str]:
    """Serve ``state`` on 127.0.0.1; yields the base URL (``http://127.0.0.1:PORT``)."""
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


COMMIT = "1e557de738b8e6215c7cacac116e735518c0f680"
RAW_PREFIX = f"/kmounlp/NER/{COMMIT}"
ARCHIVE_PATH = f"/kmounlp/NER/archive/{COMMIT}.zip"
CODELOAD_PATH = f"/codeload/kmounlp/NER/zip/{COMMIT}"


@dataclass
class FakeKmou:
    """A KMOU-shaped corpus: file contents by name, its pinned files, and the archive GitHub would build.

    Attributes:
        contents: Bytes per file name (``00002_NER.txt``).
        remotes: One pinned ``RemoteFile`` per file, fetched from ``base`` + ``RAW_PREFIX`` + path.
        archive: The pinned archive (GitHub's URL shape, redirected to a codeload path as GitHub does).
    """

    contents: dict[str, bytes]
    remotes: tuple[RemoteFile, ...]
    archive: PinnedArchive

    def archive_bytes(self, changed: dict[str, bytes] | None = None, extra: dict[str, bytes] | None = None,
                      top: str = f"NER-{COMMIT}") -> bytes:
        """The zip GitHub serves: ``top/`` with the corpus folder, a README, ``changed`` contents, ``extra`` entries."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{top}/", b"")
            archive.writestr(f"{top}/README.md", "# NER\n".encode())
            archive.writestr(f"{top}/{KMOU_FOLDER}/", b"")
            for name, data in self.contents.items():
                archive.writestr(f"{top}/{KMOU_FOLDER}/{name}", (changed or {}).get(name, data))
            for name, data in (extra or {}).items():
                archive.writestr(name, data)
        return buffer.getvalue()

    def serve_on(self, state: ServerState, archive: bytes | None = None) -> None:
        """Put the raw files and the archive (behind GitHub's redirect) into ``state``."""
        for name, data in self.contents.items():
            state.files[f"{RAW_PREFIX}/{KMOU_FOLDER}/{name}"] = data
        state.redirects[ARCHIVE_PATH] = CODELOAD_PATH
        state.files[CODELOAD_PATH] = self.archive_bytes() if archive is None else archive


def _sentences() -> list[str]:
    from nbhelpers.registry import SAMPLES_DIR

    return [line for line in (SAMPLES_DIR / "ner_train.txt").read_text(encoding="utf-8").splitlines() if line]


def fake_kmou(base: str, sizes: Sequence[int], seed: int = 7, max_size: int = 256 << 20,
              max_entries: int = 20_000) -> FakeKmou:
    """Files of the given ``sizes`` made of the embedded NER sample's lines (text that compresses like Korean news)."""
    rng = random.Random(seed)
    lines = [line.encode("utf-8") + b"\n" for line in _sentences()]
    contents: dict[str, bytes] = {}
    remotes = []
    for number, size in enumerate(sizes, start=2):
        name = f"{number:05d}_NER.txt"
        data = bytearray(f"## {number}\n".encode())
        while len(data) < size:
            data += rng.choice(lines)
        data = bytes(data[:size])
        contents[name] = data
        path = urllib.parse.quote(f"{KMOU_FOLDER}/{name}")
        remotes.append(RemoteFile(f"{base}{RAW_PREFIX}/{path}", f"kmou-ner/{name}", git_blob=blob_id(data),
                                  size=len(data)))
    archive = PinnedArchive(f"{base}{ARCHIVE_PATH}", KMOU_FOLDER, max_size=max_size, max_entries=max_entries)
    return FakeKmou(contents, tuple(remotes), archive)


def manifest_sizes(manifest: Path) -> list[int]:
    """The file sizes of the package's real KMOU manifest (1,427 rows)."""
    return [int(line.split("\t")[2]) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
