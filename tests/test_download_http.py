"""The HTTP side of downloads against a real local server: kept-alive connections, throttling (HTTP 429/503 with
``Retry-After``), bodies read no further than the known size, caps on unpinned files, garbage ``Content-Length``.

No test really waits: ``fetch_file`` takes the sleep function, and the tests record what it was asked to wait.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from corpus_server import ServerState, blob_id, serve

from nbhelpers.download import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    MAX_RETRY_AFTER_SECONDS,
    THROTTLE_WAITS,
    HttpTransport,
    RemoteFile,
    fetch_file,
    retry_after_seconds,
)
from nbhelpers.errors import DownloadError

DATA = ("".join(f"{i}\t문장 {i}\n" for i in range(2000))).encode("utf-8")


@pytest.fixture
def server() -> Iterator[tuple[ServerState, str]]:
    state = ServerState()
    with serve(state) as base:
        yield state, base


def pinned(base: str, path: str, data: bytes = DATA, size: bool = True) -> RemoteFile:
    return RemoteFile(f"{base}{path}", path.lstrip("/"), git_blob=blob_id(data), size=len(data) if size else None)


def fetch(remote: RemoteFile, dest: Path, transport: HttpTransport | None = None, sleeps: list[float] | None = None,
          retries: int = 3) -> Path:
    recorded = [] if sleeps is None else sleeps
    return fetch_file(remote, dest, transport=transport or HttpTransport(timeout=10), retries=retries,
                      backoff_seconds=1.0, progress=False, sleep=recorded.append)


def test_many_files_share_one_kept_alive_connection(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    remotes = []
    for i in range(20):
        data = DATA[: 1000 + i]
        state.files[f"/f{i}.txt"] = data
        remotes.append(pinned(base, f"/f{i}.txt", data))
    transport = HttpTransport(timeout=10)
    for remote in remotes:
        fetch(remote, tmp_path / remote.filename, transport)
    assert len(state.requests) == 20 and state.connections == 1 and transport.connections_opened == 1
    assert all((tmp_path / r.filename).stat().st_size == r.size for r in remotes)


def test_a_connection_the_server_dropped_while_idle_is_replaced(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    state.silent_close = True  # closes after each response without "Connection: close": the pool cannot know
    for i in range(3):
        state.files[f"/f{i}.txt"] = DATA
    transport = HttpTransport(timeout=10)
    sleeps: list[float] = []
    for i in range(3):
        fetch(pinned(base, f"/f{i}.txt"), tmp_path / f"f{i}.txt", transport, sleeps)
    assert state.requests == ["/f0.txt", "/f1.txt", "/f2.txt"] and sleeps == []  # no failed attempt
    assert state.connections == 3


def test_http_429_with_retry_after_seconds_is_honoured(
    tmp_path: Path, server: tuple[ServerState, str],
    module_logs: Callable[..., AbstractContextManager[None]], caplog: pytest.LogCaptureFixture,
) -> None:
    state, base = server
    state.files["/c.tsv"] = DATA
    state.queued["/c.tsv"] = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "2"})]
    sleeps: list[float] = []
    with module_logs("nbhelpers.download"):
        dest = fetch(pinned(base, "/c.tsv"), tmp_path / "c.tsv", sleeps=sleeps, retries=1)
    assert dest.read_bytes() == DATA and sleeps == [7.0, 2.0] and state.requests == ["/c.tsv"] * 3
    assert "HTTP 429" in caplog.text and "7초" in caplog.text and "HTTP 503" in caplog.text


def test_retry_after_as_an_http_date_and_the_cap(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    state.files["/c.tsv"] = DATA
    in_two_minutes = email.utils.formatdate(time.time() + 120, usegmt=True)
    state.queued["/c.tsv"] = [(503, {"Retry-After": in_two_minutes}), (429, {"Retry-After": "86400"}), (429, {})]
    sleeps: list[float] = []
    assert fetch(pinned(base, "/c.tsv"), tmp_path / "c.tsv", sleeps=sleeps).read_bytes() == DATA
    assert 60 <= sleeps[0] <= 120  # the date, less the time this test took (a loaded machine can be slow)
    assert sleeps[1] == MAX_RETRY_AFTER_SECONDS  # a day is capped: the learner gets the note, not a frozen cell
    assert sleeps[2] == 1.0 * 2**3  # no Retry-After: exponential backoff from backoff_seconds
    assert retry_after_seconds("garbage") is None and retry_after_seconds(" 30 ") == 30.0


def test_a_server_that_keeps_throttling_fails_with_the_reason(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    state.files["/c.tsv"] = DATA
    state.queued["/c.tsv"] = [(429, {"Retry-After": "1"})] * (THROTTLE_WAITS + 5)
    sleeps: list[float] = []
    with pytest.raises(DownloadError, match="429"):
        fetch(pinned(base, "/c.tsv"), tmp_path / "c.tsv", sleeps=sleeps, retries=2)
    assert sleeps.count(1.0) >= THROTTLE_WAITS and not (tmp_path / "c.tsv").exists()


def test_a_missing_file_is_not_asked_for_again(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    sleeps: list[float] = []
    with pytest.raises(DownloadError, match="404") as info:
        fetch(pinned(base, "/gone.tsv"), tmp_path / "gone.tsv", sleeps=sleeps)
    assert state.requests == ["/gone.tsv"] and sleeps == [] and "1번 시도했지만 받지 못했습니다" in str(info.value)


class EndlessBody:
    """A body that streams the file and then garbage for ever, counting what the reader asked for."""

    def __init__(self, data: bytes) -> None:
        self.data, self.handed_out = data, 0

    def read(self, size: int) -> bytes:
        chunk = (self.data + b"x" * (1 << 20))[self.handed_out : self.handed_out + size]
        self.handed_out += len(chunk)
        return chunk

    def __iter__(self) -> Iterator[bytes]:  # what a reader that ignores read() would take: 1 MiB at a time
        while True:
            yield self.read(1 << 20)


class EndlessTransport:
    def __init__(self, data: bytes, announce: int | None) -> None:
        self.data, self.announce, self.bodies = data, announce, []

    def open(self, url: str, start: int) -> tuple[EndlessBody, int | None, bool]:
        self.bodies.append(EndlessBody(self.data))
        return self.bodies[-1], self.announce, False


@pytest.mark.parametrize("announce", [None, len(DATA)], ids=["no-length", "content-length"])
def test_a_file_of_known_size_is_never_read_past_that_size(tmp_path: Path, announce: int | None) -> None:
    remote = RemoteFile("https://example.invalid/c.tsv", "c.tsv", git_blob=blob_id(DATA), size=len(DATA))
    transport = EndlessTransport(DATA, announce)
    dest = fetch_file(remote, tmp_path / "c.tsv", transport=transport, progress=False, sleep=lambda s: None)
    assert dest.read_bytes() == DATA and [b.handed_out for b in transport.bodies] == [len(DATA)]


def test_known_size_over_real_http_without_content_length(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    # A body with no length that goes on after the file (a proxy, a misconfigured mirror): read up to the pin.
    state, base = server
    state.files["/c.tsv"] = DATA + b"trailing junk" * 1000
    state.no_length.add("/c.tsv")
    assert fetch(pinned(base, "/c.tsv"), tmp_path / "c.tsv").read_bytes() == DATA


def test_an_unpinned_file_is_capped(tmp_path: Path, server: tuple[ServerState, str]) -> None:
    state, base = server
    state.files["/big.zip"] = b"z" * 5000
    state.files["/big2.zip"] = b"z" * 5000
    state.no_length.add("/big.zip")
    sleeps: list[float] = []
    with pytest.raises(DownloadError, match="상한 1,000바이트"):
        fetch(RemoteFile(f"{base}/big.zip", "big.zip", max_size=1000), tmp_path / "big.zip", sleeps=sleeps)
    # An announced size over the cap is refused before reading the body; neither is asked for twice.
    with pytest.raises(DownloadError, match="5,000바이트가 이 파일의 상한 1,000바이트"):
        fetch(RemoteFile(f"{base}/big2.zip", "big2.zip", max_size=1000), tmp_path / "big2.zip", sleeps=sleeps)
    assert state.requests == ["/big.zip", "/big2.zip"] and sleeps == []
    assert not list(tmp_path.iterdir())
    assert RemoteFile("u", "f").max_size is None and DEFAULT_MAX_DOWNLOAD_BYTES == 4 << 30


def test_every_unpinned_registered_file_has_its_own_cap() -> None:
    from nbhelpers.__main__ import load_chapters
    from nbhelpers.registry import CORPORA

    load_chapters()
    unpinned = {r for spec in CORPORA.values() for r in (*spec.train_files, *spec.val_files)
                if r.size is None and r.git_blob is None and r.sha256 is None}
    assert unpinned and all(r.max_size is not None and r.max_size <= 4 << 30 for r in unpinned)


@pytest.mark.parametrize("value", ["abc", "-5", "12, 13", ""])
def test_garbage_content_length_is_a_clear_error(
    tmp_path: Path, server: tuple[ServerState, str], value: str
) -> None:
    state, base = server
    state.files["/c.tsv"] = DATA
    state.bad_length["/c.tsv"] = value
    with pytest.raises(DownloadError) as info:
        fetch(pinned(base, "/c.tsv"), tmp_path / "c.tsv", retries=2)
    message = str(info.value)
    assert "Content-Length" in message and repr(value) in message and "바이트 수가 아닙니다" in message
    assert not (tmp_path / "c.tsv").exists()
