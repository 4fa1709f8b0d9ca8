"""KorQuAD 1.0 scoring, with the official script's semantics, so the notebook's numbers are leaderboard numbers.

The official ``evaluate-v1.0.py`` (derived from SQuAD's) differs from SQuAD in two ways that matter for
Korean: it first replaces quotes and brackets (``' " 《 》 < > 〈 〉 ( ) ‘ ’``) by spaces, and its F1 counts
**characters** of the normalised answer (spaces removed), not words. Everything here reproduces it:
normalisation order, EM, character F1, max over the gold answers, percentages over all questions, a
missing prediction scoring 0, and the CLI (``python -m nbhelpers korquad-eval DATASET PREDICTIONS``
prints ``{"exact_match": ..., "f1": ...}`` like ``python evaluate-v1.0.py DATASET PREDICTIONS``).

Unlike the official script, the CLI checks its input first, as a tool should: a missing, truncated or
non-UTF-8 file, a list where an object belongs, a non-string prediction, a question without answers,
the two arguments given the other way round, a question id used twice (the official script would score
both questions against one prediction), or predictions that match no question at all end in one line on
stderr naming the file and the item, and exit status 2, never a traceback or a silent 0/0. Gold answers
and predictions are compared in Unicode NFC (``nbhelpers.text``), as the reader and the predictors give
text: a dataset saved with decomposed Hangul scores the same as the original (the official script would
give its answers 0).
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import read_json
from nbhelpers.text import to_nfc

EXPECTED_VERSION = "KorQuAD_v1.0"

USAGE_ERROR = 2
"""Exit status for input the scorer cannot use (argparse uses 2 for bad arguments, too)."""

_REPLACED_BY_SPACE = re.compile("['\"《》<>〈〉()‘’]")
_ASCII_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """The official normalisation: quotes/brackets -> space, lower-case, drop ASCII punctuation, collapse spaces."""
    text = _REPLACED_BY_SPACE.sub(" ", text)
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _ASCII_PUNCTUATION)
    return " ".join(text.split())


def exact_match_score(prediction: str, ground_truth: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(ground_truth)


def f1_score(prediction: str, ground_truth: str) -> float:
    """Character-level F1 of the normalised strings, spaces not counted (the official KorQuAD F1)."""
    prediction_chars = list(normalize_answer(prediction).replace(" ", ""))
    truth_chars = list(normalize_answer(ground_truth).replace(" ", ""))
    common = Counter(prediction_chars) & Counter(truth_chars)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_chars)
    recall = num_same / len(truth_chars)
    return 2 * precision * recall / (precision + recall)


def metric_max_over_ground_truths(
    metric: Callable[[str, str], float], prediction: str, ground_truths: Sequence[str]
) -> float:
    return max(float(metric(prediction, truth)) for truth in ground_truths)


def score_questions(
    questions: Iterable[tuple[str, Sequence[str]]], predictions: Mapping[str, str], warn_missing: bool = True
) -> dict[str, float]:
    """EM and F1 in percent over ``(question id, gold answer texts)`` pairs; a missing prediction scores 0."""
    exact_match = f1 = 0.0
    total = 0
    for qid, ground_truths in questions:
        total += 1
        if qid not in predictions:
            if warn_missing:
                print(f"Unanswered question {qid} will receive score 0.", file=sys.stderr)
            continue
        if not ground_truths:
            raise ValueError(
                f"question id {qid}: 정답이 없어 채점할 수 없습니다. 고치는 법: 정답이 있는 질문만 "
                "채점하세요(KorQuAD 1.0은 모든 질문에 정답이 있습니다)."
            )
        prediction = predictions[qid]
        exact_match += metric_max_over_ground_truths(exact_match_score, prediction, ground_truths)
        f1 += metric_max_over_ground_truths(f1_score, prediction, ground_truths)
    if total == 0:
        raise ValueError("채점할 질문이 없습니다. 고치는 법: 질문이 하나 이상 있는 데이터셋으로 채점하세요.")
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}


def _dataset_questions(dataset: Sequence[Mapping[str, Any]]) -> Iterable[tuple[str, list[str]]]:
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                yield str(qa["id"]), [answer["text"] for answer in qa["answers"]]


def evaluate(dataset: Sequence[Mapping[str, Any]] | Mapping[str, Any], predictions: Mapping[str, str]) -> dict[str, float]:
    """The official ``evaluate(dataset, predictions)``: ``dataset`` is the file's ``"data"`` list (or the whole file)."""
    if isinstance(dataset, Mapping):
        dataset = dataset["data"]
    return score_questions(_dataset_questions(dataset), predictions)


