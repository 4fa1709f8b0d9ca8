from __future__ import annotations

import hashlib
import urllib.error
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.download import RemoteFile, fetch_file, git_blob_id
from nbhelpers.errors import DownloadError
from nbhelpers.registry import CORPORA, CorpusSpec, download_corpus

DATA = ("id\tdocument\tlabel\n" + "".join(f"{i}\t리뷰 {i}\t{i % 2}\n" for i in range(2000))).encode("utf-8")
BLOB = hashlib.sha1(b"blob %d\0" % len(DATA) + DATA).hexdigest()
REMOTE = RemoteFile("https://example.invalid/ratings.txt", "nsmc/ratings.txt", git_blob=BLOB)


class FakeTransport:
    """Serves ``payload``; can cut the stream after ``cut`` bytes, ignore ranges, or fail entirely."""

    def __init__(self, payload: bytes = DATA, cut: int | None = None, honour_range: bool = True,
                 fail: bool = False) -> None:
        self.payload, self.cut, self.honour_range, self.fail = payload, cut, honour_range, fail
        self.calls: list[int] = []

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        self.calls.append(start)
        if self.fail:
            raise urllib.error.URLError("no network")
        resumed = self.honour_range and start > 0
        body = self.payload[start:] if resumed else self.payload
        cut = self.cut

        def chunks() -> Iterable[bytes]:
            sent = 0
            for i in range(0, len(body), 4096):
                chunk = body[i : i + 4096]
                if cut is not None and sent + len(chunk) > cut:
                    yield chunk[: cut - sent]
                    raise ConnectionResetError("connection dropped")
                sent += len(chunk)
                yield chunk

        self.cut = None  # only the first attempt is cut
        return chunks(), len(self.payload), resumed


