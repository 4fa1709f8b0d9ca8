"""kowikitext / plain-text reader, the zip extraction and the corpus registry entries of chapter 1."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from nbhelpers.archives import extract_zip
from nbhelpers.errors import CorpusFormatError, DownloadError
from nbhelpers.pretraining.kowikitext import (
    download_kowikitext,
    read_kowikitext,
    split_sentences,
)
from nbhelpers.registry import get_corpus, inspect_files, sample_files

WIKITEXT = """ = 한강 =

한강은 한반도 중부를 흐르는 강이다. 서울을 가로질러 서해로 흘러간다.

 = = 이름 = =

옛날에는 아리수라고도 불렀다.

 = 백두산 =

백두산은 화산이다! 꼭대기에 천지가 있을까? 있다.
"""

PLAIN = "첫 문서 첫 문장이다.\n첫 문서 둘째 문장이다.\n\n\n둘째 문서 문장이다.\n"


def test_reads_wikitext_articles_without_headings(tmp_path: Path) -> None:
    path = tmp_path / "kowikitext_20200920.dev"
    path.write_text(WIKITEXT, encoding="utf-8")
    assert read_kowikitext(path) == [
        ["한강은 한반도 중부를 흐르는 강이다.", "서울을 가로질러 서해로 흘러간다.", "옛날에는 아리수라고도 불렀다."],
        ["백두산은 화산이다!", "꼭대기에 천지가 있을까?", "있다."],
    ]


def test_reads_plain_text_blank_lines_between_documents(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("\ufeff" + PLAIN, encoding="utf-8")
    documents = read_kowikitext([path, path])
    assert documents[:2] == [["첫 문서 첫 문장이다.", "첫 문서 둘째 문장이다."], ["둘째 문서 문장이다."]]
    assert len(documents) == 4


def test_sentence_split_keeps_decimals() -> None:
    assert split_sentences("원주율은 3.14이다. 끝.") == ["원주율은 3.14이다.", "끝."]


def test_bad_files_name_the_problem(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="파일에 텍스트가 없습니다"):
        read_kowikitext(empty)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("문장\n".encode() + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(CorpusFormatError, match="line 2: UTF-8 텍스트 파일이 아닙니다"):
        read_kowikitext(latin)


def test_registry_and_embedded_sample() -> None:
    spec = get_corpus("kowikitext")
    assert spec.task == "pretraining" and spec.train_files[0].url.endswith("kowikitext_20200920.dev.zip")
    assert "/releases/download/kowikitext.20200920.v2/" in spec.train_files[0].url
    assert get_corpus("kowikitext-full").train_files[0].url.endswith("train.zip")
    summary = inspect_files("kowikitext", sample_files(spec, "train"))
    assert summary["examples"] >= 50 and summary["labels"]["sentences"] >= 200
    documents = read_kowikitext(sample_files(spec, "val"))
    assert len(documents) >= 5 and all(documents)


def _zip_bytes(tmp_path: Path, text: str) -> bytes:
    archive = tmp_path / "build.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("kowikitext_20200920.dev", text)
    return archive.read_bytes()


def test_extract_zip_refuses_and_deletes_a_corrupt_zip(tmp_path: Path) -> None:
    good = _zip_bytes(tmp_path, WIKITEXT * 50)
    path = tmp_path / "data.zip"
    path.write_bytes(good)
    [member] = extract_zip(path, tmp_path / "out")
    assert member.read_text(encoding="utf-8") == WIKITEXT * 50
    broken = bytearray(good)
    broken[60:70] = b"\0" * 10  # damage the compressed data: CRC check must catch it
    path.write_bytes(bytes(broken))
    with pytest.raises(DownloadError, match="올바른 zip 압축 파일이 아닙니다"):
        extract_zip(path, tmp_path / "out2")
    assert not path.exists()


class FakeTransport:
    """Serves a truncated zip first, then the real one: the download must notice and fetch again."""

    def __init__(self, payloads: list[bytes]) -> None:
        self.payloads = payloads
        self.calls = 0

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        data = self.payloads[min(self.calls, len(self.payloads) - 1)]
        self.calls += 1
        return [data], len(data), False


def test_download_fetches_a_corrupt_zip_again_and_extracts(tmp_path: Path) -> None:
    good = _zip_bytes(tmp_path, WIKITEXT)
    transport = FakeTransport([good[: len(good) // 2], good])
    files = download_kowikitext("kowikitext", tmp_path / "Korpora", transport=transport, progress=False)
    assert transport.calls == 2
    assert [p.name for p in files.train] == ["kowikitext_20200920.dev"]
    assert files.val == []
    assert len(read_kowikitext(files.train)) == 2
    # Second run: everything is on disk, no network.
    again = download_kowikitext("kowikitext", tmp_path / "Korpora", transport=FakeTransport([]), progress=False)
    assert again.train == files.train


def test_user_file_skips_the_download(tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text(PLAIN, encoding="utf-8")
    files = download_kowikitext("kowikitext", tmp_path / "Korpora", train_file=str(mine), transport=FakeTransport([]))
    assert files.train == [mine] and files.val == []
