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
                f"question id {qid} has no gold answer, so it cannot be scored. How to fix: score only "
                "questions that have answers (KorQuAD 1.0 gives every question one)."
            )
        prediction = predictions[qid]
        exact_match += metric_max_over_ground_truths(exact_match_score, prediction, ground_truths)
        f1 += metric_max_over_ground_truths(f1_score, prediction, ground_truths)
    if total == 0:
        raise ValueError("no questions to score")
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
        return CorpusFormatError(path, location, problem, f"the dataset must have the layout {_DATASET_LAYOUT}.")

    def items(value: Any, location: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise bad(location, f"{what} is {type(value).__name__}, expected a list")
        return value

    questions: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for a, article in enumerate(items(document.get("data"), "top level", '"data"'), start=1):
        if not isinstance(article, dict):
            raise bad(f"article {a}", f"the article is {type(article).__name__}, expected an object")
        for p, paragraph in enumerate(items(article.get("paragraphs"), f"article {a}", '"paragraphs"'), start=1):
            where = f"article {a} paragraph {p}"
            if not isinstance(paragraph, dict):
                raise bad(where, f"the paragraph is {type(paragraph).__name__}, expected an object")
            for qa in items(paragraph.get("qas"), where, '"qas"'):
                if not isinstance(qa, dict) or not isinstance(qa.get("id"), (str, int)):
                    raise bad(where, f"a question has no id: {quote(qa)}")
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
                        path, f"question id {qid}", "the question has no gold answer",
                        "score a dataset whose questions all have answers (KorQuAD 1.0 dev does).",
                    )
                if not all(isinstance(text, str) for text in texts):
                    raise bad(f"question id {qid}", f"an answer has no text: {quote(answers)}")
                questions.append((qid, [to_nfc(text) for text in texts]))
    if not questions:
        raise bad("top level", '"data" holds no question')
    return questions


def _checked_predictions(document: Any, path: str) -> dict[str, str]:
    fix = 'write the predictions as one JSON object {"question id": "answer text", ...}.'
    if not isinstance(document, dict):
        raise CorpusFormatError(path, "top level", f"the predictions are a JSON {type(document).__name__}, "
                                "expected an object", fix)
    for qid, answer in document.items():
        if not isinstance(answer, str):
            raise CorpusFormatError(path, f"question id {qid}",
                                    f"the prediction is {type(answer).__name__} {quote(answer, 40)}, expected a string",
                                    fix + " Write each answer as text, e.g. \"1950년\".")
    return {qid: to_nfc(answer) for qid, answer in document.items()}


def _load(path: str, role: str) -> Any:
    fix = f"pass the {role} file as JSON; a truncated file is best written again."
    try:
        return read_json(Path(path), fix)
    except PermissionError:
        raise CorpusFormatError(path, "whole file", "이 파일을 읽을 권한이 없습니다",
                                f"chmod u+r '{path}' 로 읽기 권한을 주거나, 읽을 수 있는 곳에 복사해 그 경로를 쓰세요.") from None
    except OSError as error:
        raise CorpusFormatError(path, "whole file", f"cannot read the {role} file ({error.strerror})",
                                "check the path; usage: korquad-eval DATASET PREDICTIONS.") from None


def check_inputs(
    dataset_file: str, prediction_file: str
) -> tuple[Any, list[tuple[str, list[str]]], dict[str, str]]:
    """The dataset document, its questions and the predictions, or ``CorpusFormatError`` naming what is wrong."""
    dataset_json = _load(dataset_file, "dataset")
    predictions_json = _load(prediction_file, "predictions")
    if not _is_dataset(dataset_json) and _is_dataset(predictions_json):
        raise CorpusFormatError(
            dataset_file, "arguments", f"this is a predictions file and {prediction_file} is the dataset",
            f"swap them: korquad-eval {prediction_file} {dataset_file} (DATASET first, then PREDICTIONS).",
        )
    if _is_dataset(predictions_json):
        raise CorpusFormatError(prediction_file, "top level", 'this is a dataset ("data"), not predictions',
                                "pass the predictions file {question id: answer text} second.")
    if not _is_dataset(dataset_json):
        raise CorpusFormatError(dataset_file, "top level", 'not a KorQuAD dataset (no "data" list)',
                                f"the dataset must have the layout {_DATASET_LAYOUT}.")
    questions = _checked_questions(dataset_json, dataset_file)
    predictions = _checked_predictions(predictions_json, prediction_file)
    if not predictions:
        raise CorpusFormatError(prediction_file, "top level", "the file holds no predictions ({})",
                                "score the predictions file that prediction wrote (predictions.json).")
    if not set(predictions) & {qid for qid, _ in questions}:
        raise CorpusFormatError(
            prediction_file, "question ids",
            f"none of its {len(predictions):,} prediction ids (e.g. {quote(next(iter(predictions)), 40)}) is a "
            f"question id of {dataset_file} (e.g. {quote(questions[0][0], 40)})",
            "score the predictions against the dataset they were made for.",
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
        print(f"error: {error.path}, {error.location}: {error.problem}. How to fix: {error.fix}", file=sys.stderr)
        return USAGE_ERROR
    read_version = "_".join(str(dataset_json.get("version", "")).split("_")[:-1])
    if read_version != EXPECTED_VERSION:
        print(f"Evaluation expects {EXPECTED_VERSION}, but got dataset with {read_version}", file=sys.stderr)
    print(json.dumps(score_questions(questions, predictions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