def evaluate_examples(examples: Iterable[Any], predictions: Mapping[str, str]) -> dict[str, float]:
    """Same scores for examples from :func:`nbhelpers.qa.korquad.read_korquad` (used during validation)."""
    return score_questions(
        ((example.qid, [answer.text for answer in example.answers]) for example in examples),
        predictions,
        warn_missing=False,
    )


def write_predictions(predictions: Mapping[str, str], path: str | Path) -> Path:
    """Save ``{question id: answer text}`` in the format the official script and the leaderboard read."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(predictions), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


_DATASET_LAYOUT = '{"version": "KorQuAD_v1.0", "data": [{"paragraphs": [{"qas": [{"id", "answers": [{"text"}]}]}]}]}'


def _is_dataset(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("data"), list)


def _checked_questions(document: Any, path: str) -> list[tuple[str, list[str]]]:
    """``(question id, answer texts)`` of a dataset; every level is checked so a bad file is named, not a traceback."""

    def bad(location: str, problem: str) -> CorpusFormatError:
        return CorpusFormatError(path, location, problem, f"데이터셋은 {_DATASET_LAYOUT} 구조여야 합니다.")

    def items(value: Any, location: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise bad(location, f"{what}이(가) 리스트여야 하는데 {type(value).__name__}입니다")
        return value

    questions: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for a, article in enumerate(items(document.get("data"), "top level", '"data"'), start=1):
        if not isinstance(article, dict):
            raise bad(f"article {a}", f"글(article)이 객체여야 하는데 {type(article).__name__}입니다")
        for p, paragraph in enumerate(items(article.get("paragraphs"), f"article {a}", '"paragraphs"'), start=1):
            where = f"article {a} paragraph {p}"
            if not isinstance(paragraph, dict):
                raise bad(where, f"문단(paragraph)이 객체여야 하는데 {type(paragraph).__name__}입니다")
            for qa in items(paragraph.get("qas"), where, '"qas"'):
                if not isinstance(qa, dict) or not isinstance(qa.get("id"), (str, int)):
                    raise bad(where, f"id가 없는 질문이 있습니다: {quote(qa)}")
                qid = str(qa["id"])
                if qid in seen:
                    raise CorpusFormatError(
                        path, f"question id {qid}", f"같은 질문 id가 두 번 나옵니다({quote(qid, 40)}). 예측은 id로 "
                        "찾으므로 두 질문이 한 예측으로 채점됩니다",
                        "질문마다 다른 id를 준 데이터셋으로 채점하세요.",
                    )
                seen.add(qid)
                answers = items(qa.get("answers"), f"question id {qid}", '"answers"')
                texts = [answer.get("text") if isinstance(answer, dict) else None for answer in answers]
                if not texts:
                    raise CorpusFormatError(
                        path, f"question id {qid}", "질문에 정답이 없습니다",
                        "모든 질문에 정답이 있는 데이터셋으로 채점하세요(KorQuAD 1.0 dev가 그렇습니다).",
                    )
                if not all(isinstance(text, str) for text in texts):
                    raise bad(f"question id {qid}", f"text가 없는 정답이 있습니다: {quote(answers)}")
                questions.append((qid, [to_nfc(text) for text in texts]))
    if not questions:
        raise bad("top level", '"data"에 질문이 없습니다')
    return questions


def _checked_predictions(document: Any, path: str) -> dict[str, str]:
    fix = '예측을 JSON 객체 하나 {"질문 id": "정답 텍스트", ...}로 쓰세요.'
    if not isinstance(document, dict):
        raise CorpusFormatError(path, "top level", f"예측이 JSON 객체여야 하는데 "
                                f"JSON {type(document).__name__}입니다", fix)
    for qid, answer in document.items():
        if not isinstance(answer, str):
            raise CorpusFormatError(path, f"question id {qid}",
                                    f"예측이 문자열이어야 하는데 {type(answer).__name__} {quote(answer, 40)}입니다",
                                    fix + " 답마다 텍스트로 쓰세요(예: \"1950년\").")
    return {qid: to_nfc(answer) for qid, answer in document.items()}


def _load(path: str, role: str) -> Any:
    fix = f"{role} 파일을 JSON으로 주세요. 잘린 파일은 다시 쓰는 것이 가장 좋습니다."
    try:
        return read_json(Path(path), fix)
    except PermissionError:
        raise CorpusFormatError(path, "whole file", "이 파일을 읽을 권한이 없습니다",
                                f"chmod u+r '{path}' 로 읽기 권한을 주거나, 읽을 수 있는 곳에 복사해 그 경로를 쓰세요.") from None
    except OSError as error:
        raise CorpusFormatError(path, "whole file", f"{role} 파일을 읽을 수 없습니다({error.strerror})",
                                "경로를 확인하세요. 사용법: korquad-eval DATASET PREDICTIONS.") from None


def check_inputs(
    dataset_file: str, prediction_file: str
) -> tuple[Any, list[tuple[str, list[str]]], dict[str, str]]:
    """The dataset document, its questions and the predictions, or ``CorpusFormatError`` naming what is wrong."""
    dataset_json = _load(dataset_file, "데이터셋")
    predictions_json = _load(prediction_file, "예측")
    if not _is_dataset(dataset_json) and _is_dataset(predictions_json):
        raise CorpusFormatError(
            dataset_file, "arguments", f"이 파일은 예측 파일이고 {prediction_file}이(가) 데이터셋입니다",
            f"순서를 바꾸세요: korquad-eval {prediction_file} {dataset_file}(DATASET이 먼저, 그다음 PREDICTIONS).",
        )
    if _is_dataset(predictions_json):
        raise CorpusFormatError(prediction_file, "top level", '예측이 아니라 데이터셋("data")입니다',
                                "예측 파일 {질문 id: 정답 텍스트}을 두 번째로 주세요.")
    if not _is_dataset(dataset_json):
        raise CorpusFormatError(dataset_file, "top level", 'KorQuAD 데이터셋이 아닙니다("data" 리스트가 없습니다)',
                                f"데이터셋은 {_DATASET_LAYOUT} 구조여야 합니다.")
    questions = _checked_questions(dataset_json, dataset_file)
    predictions = _checked_predictions(predictions_json, prediction_file)
    if not predictions:
        raise CorpusFormatError(prediction_file, "top level", "파일에 예측이 없습니다({})",
                                "예측 단계가 쓴 예측 파일(predictions.json)로 채점하세요.")
    if not set(predictions) & {qid for qid, _ in questions}:
        raise CorpusFormatError(
            prediction_file, "question ids",
            f"예측 id {len(predictions):,}개(예: {quote(next(iter(predictions)), 40)}) 중 어느 것도 "
            f"{dataset_file}의 질문 id(예: {quote(questions[0][0], 40)})가 아닙니다",
            "예측을 만든 그 데이터셋으로 채점하세요.",
        )
    return dataset_json, questions, predictions


def main(argv: list[str] | None = None) -> int:
    """``korquad-eval DATASET PREDICTIONS``: print the official scores as JSON (0), or one error line (2)."""
    parser = argparse.ArgumentParser(
        prog="python -m nbhelpers korquad-eval", description=f"Evaluation for KorQuAD {EXPECTED_VERSION}"
    )
    parser.add_argument("dataset_file", help="Dataset file")
    parser.add_argument("prediction_file", help="Prediction File")
    args = parser.parse_args(argv)
    try:
        dataset_json, questions, predictions = check_inputs(args.dataset_file, args.prediction_file)
    except CorpusFormatError as error:
        print(f"error: {error.path}, {error.location}: {error.problem}. 고치는 법: {error.fix}", file=sys.stderr)
        return USAGE_ERROR
    read_version = "_".join(str(dataset_json.get("version", "")).split("_")[:-1])
    if read_version != EXPECTED_VERSION:
        print(f"Evaluation expects {EXPECTED_VERSION}, but got dataset with {read_version}", file=sys.stderr)
    print(json.dumps(score_questions(questions, predictions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
