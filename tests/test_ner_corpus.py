"""NER readers: KMOU blocks, the book's ␞ lines and KLUE-NER TSV, mismatch errors, the pinned file list."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import unquote

import pytest

from nbhelpers.download import fetch_file, git_blob_id
from nbhelpers.errors import CorpusFormatError, DownloadError
from nbhelpers.ner.examples import NERExample, entity_types
from nbhelpers.ner.klue import read_klue_ner
from nbhelpers.ner.kmou import (
    KMOU_COMMIT,
    KMOU_MANIFEST,
    KMOU_RAW,
    is_validation_file,
    kmou_remote_files,
    read_kmou_ner,
)
from nbhelpers.ner.spans import EntitySpan, parse_tagged, spans_from_bio, to_tagged
from nbhelpers.registry import get_corpus, inspect_files, sample_files

KMOU_BLOCKS = (
    "## 1\n"
    "## ―효진 역의 김환희(14)가 특히 인상적이었다.\n"
    "## ―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다.\n"
    "―\t―\tSS\tO\n효진\t효진\tNNP\tB-PER\n_\t_\t_\tO\n역\t역\tNNG\tO\n의\t의\tJKG\tO\n_\t_\t_\tO\n"
    "김환희\t김환희\tNNP\tB-PER\n(\t(\tSS\tO\n14\t14\tSN\tB-NOH\n)\t)\tSS\tO\n가\t가\tJKS\tO\n"
    "\n"
    "## 2\n"
    "## 새솔은행은 12:30부터 서울 본점에서 회의를 연다.\n"
    "## <새솔은행:ORG>은 <12:30:TIM>부터 <서울:LOC> 본점에서 회의를 연다.\n"
    "새솔은행\t새솔은행\tNNP\tB-ORG\n은\t은\tJX\tO\n"
    "\n"
    "## 3\n"
    "## 오늘은 조용한 하루였다.\n"
    "## 오늘은 조용한 하루였다.\n"
    "오늘\t오늘\tNNG\tO\n"
    "\n"
)
BOOK_LINES = (
    "―효진 역의 김환희(14)가 특히 인상적이었다.␞―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다.\n"
    "\n"
    "<꽃> 전시가 5월 17일에 열린다.␞<<꽃>:POH> 전시가 <5월 17일:DAT>에 열린다.\n"
)
KLUE_TSV = (
    "## klue-ner-test_00000\t<김철수:PS>는 <서울:LC>에서 만났다.\n"
    "김\tB-PS\n철\tI-PS\n수\tI-PS\n는\tO\n \tO\n서\tB-LC\n울\tI-LC\n에\tO\n서\tO\n \tO\n만\tO\n났\tO\n다\tO\n.\tO\n"
    "\n"
    "## klue-ner-test_00001\t<3명:QT>이 <어제:DT> 왔다.\n"
    "3\tB-QT\n명\tI-QT\n이\tO\n \tO\n어\tB-DT\n제\tI-DT\n \tO\n왔\tO\n다\tO\n.\tO\n"
)


def spans(example: NERExample) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in example.entities]


def test_parse_tagged_gives_character_spans_over_the_raw_sentence() -> None:
    plain, found = parse_tagged("―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다.")
    assert plain == "―효진 역의 김환희(14)가 특히 인상적이었다."
    assert found == [EntitySpan(1, 3, "PER", "효진"), EntitySpan(7, 10, "PER", "김환희"), EntitySpan(11, 13, "NOH", "14")]
    assert all(plain[s.start : s.end] == s.text for s in found)
    assert to_tagged(plain, found) == "―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다."


def test_kmou_blocks_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "00001_NER.txt"
    path.write_bytes(("\ufeff" + KMOU_BLOCKS).replace("\n", "\r\n").encode("utf-8"))
    examples = read_kmou_ner(path)
    assert [e.guid for e in examples] == ["00001_NER.txt:block 1", "00001_NER.txt:block 2", "00001_NER.txt:block 3"]
    assert examples[0].text == "―효진 역의 김환희(14)가 특히 인상적이었다."
    assert spans(examples[0]) == [("효진", "PER"), ("김환희", "PER"), ("14", "NOH")]
    # A colon inside the mention stays part of it.
    assert spans(examples[1]) == [("새솔은행", "ORG"), ("12:30", "TIM"), ("서울", "LOC")]
    assert examples[2].entities == ()


def test_book_lines_and_angle_brackets_in_text(tmp_path: Path) -> None:
    path = tmp_path / "train.txt"
    path.write_text(BOOK_LINES, encoding="utf-8")
    examples = read_kmou_ner(path)
    assert [e.guid for e in examples] == ["train.txt:line 1", "train.txt:line 3"]
    assert spans(examples[0]) == [("효진", "PER"), ("김환희", "PER"), ("14", "NOH")]
    assert examples[1].text == "<꽃> 전시가 5월 17일에 열린다."
    assert spans(examples[1]) == [("<꽃>", "POH"), ("5월 17일", "DAT")]


def test_mismatch_names_file_and_block(tmp_path: Path) -> None:
    path = tmp_path / "bad_NER.txt"
    path.write_text(KMOU_BLOCKS.replace("<서울:LOC> 본점", "<서울:LOC> 지점"), encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(path)
    assert error.value.path == str(path)
    assert error.value.location.startswith("block 2")
    assert "원문과 다릅니다" in error.value.problem and "본점" in error.value.problem


def test_mismatch_in_book_line_and_missing_separator(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_text("김환희가 왔다.␞<김환희:PER가 왔다.\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="line 1"):
        read_kmou_ner(path)
    path.write_text("김환희가 왔다.␞<김환희:PER>가 왔다.\n그냥 문장\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(path)
    assert error.value.location == "line 2" and "'␞' 구분자가 정확히 1개여야 하는데 0개입니다" in error.value.problem


def test_unknown_format_and_short_block(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("그냥 문장입니다.\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="KMOU 말뭉치 파일\\('##'로 시작하는 블록\\)도"):
        read_kmou_ner(path)
    path.write_text("## 1\n## 문장만 있다.\n문장\t문장\tNNG\tO\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(path)
    assert error.value.location.startswith("block 1")


def test_klue_tsv(tmp_path: Path) -> None:
    path = tmp_path / "klue-ner.tsv"
    path.write_text(KLUE_TSV, encoding="utf-8")
    examples = read_klue_ner(path)
    assert [e.guid for e in examples] == ["klue-ner-test_00000", "klue-ner-test_00001"]
    assert examples[0].text == "김철수는 서울에서 만났다."
    assert spans(examples[0]) == [("김철수", "PS"), ("서울", "LC")]
    assert spans(examples[1]) == [("3명", "QT"), ("어제", "DT")]


def test_klue_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "klue-ner.tsv"
    path.write_text("## x\t<김:PS>\n김\tB-PS\t추가\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_klue_ner(path)
    assert error.value.location == "line 2"
    path.write_text("## x\t김\n김\tPERSON\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="IOB2"):
        read_klue_ner(path)


def test_spans_from_bio_adjacent_and_orphan_inside() -> None:
    text = "가나다라마"
    found = spans_from_bio(["B-PS", "I-PS", "B-PS", "O", "I-LC"], text)
    # Strict IOB2, as KLUE's scorer reads gold tags: the I-LC after O continues nothing and is no entity.
    assert [(s.start, s.end, s.label) for s in found] == [(0, 2, "PS"), (2, 3, "PS")]


STRAY_TSV = "## x\t<김철수:PS>는 갔다.\n김\tB-PS\n철\tI-PS\n수\tI-PS\n는\tO\n \tO\n갔\tI-DT\n다\tI-DT\n.\tO\n"


def test_klue_stray_inside_tag_in_own_file_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "klue-ner.tsv"
    path.write_text(STRAY_TSV, encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_klue_ner(path)
    assert error.value.location == "line 7" and "I-DT" in error.value.problem and "B-" in error.value.fix


def test_klue_stray_inside_tag_in_pinned_file_is_read_strictly_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, module_logs: Callable[..., AbstractContextManager[None]]
) -> None:
    path = tmp_path / "klue-ner-v1.1_dev.tsv"  # a downloaded upstream file: the learner cannot fix it
    path.write_text(STRAY_TSV, encoding="utf-8")
    with module_logs("nbhelpers.ner.klue"):
        (example,) = read_klue_ner(path)
    assert spans(example) == [("김철수", "PS")]
    assert "I- 태그 2개" in caplog.text and "(줄 7, 8)" in caplog.text


def test_entity_types_keep_known_order_then_extras() -> None:
    plain, found = parse_tagged("―<효진:PER> <한빛:ORG> <무언가:XYZ>")
    examples = [NERExample("x", plain, tuple(found))]
    assert entity_types(examples, ("ORG", "PER", "LOC")) == ["ORG", "PER", "XYZ"]


def test_manifest_pins_every_file_and_splits_by_file() -> None:
    spec = get_corpus("ner")
    rows = KMOU_MANIFEST.read_text(encoding="utf-8").splitlines()
    remotes = spec.train_files + spec.val_files
    assert len(remotes) == len(rows) == 1427
    assert sum(r.size or 0 for r in remotes) == 23_768_474
    assert all(r.git_blob and len(r.git_blob) == 40 for r in remotes)
    first = next(r for r in remotes if r.filename == "kmou-ner/00002_NER.txt")
    assert first.url.startswith(f"https://raw.githubusercontent.com/kmounlp/NER/{KMOU_COMMIT}/")
    assert " " not in first.url and unquote(first.url).endswith("/말뭉치 - 형태소_개체명/00002_NER.txt")
    train_names = {r.filename for r in spec.train_files}
    val_names = {r.filename for r in spec.val_files}
    assert not train_names & val_names
    assert 0.05 < len(val_names) / len(remotes) < 0.15
    # The split depends on the file name only, so it is the same on every machine and every run.
    assert all(is_validation_file(name) for name in val_names)


def test_registry_samples_parse() -> None:
    for name in ("ner", "klue-ner"):
        spec = get_corpus(name)
        for split in ("train", "val"):
            examples = spec.read(sample_files(spec, split))
            assert examples and sum(len(e.entities) for e in examples) > len(examples)


def test_inspect_cli_reports_sentences_and_mentions(tmp_path: Path) -> None:
    kmou = tmp_path / "a_NER.txt"
    kmou.write_text(KMOU_BLOCKS, encoding="utf-8")
    book = tmp_path / "book.txt"
    book.write_text(BOOK_LINES, encoding="utf-8")
    summary = inspect_files("ner", [kmou, book])
    assert summary["examples"] == 5
    assert summary["labels"] == {"PER": 4, "NOH": 2, "LOC": 1, "ORG": 1, "POH": 1, "DAT": 1, "TIM": 1}
    klue = tmp_path / "klue.tsv"
    klue.write_text(KLUE_TSV, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "nbhelpers", "inspect", "klue-ner", str(klue)],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(result.stdout)["labels"] == {"DT": 1, "LC": 1, "PS": 1, "QT": 1}
    assert json.loads(result.stdout)["examples"] == 2


class UrlTransport:
    """Serves fixed bytes per URL and records what was asked for."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.asked: list[str] = []

    def open(self, url: str, start: int) -> tuple[list[bytes], int, bool]:
        self.asked.append(url)
        data = self.files[url]
        return [data], len(data), False


