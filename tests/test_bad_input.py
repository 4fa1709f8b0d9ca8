"""Bad input fails in a second with a short message naming file and line, for every corpus and in ``inspect``.

Fixtures are written here in each upstream format (no upstream rows are copied).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from nbhelpers.__main__ import main
from nbhelpers.classification.nli import read_klue_nli, read_kornli
from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import as_paths, expand_user_files
from nbhelpers.ner.klue import read_klue_ner
from nbhelpers.ner.kmou import read_kmou_ner, split_kmou_blocks
from nbhelpers.pretraining.kowikitext import read_kowikitext
from nbhelpers.qa.korquad import read_korquad
from nbhelpers.registry import download_corpus, get_corpus, inspect_files, sample_files

NSMC = "id\tdocument\tlabel\n1\t재미있게 봤어요\t1\n2\t시간이 아깝다\t0\n"
KORNLI = "sentence1\tsentence2\tgold_label\n비가 온다.\t날씨가 맑다.\tcontradiction\n"
KLUE_NLI = [{"guid": "mine-1", "premise": "비가 온다.", "hypothesis": "젖는다.", "gold_label": "entailment"}]
CONTEXT = "한빛대학교는 1950년에 세워졌다."
KORQUAD = {
    "version": "KorQuAD_v1.0_dev",
    "data": [{"title": "한빛대학교", "paragraphs": [{"context": CONTEXT, "qas": [
        {"id": "q-1", "question": "한빛대학교는 언제 세워졌나?", "answers": [{"text": "1950년", "answer_start": 7}]},
        {"id": "q-2", "question": "누가 세웠나?", "answers": []},
    ]}]}],
}
KMOU_BLOCK = "## {n}\n## {raw}\n## {tagged}\n{morph}\t{morph}\tNNP\tO\n"
BOOK = "김민준이 왔다.␞<김민준:PER>이 왔다.\n"
KLUE_NER = "## mine-1\t<서울:LC>에 간다.\n서\tB-LC\n울\tI-LC\n에\tO\n \tO\n간\tO\n다\tO\n.\tO\n"
TEXT = "첫 문장이다.\n둘째 문장이다.\n\n다른 문서의 문장이다.\n"


def kmou(n: int, raw: str, tagged: str) -> str:
    return KMOU_BLOCK.format(n=n, raw=raw, tagged=tagged, morph=raw.split()[0])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def inspect_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["inspect", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- empty input ---------------------------------------------------------------------------------------------

EMPTY_CASES: list[tuple[str, str, str, Callable]] = [
    ("nsmc", "header.txt", "id\tdocument\tlabel\n", read_nsmc),
    ("nsmc", "only_empty_reviews.txt", "id\tdocument\tlabel\n1\t\t0\n", read_nsmc),
    ("nsmc", "zero_bytes.txt", "", read_nsmc),
    ("kornli", "header.tsv", "sentence1\tsentence2\tgold_label\n\n", read_kornli),
    ("klue-nli", "list.json", "[]", read_klue_nli),
    ("korquad-v1", "data.json", '{"data": []}', read_korquad),
    ("korquad-v1", "no_qas.json", '{"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": []}]}]}',
     read_korquad),
    ("ner", "empty.txt", "\n\n", read_kmou_ner),
    ("klue-ner", "empty.tsv", "", read_klue_ner),
    ("kowikitext", "empty.txt", "\n \n", read_kowikitext),
    ("kowikitext", "titles.txt", " = 제목만 = \n\n = = 개요 = = \n", read_kowikitext),
]


@pytest.mark.parametrize(("corpus", "name", "text", "reader"), EMPTY_CASES, ids=[c[1] for c in EMPTY_CASES])
def test_every_reader_rejects_a_file_without_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: str, name: str, text: str, reader: Callable
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(CorpusFormatError) as error:
        reader(path)
    assert error.value.path == str(path)
    code, out, err = inspect_cli(capsys, corpus, str(path))
    assert code != 0 and out == ""
    assert str(path) in err and len(err.encode()) < 400


def test_an_empty_file_among_good_ones_is_named(tmp_path: Path) -> None:
    good = write(tmp_path / "a.txt", NSMC)
    empty = write(tmp_path / "b.txt", "id\tdocument\tlabel\n")
    with pytest.raises(CorpusFormatError) as error:
        read_nsmc([good, empty])
    assert error.value.path == str(empty) and "리뷰가 없습니다" in error.value.problem


# --- validation-only requirements ------------------------------------------------------------------------------


def test_korquad_validation_questions_need_gold_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "dev.json", json.dumps(KORQUAD, ensure_ascii=False))
    assert [len(e.answers) for e in read_korquad(path)] == [1, 0]  # training may hold unanswered questions
    with pytest.raises(CorpusFormatError) as error:
        read_korquad(path, require_answers=True)
    assert error.value.path == str(path) and error.value.location == "question id q-2"
    assert "질문에 정답이 없어" in error.value.problem
    spec = get_corpus("korquad-v1")
    assert len(spec.reader("train")(path)) == 2
    with pytest.raises(CorpusFormatError, match="q-2"):
        spec.reader("val")(path)
    code, _, err = inspect_cli(capsys, "--split", "val", "korquad-v1", str(path))
    assert code != 0 and "question id q-2" in err and str(path) in err
    code, out, _ = inspect_cli(capsys, "korquad-v1", str(path))
    assert code == 0 and json.loads(out)["labels"] == {"answerable": 1, "unanswerable": 1}


def test_the_smoke_samples_meet_the_validation_requirements() -> None:
    for name in ("korquad-v1", "nsmc", "klue-nli", "ner"):
        spec = get_corpus(name)
        assert spec.reader("val")(sample_files(spec, "val"))


# --- folders ---------------------------------------------------------------------------------------------------


def test_inspect_a_kmou_folder_reads_its_txt_files_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "말뭉치 - 형태소_개체명"
    write(folder / "00001_NER.txt", kmou(1, "김민준이 왔다.", "<김민준:PER>이 왔다.") + "\n")
    write(folder / "00002_NER.txt", kmou(1, "서울에 간다.", "<서울:LOC>에 간다.") + "\n" + kmou(2, "좋다.", "좋다."))
    write(folder / "README.md", "# not a corpus file\n")
    write(folder / ".DS_Store", "\0\0")
    write(folder / "sub" / "00003_NER.txt", "not read: only the folder's own files\n")
    code, out, err = inspect_cli(capsys, "ner", str(folder))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["examples"] == 3 and summary["labels"] == {"LOC": 1, "PER": 1}
    assert summary["files_read"] == "파일 2개: 00001_NER.txt, 00002_NER.txt"
    assert [p.name for p in as_paths(folder, get_corpus("ner").file_patterns)] == ["00001_NER.txt", "00002_NER.txt"]


@pytest.mark.parametrize("corpus", ["nsmc", "kornli", "klue-nli", "korquad-v1", "ner", "klue-ner", "kowikitext"])
def test_every_corpus_takes_a_folder_as_train_file(tmp_path: Path, corpus: str) -> None:
    spec = get_corpus(corpus)
    folder = tmp_path / "mine"
    for sample in sample_files(spec, "train") + sample_files(spec, "val"):
        write(folder / sample.name, sample.read_text(encoding="utf-8"))
    write(folder / "notes.md", "not a corpus file")
    files = download_corpus(corpus, tmp_path / "root", train_file=str(folder), val_file=str(folder), progress=False)
    samples = sample_files(spec, "train") + sample_files(spec, "val")
    assert sorted(p.name for p in files.train) == sorted(p.name for p in samples)
    expected = len(spec.read(sample_files(spec, "train"))) + len(spec.read(sample_files(spec, "val")))
    assert len(spec.read(files.train)) == expected == inspect_files(corpus, [folder])["examples"]


def test_folder_without_corpus_files_and_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "empty"
    write(folder / "notes.md", "nothing here")
    with pytest.raises(FileNotFoundError, match=r"폴더에 \*\.json 파일이 없습니다"):
        expand_user_files(str(folder), get_corpus("korquad-v1").file_patterns)
    code, _, err = inspect_cli(capsys, "korquad-v1", str(folder))
    assert code != 0 and str(folder) in err and "Traceback" not in err
    with pytest.raises(FileNotFoundError, match="그런 파일이나 폴더가 없습니다"):
        expand_user_files(str(tmp_path / "missing"))


def test_reading_a_folder_says_which_files_were_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, module_logs: Callable[..., AbstractContextManager[None]]
) -> None:
    folder = tmp_path / "reviews"
    for name in ("a.txt", "b.tsv", "c.txt", "d.txt"):
        write(folder / name, NSMC)
    write(folder / "notes.md", "not read")
    with module_logs("nbhelpers.files", logging.INFO):
        files = expand_user_files(str(folder), get_corpus("nsmc").file_patterns)
    assert [p.name for p in files] == ["a.txt", "b.tsv", "c.txt", "d.txt"]
    assert f"{folder}: 읽는 파일 4개: a.txt, b.tsv, c.txt, ..." in caplog.text


# --- KMOU blocks -----------------------------------------------------------------------------------------------

SENTENCES = [("김민준이 왔다.", "<김민준:PER>이 왔다."), ("서울에 간다.", "<서울:LOC>에 간다."), ("오늘 맑다.", "<오늘:DAT> 맑다.")]


def test_kmou_blocks_without_blank_lines_are_not_merged(tmp_path: Path) -> None:
    # Block 2 follows block 1's morpheme lines directly; block 3 follows block 2's header with no morpheme line.
    one, two, three = (kmou(i, raw, tagged) for i, (raw, tagged) in enumerate(SENTENCES, start=1))
    two_header_only = "".join(two.splitlines(keepends=True)[:3])
    path = write(tmp_path / "x_NER.txt", one + two_header_only + three + "\n")
    examples = read_kmou_ner(path)
    assert [e.text for e in examples] == [raw for raw, _ in SENTENCES]
    assert [e.guid for e in examples] == [f"x_NER.txt:block {n}" for n in (1, 2, 3)]
    assert [len(b) for b in split_kmou_blocks(path.read_text(encoding="utf-8").splitlines())] == [4, 3, 4]


def test_kmou_header_with_more_than_three_lines_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A block whose sentence was pasted twice: the second raw line is the fourth '##' line (line 4 of the file).
    text = kmou(1, *SENTENCES[0]) + "\n" + "## 2\n## 서울에 간다.\n## <서울:LOC>에 간다.\n## 서울에 간다.\n서울\t서울\tNNP\tB-LOC\n"
    path = write(tmp_path / "y_NER.txt", text)
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(path)
    assert error.value.location == "line 9" and "2번째 블록에 '##' 줄이 세 개보다 많습니다" in error.value.problem
    code, _, err = inspect_cli(capsys, "ner", str(path))
    assert code != 0 and f"{path}, line 9" in err


def test_a_morpheme_line_of_hashes_is_not_a_header(tmp_path: Path) -> None:
    text = "## 1\n## ## 표시\n## ## 표시\n##\t##\tSW\tO\n표시\t표시\tNNG\tO\n"
    assert [e.text for e in read_kmou_ner(write(tmp_path / "z_NER.txt", text))] == ["## 표시"]


# --- labels outside the corpus's set -----------------------------------------------------------------------------


def test_unknown_kmou_type_is_an_error_in_a_learners_file(tmp_path: Path) -> None:
    path = write(tmp_path / "mine_NER.txt", kmou(1, "김민준이 왔다.", "<김민준:FOO>이 왔다."))
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(path)
    assert error.value.location.startswith("block 1") and "'FOO'" in error.value.problem
    assert "PER" in error.value.fix
    book = write(tmp_path / "book.txt", BOOK + "서울에 간다.␞<서울:CITY>에 간다.\n")
    with pytest.raises(CorpusFormatError) as error:
        read_kmou_ner(book)
    assert error.value.location == "line 2" and "CITY" in error.value.problem


def test_unknown_kmou_type_in_a_pinned_file_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
    module_logs: Callable[..., AbstractContextManager[None]],
    pinned_kmou_file: Callable[[bytes], Path],
) -> None:
    body = (kmou(1, *SENTENCES[0]) + "\n" + kmou(2, "서울에 간다.", "<서울:FOO>에 간다.") + "\n").encode()
    path = pinned_kmou_file(body)
    with module_logs("nbhelpers.ner.kmou"):
        examples = read_kmou_ner(path)
    assert [e.text for e in examples] == ["김민준이 왔다."]
    assert "block 2" in caplog.text and "FOO" in caplog.text


def test_unknown_klue_tag_is_an_error_in_a_learners_file_and_a_warning_in_upstream(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, module_logs: Callable[..., AbstractContextManager[None]]
) -> None:
    text = KLUE_NER.replace("B-LC\n울\tI-LC", "B-CITY\n울\tI-CITY")
    with pytest.raises(CorpusFormatError) as error:
        read_klue_ner(write(tmp_path / "mine.tsv", text))
    assert error.value.location == "line 2" and "CITY" in error.value.problem and "PS" in error.value.fix
    with module_logs("nbhelpers.ner.klue"):
        [example] = read_klue_ner(write(tmp_path / "klue-ner-v1.1_dev.tsv", text))
    assert [s.label for s in example.entities] == ["CITY"] and "CITY" in caplog.text


# --- short messages --------------------------------------------------------------------------------------------


def test_quote_keeps_at_most_80_characters() -> None:
    assert quote("짧다") == "'짧다'"
    assert quote("x" * 1000) == "'" + "x" * 80 + "'… (1,000 characters)"
    long = quote("가" * 1_000_000)  # Hangul is 3 bytes a character: fewer characters, same few bytes
    assert long.startswith("'가가가") and long.endswith("'… (1,000,000 characters)") and len(long.encode()) < 160
    assert len(quote({"text": ["x" * 500]})) <= 81


HUGE = "가" * 2_000_000  # a file whose first line is about 6 MB

MALFORMED: list[tuple[str, str, str, str]] = [
    # corpus, file name, content, words the message must contain
    ("nsmc", "long_header.txt", HUGE + "\n1\t좋다\t1\n", "line 1"),
    ("nsmc", "label.txt", NSMC + "3\t좋다\t2\n", "line 4"),
    ("nsmc", "fields.txt", NSMC + "3\t" + HUGE + "\n", "line 4"),
    ("nsmc", "long_label.txt", NSMC + "3\t좋다\t" + HUGE + "\n", "line 4"),
    ("kornli", "label.tsv", KORNLI + "a\tb\tmaybe\n", "line 3"),
    ("klue-nli", "label.json", json.dumps([{**KLUE_NLI[0], "gold_label": HUGE}]), "guid mine-1"),
    ("klue-nli", "guid.json", json.dumps([{**KLUE_NLI[0], "guid": HUGE, "gold_label": "?"}]), "guid"),
    ("klue-nli", "object.json", json.dumps({"data": KLUE_NLI}), "line 1"),
    ("klue-nli", "truncated.json", json.dumps(KLUE_NLI)[:-5], "line 1"),
    ("klue-nli", "deep.json", "[" * 100_000 + "]" * 100_000, "whole file"),
    ("korquad-v1", "answer.json", json.dumps({"data": [{"title": "t", "paragraphs": [{"context": HUGE, "qas": [
        {"id": "q", "question": "?", "answers": [{"text": "나" * 500, "answer_start": 3}]}]}]}]}), "question id q"),
    ("korquad-v1", "answer_type.json", json.dumps({"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [
        {"id": "q", "question": "?", "answers": [{"text": HUGE, "answer_start": "0"}]}]}]}]}), "question id q"),
    ("korquad-v1", "list.json", "[]", "top level"),
    ("ner", "mismatch_NER.txt", kmou(1, "김민준이 왔다." + HUGE, "<김민준:PER>이 갔다." + HUGE), "block 1"),
    ("ner", "plain.txt", HUGE + "\n", "line 1"),
    ("ner", "book.txt", BOOK + "김민준이 왔다." + HUGE + "\n", "line 2"),
    ("klue-ner", "long_line.tsv", KLUE_NER + "\n## mine-2\t다\n" + HUGE + "\tO\n", "line 11"),
    ("klue-ner", "tag.tsv", KLUE_NER.replace("에\tO", "에\tB-" + "X" * 1000), "line 4"),
    ("kowikitext", "latin1.txt", "", "line 2: UTF-8 텍스트 파일이 아닙니다"),
]


@pytest.mark.parametrize(("corpus", "name", "text", "words"), MALFORMED, ids=[c[1] for c in MALFORMED])
def test_inspect_on_malformed_input_is_short_and_names_the_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], corpus: str, name: str, text: str, words: str
) -> None:
    path = tmp_path / name
    if name == "latin1.txt":
        path.write_bytes("첫 문장.\n".encode() + "café".encode("latin-1"))
    else:
        write(path, text)
    code, out, err = inspect_cli(capsys, corpus, str(path))
    assert code != 0 and out == ""
    assert err.startswith(f"error: {path}, ") and words in err, err[:500]
    assert len(err.encode()) < 500, err[:500]


def test_inspect_subprocess_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", '{"data": [')
    for argv in (["korquad-v1", str(bad)], ["korquad-v1", str(tmp_path / "missing.json")],
                 ["no-such-corpus", str(bad)], ["ner", str(tmp_path)]):
        result = subprocess.run([sys.executable, "-m", "nbhelpers", "inspect", *argv],
                                capture_output=True, text=True, check=False)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert 0 < len(result.stderr.encode()) < 500 and result.stderr.startswith("error: ")
