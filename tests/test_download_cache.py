"""Corpora survive a new Colab session: a ``data_root`` on Drive keeps verified files, read through a verified copy
on the session's disk. Drive is faked by pointing the Colab mount point at a temporary folder, and a new session
by a new, empty session folder."""

from __future__ import annotations

import dataclasses
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from corpus_server import ARCHIVE_PATH, CODELOAD_PATH, ServerState, blob_id, fake_kmou, serve

import nbhelpers.colab
import nbhelpers.registry
from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.download import HttpTransport, RemoteFile
from nbhelpers.registry import CORPORA, CorpusSpec, corpus_roots, download_corpus, get_corpus

DATA = ("id\tdocument\tlabel\n" + "".join(f"{i}\t리뷰 {i}\t{i % 2}\n" for i in range(500))).encode("utf-8")
VAL = DATA.replace("리뷰".encode(), "평가".encode())


class Server:
    """Serves bytes per URL; ``offline`` makes every request fail the test."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.asked, self.offline = files, [], False

    def open(self, url: str, start: int) -> tuple[list[bytes], int, bool]:
        assert not self.offline, f"a download started in a session that should copy from Drive: {url}"
        self.asked.append(url)
        return [self.files[url][start:]], len(self.files[url]), start > 0


@dataclasses.dataclass
class Colab:
    """A fake Colab: Drive mounted at ``drive``, and the session's disk that a new session replaces."""

    drive: Path
    base: Path
    session: int = 0

    @property
    def data_root(self) -> Path:
        return self.drive / "MyDrive" / "Korpora"  # what the notebooks set: drive_root / "Korpora"

    def new_session(self, monkeypatch: pytest.MonkeyPatch) -> Path:
        self.session += 1
        local = self.base / f"session{self.session}" / "Korpora"
        monkeypatch.setattr(nbhelpers.registry, "LOCAL_CORPUS_ROOT", str(local))
        return local


@pytest.fixture
def colab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Colab:
    drive = tmp_path / "content" / "drive"
    (drive / "MyDrive").mkdir(parents=True)
    monkeypatch.setattr(nbhelpers.colab, "COLAB_MOUNTPOINT", str(drive))
    return Colab(drive, tmp_path)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> CorpusSpec:
    spec = CorpusSpec(
        name="fake", task="classification", read=read_nsmc, count_labels=lambda examples: {},
        train_files=(RemoteFile("https://example.invalid/train.txt", "nsmc/train.txt", git_blob=blob_id(DATA)),),
        val_files=(RemoteFile("https://example.invalid/val.txt", "nsmc/val.txt", git_blob=blob_id(VAL),
                              size=len(VAL)),),
    )
    monkeypatch.setitem(CORPORA, "fake", spec)
    return spec


def serve_fake() -> Server:
    return Server({"https://example.invalid/train.txt": DATA, "https://example.invalid/val.txt": VAL})


def test_only_a_data_root_on_drive_is_a_cache(colab: Colab, tmp_path: Path) -> None:
    assert corpus_roots(tmp_path / "Korpora") == (tmp_path / "Korpora", None)
    local, cache = corpus_roots(colab.data_root)
    assert cache == colab.data_root and local == Path(nbhelpers.registry.LOCAL_CORPUS_ROOT).expanduser()


