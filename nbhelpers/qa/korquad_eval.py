"""KorQuAD 1.0 scoring, with the official script's semantics, so the notebook's numbers are leaderboard numbers.

The official ``evaluate-v1.0.py`` (derived from SQuAD's) differs from SQuAD in two ways that matter for
Korean: it first replaces quotes and brackets (``' " 《 》 < > 〈 〉 ( ) ‘ ’``) by spaces, and its F1 counts
**characters** of the normalised answer (spaces removed), not words. Everything here reproduces it:
normalisation order, EM, character F1, max over the gold answers, percentages over all questions, a
missing prediction scoring 0, and the CLI (``python -m nbhelpers korquad-eval DATASET PREDICTIONS``
prints ``{"exact_match": ..., "f1": ...}`` like ``python evaluate-v1.0.py DATASET PREDICTIONS``).
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

EXPECTED_VERSION = "KorQuAD_v1.0"

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


def main(argv: list[str] | None = None) -> int:
    """``korquad-eval DATASET PREDICTIONS``: print the official scores as JSON (exit status 0)."""
    parser = argparse.ArgumentParser(
        prog="python -m nbhelpers korquad-eval", description=f"Evaluation for KorQuAD {EXPECTED_VERSION}"
    )
    parser.add_argument("dataset_file", help="Dataset file")
    parser.add_argument("prediction_file", help="Prediction File")
    args = parser.parse_args(argv)
    with open(args.dataset_file, encoding="utf-8-sig") as dataset_file:
        dataset_json = json.load(dataset_file)
    read_version = "_".join(str(dataset_json.get("version", "")).split("_")[:-1])
    if read_version != EXPECTED_VERSION:
        print(f"Evaluation expects {EXPECTED_VERSION}, but got dataset with {read_version}", file=sys.stderr)
    with open(args.prediction_file, encoding="utf-8-sig") as prediction_file:
        predictions = json.load(prediction_file)
    print(json.dumps(evaluate(dataset_json["data"], predictions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
