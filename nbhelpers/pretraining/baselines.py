"""Baselines the pretraining metrics are read against: a unigram guesser for MLM, the majority class for NSP.

"MLM loss 6.2" is only a number until it is set beside a model that knows nothing of context. The
unigram baseline predicts every masked token from how often each token occurs in the training data:
its loss is the cross-entropy of those frequencies on the masked positions, its accuracy the share of
masked tokens that are the single most frequent token. A BERT that does not beat it has learnt word
frequencies at best. For NSP, always answering the more frequent training label is the floor; 50 %
is chance only when the two labels are balanced.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from nbhelpers.baselines import MajorityBaseline, majority_class

IGNORE_INDEX = -100
"""Label of positions that are not masked (``DataCollatorForLanguageModeling``'s convention)."""


@dataclass(frozen=True)
class UnigramBaseline:
    """Predicting each masked token from training-set token frequencies alone.

    Attributes:
        loss: Mean ``-ln p(token)`` over the masked positions (comparable with the model's MLM loss).
        accuracy: Share of masked positions whose token is the most frequent training token.
        most_frequent: That token's id.
        masked: How many masked positions were scored.
    """

    loss: float
    accuracy: float
    most_frequent: int
    masked: int

    @property
    def perplexity(self) -> float:
        return math.exp(self.loss)


def unigram_counts(sequences: Iterable[Sequence[int]], vocab_size: int, skip_ids: Collection[int] = ()) -> list[int]:
    """How often each token id occurs in ``sequences``, special tokens (``skip_ids``) left out."""
    counts = [0] * vocab_size
    skip = set(skip_ids)
    for sequence in sequences:
        for token in sequence:
            if token not in skip:
                counts[token] += 1
    return counts


def unigram_mlm_baseline(
    train_sequences: Iterable[Sequence[int]],
    masked_labels: Iterable[Sequence[int]],
    vocab_size: int,
    skip_ids: Collection[int] = (),
    alpha: float = 1.0,
) -> UnigramBaseline:
    """Score the unigram guesser on the masked positions of ``masked_labels`` (-100 elsewhere).

    Frequencies come from ``train_sequences`` (token ids of the training examples) with add-``alpha``
    smoothing over the whole vocabulary, so a token never seen in training costs a finite loss.
    """
    counts = unigram_counts(train_sequences, vocab_size, skip_ids)
    total = sum(counts) + alpha * vocab_size
    most_frequent = max(range(vocab_size), key=lambda token: (counts[token], -token))
    loss_sum = 0.0
    correct = masked = 0
    for labels in masked_labels:
        for token in labels:
            if token == IGNORE_INDEX:
                continue
            loss_sum -= math.log((counts[token] + alpha) / total)
            correct += token == most_frequent
            masked += 1
    if not masked:
        raise ValueError("채점할 마스킹 위치가 없습니다: 모든 레이블이 -100입니다. 고치는 법: 마스킹된 토큰이 있는 배치를 주세요.")
    return UnigramBaseline(loss_sum / masked, correct / masked, most_frequent, masked)


def nsp_majority_baseline(train_labels: Sequence[int], val_labels: Sequence[int]) -> MajorityBaseline:
    """Always answering the more frequent NSP label of the training examples; its validation accuracy."""
    return majority_class(train_labels, val_labels)
