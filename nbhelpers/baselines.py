"""The floor a score is read against in every chapter that predicts labels, and the sentence that reads it.

Classification accuracy (chapters 2 and 3) and next sentence prediction (chapter 1) are both read
beside the majority class: 0.55 is good for ten balanced classes and bad when one class holds 55 % of
the data. :func:`versus` writes what a score shows next to a baseline, computed from the two numbers
(higher, equal or lower, by how much), so the prose under a metric never claims a win the numbers do
not show: on the smoke samples a tiny model ties with bag-of-words, and on a learner's own data it may lose.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MajorityBaseline:
    """Always answering the most frequent training label.

    Attributes:
        label: The label id it always predicts (the smallest id when counts tie).
        accuracy: Its accuracy on the evaluation labels.
    """

    label: int
    accuracy: float


def majority_class(train_labels: Sequence[int], eval_labels: Sequence[int]) -> MajorityBaseline:
    """The most frequent label of ``train_labels`` and the accuracy of always predicting it on ``eval_labels``.

    The label is chosen on the training data, as a model would be: choosing it on the evaluation
    data would peek at the answers.
    """
    if not train_labels:
        raise ValueError("majority_class에는 학습 레이블이 하나 이상 필요합니다. 고치는 법: 비어 있지 않은 학습 레이블을 주세요.")
    counts = Counter(train_labels)
    label = min(counts, key=lambda item: (-counts[item], item))
    accuracy = sum(1 for gold in eval_labels if gold == label) / len(eval_labels) if eval_labels else 0.0
    return MajorityBaseline(label, accuracy)


def versus(
    score: float,
    baseline: float,
    baseline_name: str,
    *,
    metric: str = "정확도",
    digits: int = 4,
    higher_is_better: bool = True,
    total: int = 0,
) -> str:
    """One Korean sentence: the model's ``score`` against ``baseline``, higher, equal or lower and by how much.

    Two scores that print the same with ``digits`` decimals are equal (a tie is said to be one). With
    ``total`` (the examples behind an accuracy) the difference is also given in examples. A worse score
    is called worse than the baseline, by name (``"무작위 답(0.5)"``: worse than chance).
    """
    shown = f"{metric}: 모델 {score:.{digits}f}, {baseline_name} {baseline:.{digits}f}"
    difference = round(score, digits) - round(baseline, digits)
    if abs(difference) < 0.5 * 10 ** -digits:
        return f"{shown} → 같습니다. 모델이 {baseline_name}보다 낫다고 할 수 없습니다."
    better = (difference > 0) == higher_is_better
    direction = "높습니다" if difference > 0 else "낮습니다"
    count = f"({total:,}개 중 {round(abs(difference) * total):,}개 {'더' if difference > 0 else '덜'} 맞힘)" if total else ""
    verdict = f"{baseline_name}보다 낫습니다" if better else f"{baseline_name}보다 못합니다"
    return f"{shown} → 모델이 {abs(difference):.{digits}f} {direction}{count}: {verdict}."
