"""Official KorQuAD 1.0 scoring: normalisation, EM, character F1, max over answers, missing answers, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbhelpers.__main__ import main as cli_main
from nbhelpers.qa.korquad_eval import (
    evaluate,
    exact_match_score,
    f1_score,
    main,
    normalize_answer,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("《서울》", "서울"),                      # book-title brackets become spaces
        ("'1948년'", "1948년"),
        ("‘광복’", "광복"),                         # curly single quotes are on the list
        ("“광복”", "“광복”"),                       # curly double quotes are not, nor ASCII punctuation
        ("(주)삼성", "주 삼성"),                    # a bracket becomes a space, not nothing
        ("〈춘향전〉과 <홍길동전>", "춘향전 과 홍길동전"),
        ("U.S.A.", "usa"),                          # ASCII punctuation is deleted
        ("Hello,   World!", "hello world"),         # lower-cased, spaces collapsed
        ("서울。", "서울。"),                        # non-ASCII punctuation stays
        ("<b>굵게</b>", "b 굵게 b"),
        ("  ", ""),
    ],
)
def test_normalisation_matches_the_official_script(text: str, normalised: str) -> None:
    assert normalize_answer(text) == normalised


def test_exact_match() -> None:
    assert exact_match_score("《서울》", "서울")
    assert exact_match_score("KBS", "kbs")
    assert not exact_match_score("(주)삼성", "주삼성")  # EM sees the space the bracket left
    assert not exact_match_score("“서울”", "서울")


@pytest.mark.parametrize(
    ("prediction", "truth", "expected"),
    [
        ("서울", "서울", 1.0),
        ("(주)삼성", "주삼성", 1.0),                 # F1 ignores spaces: same characters
        ("1 9 4 8년", "1948년", 1.0),
        ("“서울”", "서울", 2 * 0.5 * 1.0 / 1.5),     # 2 of 4 predicted characters are right
        ("가가나", "가나나", 2 / 3),                 # bag of characters: min counts
        ("서울특별시", "서울", 2 * (2 / 5) * 1.0 / (2 / 5 + 1.0)),
        ("", "서울", 0.0),
        ("부산", "서울", 0.0),
        ("!!!", "!!!", 0.0),                        # nothing left after normalisation scores 0
    ],
)
def test_character_f1(prediction: str, truth: str, expected: float) -> None:
    assert f1_score(prediction, truth) == pytest.approx(expected)


def dataset(*qas: tuple[str, list[str]]) -> dict:
    context = "서울특별시는 대한민국의 수도이다. 1948년 8월 15일에 정부가 수립되었다."
    items = [
        {"id": qid, "question": "?", "answers": [{"text": t, "answer_start": context.index(t)} for t in answers]}
        for qid, answers in qas
    ]
    return {"version": "KorQuAD_v1.0_dev", "data": [{"title": "t", "paragraphs": [{"context": context, "qas": items}]}]}


def test_evaluate_takes_the_max_over_answers_and_counts_missing_as_zero(capsys: pytest.CaptureFixture[str]) -> None:
    data = dataset(("q1", ["1948년", "1948년 8월 15일"]), ("q2", ["서울특별시"]), ("q3", ["대한민국"]))
    predictions = {"q1": "1948년 8월 15일", "q2": "서울"}
    scores = evaluate(data["data"], predictions)
    f1_q2 = 2 * 1.0 * (2 / 5) / (1.0 + 2 / 5)
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1.0 + f1_q2 + 0.0) / 3)
    assert "Unanswered question q3" in capsys.readouterr().err
    assert evaluate(data, predictions) == scores  # the whole file works too


def test_cli_prints_the_official_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_path = tmp_path / "dev.json"
    data_path.write_text(json.dumps(dataset(("q1", ["1948년"]), ("q2", ["서울특별시"])), ensure_ascii=False), encoding="utf-8")
    prediction_path = tmp_path / "predictions.json"
    prediction_path.write_text(json.dumps({"q1": "1948년", "q2": "서울"}, ensure_ascii=False), encoding="utf-8")
    assert main([str(data_path), str(prediction_path)]) == 0
    out = capsys.readouterr().out.strip()
    expected = {"exact_match": 50.0, "f1": 100 * (1.0 + 2 * (2 / 5) / (1 + 2 / 5)) / 2}
    assert json.loads(out) == pytest.approx(expected)
    assert out.startswith('{"exact_match": ')
    assert cli_main(["korquad-eval", str(data_path), str(prediction_path)]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out)


def test_cli_warns_about_another_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = dataset(("q1", ["1948년"]))
    data["version"] = "KorQuAD_v2.0_dev"
    data_path = tmp_path / "dev.json"
    data_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    prediction_path = tmp_path / "p.json"
    prediction_path.write_text('{"q1": "1948년"}', encoding="utf-8")
    assert main([str(data_path), str(prediction_path)]) == 0
    captured = capsys.readouterr()
    assert "Evaluation expects KorQuAD_v1.0, but got dataset with KorQuAD_v2.0" in captured.err
    assert json.loads(captured.out) == {"exact_match": 100.0, "f1": 100.0}
