"""From the model's start/end logits over all windows of a question back to one answer in the original context.

The model scores every token of every window as a possible answer start and end. For each window,
:func:`decode_answers` considers the ``n_best_size`` best start and end tokens inside the context,
keeps pairs with ``end >= start`` and at most ``max_answer_length`` tokens, pools the candidates of all
windows of the question, and cuts the best one out of the original context through the windows'
character offsets (``nbhelpers.qa.windows``), so spacing and punctuation come back exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nbhelpers.qa.korquad import QAExample
from nbhelpers.qa.windows import NO_OFFSET, QAFeatures


@dataclass(frozen=True)
class QAPrediction:
    """The answer decoded for one question.

    Printed as ``'1949년' (글자 5–10, 점수 7.75, 확률 0.53)``: a learner printing an answer reads the text,
    where it is and how sure the model was, not a dataclass repr with 17 digits per number.

    Attributes:
        text: The answer, cut out of the original context (empty if no valid span was found).
        start_char: Offset of the answer's first character in the context.
        end_char: Offset just after its last character (``context[start_char:end_char] == text``).
        score: Start logit plus end logit of the chosen span.
        probability: Softmax of ``score`` over the question's n-best candidate spans.
    """

    text: str
    start_char: int
    end_char: int
    score: float
    probability: float

    def __repr__(self) -> str:
        return (f"{self.text!r} (글자 {self.start_char}–{self.end_char}, 점수 {self.score:.2f}, "
                f"확률 {self.probability:.2f})")


def decode_answers(
    examples: Sequence[QAExample],
    features: QAFeatures,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    n_best_size: int = 20,
    max_answer_length: int = 30,
    feature_indices: Sequence[int] | np.ndarray | None = None,
) -> dict[str, QAPrediction]:
    """The best answer of every question that has at least one window among the logits.

    ``start_logits``/``end_logits`` are ``(windows, width)`` arrays (width up to ``max_seq_length``;
    padding beyond a window's length is ignored), row ``i`` belonging to feature ``feature_indices[i]``
    (default: row ``i`` is feature ``i``).
    """
    start_logits = np.asarray(start_logits, dtype=np.float32)
    end_logits = np.asarray(end_logits, dtype=np.float32)
    rows = np.arange(len(start_logits)) if feature_indices is None else np.asarray(feature_indices)
    candidates: dict[int, list[tuple[float, int, int]]] = defaultdict(list)
    for row, feature in enumerate(rows):
        feature = int(feature)
        width = min(start_logits.shape[1], features.offsets.shape[1])
        offsets = features.offsets[feature, :width]
        in_context = offsets[:, 0] != NO_OFFSET
        if not in_context.any():
            continue
        starts = np.where(in_context, start_logits[row, :width], -np.inf)
        ends = np.where(in_context, end_logits[row, :width], -np.inf)
        k = min(n_best_size, int(in_context.sum()))
        best_starts = np.argpartition(-starts, k - 1)[:k]
        best_ends = np.argpartition(-ends, k - 1)[:k]
        span_length = best_ends[None, :] - best_starts[:, None] + 1
        valid = (span_length >= 1) & (span_length <= max_answer_length)
        kept = min(n_best_size, int(valid.sum()))
        if kept == 0:
            continue
        # Only this window's n best pairs can be among the question's n best: keep those, not all k*k.
        scores = np.where(valid, starts[best_starts][:, None] + ends[best_ends][None, :], -np.inf).ravel()
        for flat in np.argpartition(-scores, kept - 1)[:kept]:
            s, e = int(best_starts[flat // k]), int(best_ends[flat % k])
            candidates[int(features.example_index[feature])].append(
                (float(scores[flat]), int(offsets[s, 0]), int(offsets[e, 1]))
            )
    predictions: dict[str, QAPrediction] = {}
    for index in sorted(set(int(features.example_index[int(f)]) for f in rows)):
        example = examples[index]
        found = sorted(candidates.get(index, []), key=lambda c: c[0], reverse=True)[:n_best_size]
        if not found:
            predictions[example.qid] = QAPrediction("", 0, 0, float("-inf"), 0.0)
            continue
        score, start_char, end_char = found[0]
        # Windows overlap, so the same character span can appear more than once; count it once.
        unique = {(s, e): c for c, s, e in reversed(found)}
        top = max(unique.values())
        probability = math.exp(score - top) / sum(math.exp(c - top) for c in unique.values())
        predictions[example.qid] = QAPrediction(
            example.context[start_char:end_char], start_char, end_char, score, probability
        )
    return predictions