def test_git_blob_id_matches_git(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello\n")
    assert git_blob_id(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object of "hello\n"


def test_verified_file_is_used_without_network(tmp_path: Path) -> None:
    dest = tmp_path / "ratings.txt"
    dest.write_bytes(DATA)
    transport = FakeTransport(fail=True)
    assert fetch_file(REMOTE, dest, transport=transport, progress=False) == dest
    assert transport.calls == []


def test_interrupted_download_resumes_with_range(tmp_path: Path) -> None:
    transport = FakeTransport(cut=10000)
    dest = fetch_file(REMOTE, tmp_path / "ratings.txt", transport=transport, backoff_seconds=0, progress=False)
    assert dest.read_bytes() == DATA
    assert transport.calls == [0, 10000]
    assert not (tmp_path / "ratings.txt.part").exists()


def test_partial_file_from_an_earlier_session_is_resumed(tmp_path: Path) -> None:
    (tmp_path / "ratings.txt.part").write_bytes(DATA[:5000])
    transport = FakeTransport()
    fetch_file(REMOTE, tmp_path / "ratings.txt", transport=transport, progress=False)
    assert transport.calls == [5000]


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path) -> None:
    (tmp_path / "ratings.txt.part").write_bytes(DATA[:5000])
    dest = fetch_file(REMOTE, tmp_path / "ratings.txt", transport=FakeTransport(honour_range=False), progress=False)
    assert dest.read_bytes() == DATA


def test_a_file_that_does_not_verify_is_moved_aside_never_deleted(
    tmp_path: Path, module_logs: Callable[..., AbstractContextManager[None]], caplog: pytest.LogCaptureFixture
) -> None:
    dest = tmp_path / "ratings.txt"
    fixed = DATA.replace("리뷰 7\t".encode(), "리뷰 칠\t".encode())  # a learner's fix, or a corrupt copy: no way to tell
    dest.write_bytes(fixed)
    transport = FakeTransport()
    with module_logs("nbhelpers.download"):
        fetch_file(REMOTE, dest, transport=transport, progress=False)
    assert dest.read_bytes() == DATA and transport.calls == [0]
    [aside] = tmp_path.glob("ratings.txt.moved-*")
    assert aside.read_bytes() == fixed and aside.name in caplog.text and "지우지 않고" in caplog.text
    # Twice in the same second: a second unique name, the first one kept.
    dest.write_bytes(fixed + b"again")
    fetch_file(REMOTE, dest, transport=FakeTransport(), progress=False)
    assert sorted(p.read_bytes() for p in tmp_path.glob("ratings.txt.moved-*")) == [fixed, fixed + b"again"]


def test_a_fixed_file_in_the_corpus_folder_survives_download_corpus(
    tmp_path: Path, fake_corpus: CorpusSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbhelpers.registry._fetch_with_korpora", lambda spec, root: None)
    mine = tmp_path / "nsmc" / "val.txt"
    mine.parent.mkdir()
    mine.write_bytes(DATA + "99\t내가 고친 리뷰\t1\n".encode())
    files = download_corpus("fake", tmp_path, transport=FakeTransport(), progress=False)
    assert files.val[0].read_bytes() == DATA
    [aside] = (tmp_path / "nsmc").glob("val.txt.moved-*")
    assert "내가 고친 리뷰".encode() in aside.read_bytes()
    # The moved-aside name is no corpus file: a folder read does not pick it up.
    from nbhelpers.files import as_paths

    assert aside not in as_paths(tmp_path / "nsmc", ("*.txt",))


def test_wrong_bytes_from_server_are_rejected(tmp_path: Path) -> None:
    transport = FakeTransport(payload=DATA.replace(b"1", b"2"))
    with pytest.raises(DownloadError, match="받았지만 고정된 해시와 맞지 않습니다"):
        fetch_file(REMOTE, tmp_path / "ratings.txt", transport=transport, retries=2, backoff_seconds=0, progress=False)
    assert not (tmp_path / "ratings.txt").exists()


def test_network_failure_says_where_to_put_the_file(tmp_path: Path) -> None:
    dest = tmp_path / "nsmc" / "ratings.txt"
    with pytest.raises(DownloadError) as info:
        fetch_file(REMOTE, dest, transport=FakeTransport(fail=True), retries=2, backoff_seconds=0, progress=False)
    message = str(info.value)
    assert REMOTE.url in message and str(dest) in message and BLOB in message


@pytest.fixture()
def fake_corpus(monkeypatch: pytest.MonkeyPatch) -> CorpusSpec:
    """A registered corpus whose single training and validation file is DATA, fetched through Korpora first."""
    spec = CorpusSpec(name="fake", task="classification", train_files=(REMOTE,),
                      val_files=(RemoteFile("https://example.invalid/val.txt", "nsmc/val.txt", git_blob=BLOB),),
                      read=read_nsmc, count_labels=lambda examples: {}, korpora_name="nsmc")
    monkeypatch.setitem(CORPORA, "fake", spec)
    return spec


def test_present_verified_files_are_used_without_korpora_or_network(
    tmp_path: Path, fake_corpus: CorpusSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    for remote in (*fake_corpus.train_files, *fake_corpus.val_files):
        (tmp_path / remote.filename).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / remote.filename).write_bytes(DATA)
    korpora: list[str] = []
    monkeypatch.setattr("nbhelpers.registry._fetch_with_korpora", lambda spec, root: korpora.append(spec.name))
    transport = FakeTransport(fail=True)
    files = download_corpus("fake", tmp_path, transport=transport, progress=False)
    assert korpora == [] and transport.calls == []
    assert files.train == [tmp_path / "nsmc/ratings.txt"] and files.val == [tmp_path / "nsmc/val.txt"]


def test_missing_files_come_through_korpora_then_are_verified(
    tmp_path: Path, fake_corpus: CorpusSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    def korpora_fetch(spec: CorpusSpec, root: Path) -> None:  # what Korpora.fetch does: files under root/nsmc
        (root / "nsmc").mkdir(parents=True, exist_ok=True)
        (root / "nsmc/ratings.txt").write_bytes(DATA)
        (root / "nsmc/val.txt").write_bytes(DATA[:-3] + b"xx\n")  # upstream branch moved: does not verify

    monkeypatch.setattr("nbhelpers.registry._fetch_with_korpora", korpora_fetch)
    transport = FakeTransport()
    files = download_corpus("fake", tmp_path, transport=transport, progress=False)
    assert transport.calls == [0]  # only the file that failed verification was fetched from the pinned URL
    assert files.val[0].read_bytes() == DATA
    assert not list((tmp_path / "nsmc").glob("*.moved-*"))  # Korpora's stale copy is no learner's file


def test_user_files_replace_the_download(tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("id\tdocument\tlabel\n1\t좋다\t1\n", encoding="utf-8")
    files = download_corpus("nsmc", tmp_path / "root", train_file=str(mine), val_file=str(tmp_path / "*.txt"),
                            transport=FakeTransport(fail=True))
    assert files.train == [mine] and files.val == [mine]
    with pytest.raises(FileNotFoundError, match="NBHELPERS_TRAIN_FILE"):
        download_corpus("nsmc", tmp_path, train_file=str(tmp_path / "missing.txt"), val_file=str(mine))
