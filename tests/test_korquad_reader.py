"""KorQuAD 1.0 reader: every question kept (offset 0, last word, several answers), bad offsets named by id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbhelpers.errors import CorpusFormatError
from nbhelpers.qa.korquad import read_korquad
from nbhelpers.registry import get_corpus, inspect_files, sample_files

CONTEXT = "한라산은 제주도 한가운데에 있는 산이다. 높이는 1947미터이고 정상에는 백록담이 있다"


def write_dataset(path: Path, qas: list[dict], context: str = CONTEXT) -> Path:
    document = {"version": "KorQuAD_v1.0_test", "data": [{"title": "한라산", "paragraphs": [{"context": context, "qas": qas}]}]}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def qa(qid: str, question: str, *answers: tuple[str, int]) -> dict:
    return {"id": qid, "question": question, "answers": [{"text": t, "answer_start": s} for t, s in answers]}


def test_keeps_answer_at_offset_zero_and_in_the_last_word(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.json", [
        qa("q-first", "제주도 한가운데에 있는 산은?", ("한라산", 0)),
        qa("q-last", "정상에 있는 것은?", ("백록담", CONTEXT.index("백록담"))),
    ])
    examples = read_korquad(path)
    assert [e.qid for e in examples] == ["q-first", "q-last"]
    first, last = examples
    assert first.answers[0].answer_start == 0 and first.context[:3] == "한라산"
    assert last.answers[0].answer_end == CONTEXT.index("백록담") + 3
    assert last.context[last.answers[0].answer_start:last.answers[0].answer_end] == "백록담"
    assert first.title == "한라산" and first.question == "제주도 한가운데에 있는 산은?"


def test_keeps_several_answers_per_question(tmp_path: Path) -> None:
    start = CONTEXT.index("1947")
    path = write_dataset(tmp_path / "d.json", [qa("q", "높이는?", ("1947미터", start), ("1947", start))])
    (example,) = read_korquad(path)
    assert [(a.text, a.answer_start) for a in example.answers] == [("1947미터", start), ("1947", start)]


def test_answer_that_does_not_match_its_offset_is_an_error_naming_the_question(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.json", [
        qa("q-ok", "산은?", ("한라산", 0)),
        qa("q-bad-offset", "정상에 있는 것은?", ("백록담", CONTEXT.index("백록담") + 1)),
    ])
    with pytest.raises(CorpusFormatError) as error:
        read_korquad(path)
    assert error.value.location == "question id q-bad-offset"
    assert str(CONTEXT.index("백록담")) in error.value.fix  # says where the text really is
    assert str(path) in str(error.value)


def test_answer_text_absent_from_context_is_an_error(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.json", [qa("q-x", "산은?", ("설악산", 0))])
    with pytest.raises(CorpusFormatError, match="answer_start=0의 context '한라산'와\(과\) 다릅니다") as error:
        read_korquad(path)
    assert error.value.location == "question id q-x"


def test_offset_past_the_end_is_an_error(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.json", [qa("q-far", "산은?", ("한라산", len(CONTEXT) + 5))])
    with pytest.raises(CorpusFormatError):
        read_korquad(path)


def test_wrong_layout_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"version": "x", "data": {"paragraphs": []}}), encoding="utf-8")
    with pytest.raises(CorpusFormatError, match='"data"이\\(가\\) list이어야 하는데 dict입니다'):
        read_korquad(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="line 1: 올바른 JSON이 아닙니다"):
        read_korquad(path)


def test_several_files_and_inspect_counts(tmp_path: Path) -> None:
    a = write_dataset(tmp_path / "a.json", [qa("a1", "산은?", ("한라산", 0))])
    b = write_dataset(tmp_path / "b.json", [qa("b1", "산은?", ("한라산", 0)), qa("b2", "답 없는 질문?")])
    assert [e.qid for e in read_korquad([a, b])] == ["a1", "b1", "b2"]
    summary = inspect_files("korquad-v1", [a, b])
    assert summary["examples"] == 3
    assert summary["labels"] == {"answerable": 2, "unanswerable": 1}


def test_registry_entry_is_pinned_and_samples_read() -> None:
    spec = get_corpus("korquad-v1")
    assert spec.task == "qa"
    for remote in (*spec.train_files, *spec.val_files):
        assert "61d7d6682948375dd8f06ef27e788fd19982af38" in remote.url and remote.git_blob
    train = read_korquad(sample_files(spec, "train"))
    val = read_korquad(sample_files(spec, "val"))
    assert len(train) >= 300 and len(val) >= 60
    assert any(a.answer_start == 0 for e in train for a in e.answers)
    assert any(a.answer_end == len(e.context) for e in train for a in e.answers)
    assert any(len(e.answers) > 1 for e in val)
