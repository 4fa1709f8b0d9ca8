"""Readers refuse what would train or score wrongly, naming the place and the fix (issue 20 item 9).

Empty NLI sentences, KMOU tags written almost right (``<서울:loc>``, ``< 서울:LOC>``), a KorQuAD question id
used twice in a validation file, and files or folders the session may not read. Fixtures are written here
in each upstream format (no upstream rows are copied).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from nbhelpers.__main__ import main
from nbhelpers.classification.nli import read_klue_nli, read_kornli
from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.errors import CorpusFormatError
from nbhelpers.files import expand_user_files
from nbhelpers.ner.kmou import read_kmou_ner
from nbhelpers.qa.korquad import read_korquad
from nbhelpers.qa.korquad_eval import main as korquad_eval


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- empty NLI sentences ----------------------------------------------------------------------------------------

KORNLI_HEADER = "sentence1\tsentence2\tgold_label\n"


@pytest.mark.parametrize(("row", "words"), [
    ("\t날씨가 맑다.\tneutral\n", "전제(premise)가 비어 있습니다"),
    ("비가 온다.\t \tneutral\n", "가설(hypothesis)이 비어 있습니다"),
    ("\t\tneutral\n", "전제(premise)와 가설(hypothesis)이 모두 비어 있습니다"),
])
def test_an_empty_kornli_sentence_names_its_line(tmp_path: Path, row: str, words: str) -> None:
    path = write(tmp_path / "mine.tsv", KORNLI_HEADER + "비가 온다.\t날씨가 맑다.\tcontradiction\n" + row)
    with pytest.raises(CorpusFormatError) as error:
        read_kornli(path)
    assert error.value.location == "line 3" and error.value.problem == words and "고치는" not in error.value.problem


def test_an_empty_klue_nli_sentence_names_its_guid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = [{"guid": "mine-1", "premise": "비가 온다.", "hypothesis": "젖는다.", "gold_label": "entailment"},
             {"guid": "mine-2", "premise": "비가 온다.", "hypothesis": "", "gold_label": "neutral"}]
    path = write(tmp_path / "mine.json", json.dumps(items, ensure_ascii=False))
    with pytest.raises(CorpusFormatError) as error:
        read_klue_nli(path)
    assert error.value.location == "guid mine-2" and "가설(hypothesis)" in error.value.problem
    assert main(["inspect", "klue-nli", str(path)]) != 0
    err = capsys.readouterr().err
    assert "guid mine-2" in err and len(err.encode()) < 500


def test_an_empty_pair_in_a_downloaded_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, module_logs: Callable[..., AbstractContextManager[None]]
) -> None:
    # A learner cannot fix the downloaded files: there the pair is left out and counted.
    path = write(tmp_path / "xnli.dev.ko.tsv", KORNLI_HEADER + "비가 온다.\t날씨가 맑다.\tcontradiction\n\t\tneutral\n")
    with module_logs("nbhelpers.classification.nli"):
        examples = read_kornli(path)
    assert [e.text_a for e in examples] == ["비가 온다."] and "line 3" in caplog.text


# --- KMOU tags written almost right -----------------------------------------------------------------------------


@pytest.mark.parametrize(("tagged", "words"), [
    ("<서울:loc>에 간다.", "'<서울:loc>': 유형 'loc'에 소문자가 있습니다"),
    ("<서울:Loc>에 간다.", "유형 'Loc'에 소문자가 있습니다"),
    ("< 서울:LOC>에 간다.", "'< 서울:LOC>': 개체의 앞이나 뒤에 공백이 있습니다"),
    ("<서울 :LOC>에 간다.", "'<서울 :LOC>': 개체의 앞이나 뒤에 공백이 있습니다"),
    ("<서울: LOC>에 간다.", "'<서울: LOC>': 태그 안에 공백이 있습니다"),
    ("<서울:LOC >에 간다.", "'<서울:LOC >': 태그 안에 공백이 있습니다"),
])
def test_a_kmou_tag_written_almost_right_says_what_is_wrong(tmp_path: Path, tagged: str, words: str) -> None:
    block = f"## 1\n## 서울에 간다.\n## {tagged}\n서울\t서울\tNNP\tB-LOC\n"
    for path in (write(tmp_path / "mine_NER.txt", block), write(tmp_path / "book.txt", f"서울에 간다.␞{tagged}\n")):
        with pytest.raises(CorpusFormatError) as error:
            read_kmou_ner(path)
        assert words in error.value.problem, error.value.problem
        assert "<서울:LOC>처럼" in error.value.fix


# --- duplicate KorQuAD ids in validation ------------------------------------------------------------------------

CONTEXT = "한빛대학교는 1950년에 세워졌다. 설립자는 김하늘이다."


def korquad(*ids: str) -> dict:
    answers = [{"text": "1950년", "answer_start": 7}]
    return {"version": "KorQuAD_v1.0_dev", "data": [{"title": "한빛대학교", "paragraphs": [{"context": CONTEXT, "qas": [
        {"id": qid, "question": f"{n}. 한빛대학교는 언제 세워졌나?", "answers": answers} for n, qid in enumerate(ids)]}]}]}


def test_a_question_id_used_twice_is_refused_in_validation_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "dev.json", json.dumps(korquad("q-1", "q-2", "q-1"), ensure_ascii=False))
    assert len(read_korquad(path)) == 3  # training files: a warning, the questions are still good data
    with pytest.raises(CorpusFormatError) as error:
        read_korquad(path, require_answers=True)
    assert error.value.location == "question id q-1" and "같은 질문 id가 두 번" in error.value.problem
    # Across the files of one validation set, too: their predictions go into one file keyed by id.
    other = write(tmp_path / "dev2.json", json.dumps(korquad("q-2"), ensure_ascii=False))
    once = write(tmp_path / "dev1.json", json.dumps(korquad("q-1", "q-2"), ensure_ascii=False))
    with pytest.raises(CorpusFormatError, match="같은 질문 id"):
        read_korquad([once, other], require_answers=True)
    capsys.readouterr()  # the warning about the training read, when a test before set up logging to stderr
    assert main(["inspect", "--split", "val", "korquad-v1", str(path)]) != 0
    err = capsys.readouterr().err
    assert "question id q-1" in err and "같은 질문 id" in err and len(err.encode()) < 500


def test_korquad_eval_refuses_a_dataset_with_a_repeated_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = write(tmp_path / "dev.json", json.dumps(korquad("q-1", "q-1"), ensure_ascii=False))
    predictions = write(tmp_path / "predictions.json", json.dumps({"q-1": "1950년"}, ensure_ascii=False))
    assert korquad_eval([str(dataset), str(predictions)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "question id q-1" in captured.err and "같은 질문 id" in captured.err


# --- permission denied ------------------------------------------------------------------------------------------
# Simulated: the tests may run as root, for whom file permissions do not apply.

NSMC = "id\tdocument\tlabel\n1\t재미있게 봤어요\t1\n"


def test_an_unreadable_file_says_so_with_the_path_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "reviews.txt", NSMC)
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(PermissionError) as error:
        read_nsmc(path)
    assert str(error.value).startswith(f"{path}: 이 파일을 읽을 권한이 없습니다. 고치는 법: chmod")
    assert main(["inspect", "nsmc", str(path)]) != 0
    err = capsys.readouterr().err
    assert "읽을 권한이 없습니다" in err and str(path) in err and "Traceback" not in err
    dataset = write(tmp_path / "dev.json", json.dumps(korquad("q-1"), ensure_ascii=False))
    monkeypatch.setattr(Path, "read_bytes", lambda self: read_bytes(path) if self == dataset else real_read_bytes(self))
    assert korquad_eval([str(dataset), str(path)]) == 2
    err = capsys.readouterr().err
    assert f"error: {dataset}, whole file: 이 파일을 읽을 권한이 없습니다" in err and "chmod u+r" in err


def test_an_unreadable_folder_says_so_instead_of_holding_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reviews"
    write(folder / "a.txt", NSMC)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == folder else real_access(path, mode))
    with pytest.raises(PermissionError, match=f"{folder}: 이 폴더를 읽을 권한이 없습니다"):
        read_nsmc(folder)
    with pytest.raises(PermissionError, match="이 폴더를 읽을 권한이"):
        expand_user_files(str(folder), ("*.txt",))


def test_a_folder_on_the_way_that_cannot_be_entered_is_not_called_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "locked" / "reviews.txt", NSMC)
    real_stat = Path.stat

    def stat(self: Path, **kwargs: object) -> os.stat_result:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(PermissionError, match="읽을 권한이 없습니다"):
        expand_user_files(str(path))


def test_reading_logs_nothing_for_good_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, module_logs: Callable[..., AbstractContextManager[None]]
) -> None:
    path = write(tmp_path / "good.tsv", KORNLI_HEADER + "비가 온다.\t날씨가 맑다.\tcontradiction\n")
    with module_logs("nbhelpers.classification.nli", logging.INFO):
        assert len(read_kornli(path)) == 1
    assert caplog.text == ""