def test_manifest_rows_are_fetched_and_verified(tmp_path: Path) -> None:
    folder = "말뭉치 - 형태소_개체명"
    contents = {f"{i:05d}_NER.txt": ("\ufeff" if i == 1 else "") + KMOU_BLOCKS for i in range(1, 31)}
    rows, served = [], {}
    for name, text in contents.items():
        local = tmp_path / "src" / name
        local.parent.mkdir(exist_ok=True)
        local.write_bytes(text.encode("utf-8"))
        rows.append(f"{folder}/{name}\t{git_blob_id(local)}\t{local.stat().st_size}")
        served[f"{KMOU_RAW}/%EB%A7%90%EB%AD%89%EC%B9%98%20-%20%ED%98%95%ED%83%9C%EC%86%8C_%EA%B0%9C%EC%B2%B4%EB%AA%85/{name}"] = (
            local.read_bytes()
        )
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    train, val = kmou_remote_files(manifest)
    assert len(train) + len(val) == 30 and val and train
    transport = UrlTransport(served)
    paths = [fetch_file(r, tmp_path / "data" / r.filename, transport=transport, progress=False) for r in train + val]
    assert sorted(transport.asked) == sorted(served)
    assert len(read_kmou_ner(paths)) == 90
    # A changed upstream file does not verify against its manifest row.
    served[train[0].url] = served[train[0].url].replace("효진".encode(), "효준".encode())
    (tmp_path / "data" / train[0].filename).unlink()
    with pytest.raises(DownloadError):
        fetch_file(train[0], tmp_path / "data" / train[0].filename, transport=transport, progress=False,
                   retries=1, backoff_seconds=0)


def test_bad_block_in_pinned_upstream_file_is_skipped_and_logged(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    module_logs: Callable[..., AbstractContextManager[None]],
    pinned_kmou_file: Callable[[bytes], Path],
) -> None:
    # Same name and size as a manifest row: the learner cannot fix that file, so the reader goes on without it.
    path = pinned_kmou_file(KMOU_BLOCKS.replace("<서울:LOC> 본점", "<서울:LOC> 지점").encode("utf-8"))
    name = path.name
    with module_logs("nbhelpers.ner.kmou"):
        examples = read_kmou_ner(path)
    assert [e.guid for e in examples] == [f"{name}:block 1", f"{name}:block 3"]
    assert "block 2" in caplog.text
    # The same content under another name is the user's file: it must be fixed, so it raises.
    other = tmp_path / "mine.txt"
    other.write_bytes(path.read_bytes())
    with pytest.raises(CorpusFormatError):
        read_kmou_ner(other)
