"""KMOU NER in one request: GitHub's archive of the pinned commit, every file inside checked against the manifest.

A real local HTTP server stands in for GitHub (raw files, the archive URL redirecting to its codeload URL).
Whatever goes wrong with the archive (a changed file inside, a 404, too big, too many entries, entries
elsewhere) costs only time: nothing unverified is written, and the files it did not supply come one by one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from corpus_server import ARCHIVE_PATH, CODELOAD_PATH, COMMIT, RAW_PREFIX, FakeKmou, ServerState, fake_kmou, serve

from nbhelpers.download import HttpTransport
from nbhelpers.ner.kmou import KMOU_ARCHIVE, KMOU_FOLDER
from nbhelpers.registry import CORPORA, download_corpus, get_corpus

SIZES = [700 + 37 * i for i in range(24)]


@pytest.fixture
def github() -> Iterator[tuple[ServerState, str]]:
    state = ServerState()
    with serve(state) as base:
        yield state, base


def register_fake(monkeypatch: pytest.MonkeyPatch, kmou: FakeKmou) -> str:
    """A corpus like KMOU NER (same reader, folder and bundle) whose files and archive live on the local server."""
    spec = dataclasses.replace(get_corpus("ner"), name="kmou-local", train_files=kmou.remotes[:-4],
                               val_files=kmou.remotes[-4:], archive=kmou.archive, korpora_name=None)
    monkeypatch.setitem(CORPORA, spec.name, spec)
    return spec.name


def raw_requests(state: ServerState) -> list[str]:
    return [path for path in state.requests if path.startswith(f"{RAW_PREFIX}/")]


def test_the_real_spec_fetches_the_pinned_commits_archive() -> None:
    assert KMOU_ARCHIVE.url == f"https://github.com/kmounlp/NER/archive/{COMMIT}.zip"
    assert KMOU_ARCHIVE.folder == KMOU_FOLDER and get_corpus("ner").archive == KMOU_ARCHIVE


def test_the_corpus_comes_in_one_archive_request_and_every_file_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str]
) -> None:
    state, base = github
    kmou = fake_kmou(base, SIZES)
    kmou.serve_on(state)
    name = register_fake(monkeypatch, kmou)
    files = download_corpus(name, tmp_path / "Korpora", transport=HttpTransport(timeout=10), progress=False)
    assert state.requests == [ARCHIVE_PATH, CODELOAD_PATH]  # GitHub's redirect, then the zip; no raw file
    assert [p.read_bytes() for p in files.train + files.val] == list(kmou.contents.values())
    assert state.connections == 1  # the redirect and the zip share one kept-alive connection
    # Only the corpus folder's files were written; the archive itself is gone.
    written = sorted(p.relative_to(tmp_path / "Korpora").as_posix() for p in (tmp_path / "Korpora").rglob("*")
                     if p.is_file())
    assert written == sorted(f"kmou-ner/{n}" for n in kmou.contents)
    # A second call finds everything verified on disk: no request at all.
    download_corpus(name, tmp_path / "Korpora", transport=HttpTransport(timeout=10), progress=False)
    assert len(state.requests) == 2


def test_a_changed_file_inside_the_archive_is_refused_and_fetched_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str],
    module_logs: Callable[..., AbstractContextManager[None]], caplog: pytest.LogCaptureFixture,
) -> None:
    state, base = github
    kmou = fake_kmou(base, SIZES)
    victim = "00005_NER.txt"
    good = kmou.contents[victim]
    tampered = good.replace(b"\n", b" ", 1)  # same size, other bytes: only the blob id can tell
    assert len(tampered) == len(good) and tampered != good
    kmou.serve_on(state, archive=kmou.archive_bytes(changed={victim: tampered}))
    name = register_fake(monkeypatch, kmou)
    with module_logs("nbhelpers.registry"):
        files = download_corpus(name, tmp_path / "Korpora", transport=HttpTransport(timeout=10), progress=False)
    assert raw_requests(state) == [f"{RAW_PREFIX}/{KMOU_FOLDER}/{victim}"]
    assert (tmp_path / "Korpora" / "kmou-ner" / victim).read_bytes() == good
    assert all(p.read_bytes() == kmou.contents[p.name] for p in files.train + files.val)
    assert "git blob id" in caplog.text and victim in caplog.text


@pytest.mark.parametrize("trouble", ["missing", "too-big", "too-many-entries", "not-a-zip", "two-top-folders"])
def test_a_failed_archive_falls_back_to_one_file_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str], trouble: str
) -> None:
    state, base = github
    kmou = fake_kmou(base, SIZES, max_size=2_000 if trouble == "too-big" else 256 << 20,
                     max_entries=10 if trouble == "too-many-entries" else 20_000)
    kmou.serve_on(state)
    if trouble == "missing":
        del state.files[CODELOAD_PATH]
    elif trouble == "not-a-zip":
        state.files[CODELOAD_PATH] = b"<html>rate limited</html>"
    elif trouble == "two-top-folders":
        state.files[CODELOAD_PATH] = kmou.archive_bytes(extra={"other/x.txt": b"x"})
    name = register_fake(monkeypatch, kmou)
    transport = HttpTransport(timeout=10)
    files = download_corpus(name, tmp_path / "Korpora", transport=transport, progress=False)
    assert sorted(raw_requests(state)) == sorted(f"{RAW_PREFIX}/{KMOU_FOLDER}/{n}" for n in kmou.contents)
    assert [p.read_bytes() for p in files.train + files.val] == list(kmou.contents.values())
    assert not list((tmp_path / "Korpora").rglob("*.zip*"))
    # 24 raw files and the archive's requests over kept-alive connections (a 404 or refused zip may close one).
    assert state.connections <= 3


def test_entries_outside_the_corpus_folder_are_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str]
) -> None:
    state, base = github
    kmou = fake_kmou(base, SIZES[:6])
    top = f"NER-{COMMIT}"
    extra = {
        f"{top}/../../evil.txt": b"pwned",
        f"{top}/{KMOU_FOLDER}/../../escape.txt": b"pwned",
        f"{top}/{KMOU_FOLDER}/sub/00002_NER.txt": b"nested",
        f"{top}/{KMOU_FOLDER}/not_in_manifest.txt": b"extra",
        f"{top}/other folder/00003_NER.txt": b"elsewhere",
    }
    kmou.serve_on(state, archive=kmou.archive_bytes(extra=extra))
    name = register_fake(monkeypatch, kmou)
    download_corpus(name, tmp_path / "a" / "Korpora", transport=HttpTransport(timeout=10), progress=False)
    assert raw_requests(state) == []
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(f"a/Korpora/kmou-ner/{n}" for n in kmou.contents)


def test_an_archive_without_the_utf8_flag_still_matches_the_korean_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: tuple[ServerState, str]
) -> None:
    import io
    import zipfile

    state, base = github
    kmou = fake_kmou(base, SIZES[:5])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file_name, data in kmou.contents.items():
            info = zipfile.ZipInfo(f"NER-{COMMIT}/{KMOU_FOLDER}/{file_name}")
            archive.writestr(info, data)
    raw = buffer.getvalue()
    # Clear the UTF-8 flag (bit 11) in every header, as some archivers do: zipfile then decodes names as cp437.
    raw = raw.replace(b"PK\x03\x04\x14\x00\x00\x08", b"PK\x03\x04\x14\x00\x00\x00")
    raw = raw.replace(b"PK\x01\x02\x14\x03\x14\x00\x00\x08", b"PK\x01\x02\x14\x03\x14\x00\x00\x00")
    with zipfile.ZipFile(io.BytesIO(raw)) as check:
        assert not any(info.flag_bits & 0x800 for info in check.infolist())
    kmou.serve_on(state, archive=raw)
    name = register_fake(monkeypatch, kmou)
    download_corpus(name, tmp_path / "Korpora", transport=HttpTransport(timeout=10), progress=False)
    assert raw_requests(state) == []
