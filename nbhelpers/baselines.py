"""The floor a score is read against in every chapter that predicts labels: always the most frequent one.

Classification accuracy (chapters 2 and 3) and next sentence prediction (chapter 1) are both read
beside it: 0.55 is good for ten balanced classes and bad when one class holds 55 % of the data.
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
        raise ValueError("majority_class needs at least one training label.")
    counts = Counter(train_labels)
    label = min(counts, key=lambda item: (-counts[item], item))
    accuracy = sum(1 for gold in eval_labels if gold == label) / len(eval_labels) if eval_labels else 0.0
    return MajorityBaseline(label, accuracy)