def test_a_new_session_copies_verified_files_from_drive_instead_of_downloading(
    colab: Colab, fake: CorpusSpec, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = colab.new_session(monkeypatch)
    server = serve_fake()
    files = download_corpus("fake", colab.data_root, transport=server, progress=False)
    assert files.train == [first / "nsmc/train.txt"] and files.val == [first / "nsmc/val.txt"]  # read locally
    assert (colab.data_root / "nsmc/train.txt").read_bytes() == DATA  # kept on Drive
    assert (colab.data_root / "nsmc/val.txt").read_bytes() == VAL
    assert "Drive" in capsys.readouterr().out

    second = colab.new_session(monkeypatch)  # the session's disk is new and empty
    server.offline = True
    files = download_corpus("fake", colab.data_root, transport=server, progress=False)
    assert files.train == [second / "nsmc/train.txt"] and files.train[0].read_bytes() == DATA
    assert files.val[0].read_bytes() == VAL
    assert "복사했습니다" in capsys.readouterr().out
    assert len(read_nsmc(files.train)) == 500


def test_a_drive_copy_that_does_not_verify_is_moved_aside_and_replaced(
    colab: Colab, fake: CorpusSpec, monkeypatch: pytest.MonkeyPatch,
) -> None:
    colab.new_session(monkeypatch)
    server = serve_fake()
    download_corpus("fake", colab.data_root, transport=server, progress=False)
    cached = colab.data_root / "nsmc/train.txt"
    cached.write_bytes(DATA[: len(DATA) // 2])  # a Drive sync cut short by a disconnect
    colab.new_session(monkeypatch)
    files = download_corpus("fake", colab.data_root, transport=server, progress=False)
    assert server.asked[-1] == "https://example.invalid/train.txt" and len(server.asked) == 3
    assert files.train[0].read_bytes() == DATA and cached.read_bytes() == DATA  # Drive's copy refreshed
    [aside] = cached.parent.glob("train.txt.moved-*")
    assert aside.read_bytes() == DATA[: len(DATA) // 2]  # moved aside, never deleted


def test_drive_full_is_a_warning_and_the_run_goes_on(
    colab: Colab, fake: CorpusSpec, monkeypatch: pytest.MonkeyPatch,
    module_logs: Callable[..., AbstractContextManager[None]], caplog: pytest.LogCaptureFixture,
) -> None:
    colab.new_session(monkeypatch)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nbhelpers.download.shutil.copyfile", full)
    with module_logs("nbhelpers.download"):
        files = download_corpus("fake", colab.data_root, transport=serve_fake(), progress=False)
    assert files.train[0].read_bytes() == DATA
    assert "No space left" in caplog.text and "Drive" in caplog.text
    assert not list(colab.data_root.rglob("*.tmp"))


@pytest.fixture
def github() -> Iterator[tuple[ServerState, str]]:
    state = ServerState()
    with serve(state) as base:
        yield state, base


def test_many_small_files_are_kept_on_drive_as_one_zip(
    colab: Colab, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str]
) -> None:
    state, base = github
    kmou = fake_kmou(base, [900 + 11 * i for i in range(30)])
    kmou.serve_on(state)
    spec = dataclasses.replace(get_corpus("ner"), name="kmou-local", train_files=kmou.remotes[:-5],
                               val_files=kmou.remotes[-5:], archive=kmou.archive, korpora_name=None)
    monkeypatch.setitem(CORPORA, spec.name, spec)
    colab.new_session(monkeypatch)
    download_corpus(spec.name, colab.data_root, transport=HttpTransport(timeout=10), progress=False)
    assert state.requests == [ARCHIVE_PATH, CODELOAD_PATH]
    on_drive = [p.relative_to(colab.data_root).as_posix() for p in colab.data_root.rglob("*") if p.is_file()]
    assert on_drive == [spec.cache_bundle]  # one file on Drive, not 30
    with zipfile.ZipFile(colab.data_root / spec.cache_bundle) as bundle:
        assert sorted(bundle.namelist()) == sorted(r.filename for r in kmou.remotes)

    second = colab.new_session(monkeypatch)
    files = download_corpus(spec.name, colab.data_root, transport=HttpTransport(timeout=10), progress=False)
    assert len(state.requests) == 2  # no request in the new session
    assert all(p.read_bytes() == kmou.contents[p.name] and second in p.parents for p in files.train + files.val)

    # A bundle entry that does not verify is taken from the network alone, and the bundle is rewritten.
    victim = kmou.remotes[3]
    with zipfile.ZipFile(colab.data_root / spec.cache_bundle, "w") as bundle:
        for remote in kmou.remotes:
            data = kmou.contents[Path(remote.filename).name]
            bundle.writestr(remote.filename, data[:-1] + b"!" if remote is victim else data)
    colab.new_session(monkeypatch)
    files = download_corpus(spec.name, colab.data_root, transport=HttpTransport(timeout=10), progress=False)
    assert state.requests[2:] == [urllib.parse.unquote(urllib.parse.urlsplit(victim.url).path)]
    assert files.train[3].read_bytes() == kmou.contents[Path(victim.filename).name]
    with zipfile.ZipFile(colab.data_root / spec.cache_bundle) as bundle:
        assert bundle.read(victim.filename) == kmou.contents[Path(victim.filename).name]


def test_kowikitext_keeps_the_small_zip_on_drive_but_not_the_large_train_zip(
    colab: Colab, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import io

    from nbhelpers.pretraining.kowikitext import KOWIKITEXT_DEV, KOWIKITEXT_TRAIN, download_kowikitext

    def zipped(name: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, "= 문서 =\n\n첫 문장입니다. 두 번째 문장입니다.\n")
        return buffer.getvalue()

    server = Server({KOWIKITEXT_TRAIN.url: zipped("kowikitext_20200920.train"),
                     KOWIKITEXT_DEV.url: zipped("kowikitext_20200920.dev")})
    colab.new_session(monkeypatch)
    download_kowikitext("kowikitext-full", colab.data_root, transport=server, progress=False)
    on_drive = sorted(p.name for p in colab.data_root.rglob("*") if p.is_file())
    assert on_drive == ["kowikitext_20200920.dev.zip", "kowikitext_20200920.dev.zip.size.json"]
    colab.new_session(monkeypatch)
    server.offline = True
    files = download_kowikitext("kowikitext", colab.data_root, transport=server, progress=False)
    assert [p.name for p in files.train] == ["kowikitext_20200920.dev"]
