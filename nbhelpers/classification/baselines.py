"""Baselines a classifier's accuracy is read against: a bag-of-words naive Bayes (the majority class, the floor,
is ``nbhelpers.baselines``).

An accuracy means little alone: 0.55 is good for ten balanced classes and bad when one class holds 55 %
of the data. The majority class is the floor any model must clear. A bag-of-words model sees which
tokens occur but not their order or context; how far BERT gets above it is what the contextual model adds.

Trained on NLI *hypotheses alone* (the premise hidden), the same bag of words is the classic test for
annotation artifacts (Gururangan et al. 2018, Poliak et al. 2018): people asked to write a contradiction
reach for negations ("않았다", "없다"), people asked for an entailment generalise. A model that beats
chance without ever reading the premise has learnt those cues, not inference, and so may a fine-tuned BERT.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence


class NaiveBayesClassifier:
    """Multinomial naive Bayes over bags of tokens with add-``alpha`` smoothing.

    Deterministic and fast (counting only), so it runs on the full NSMC or KLUE-NLI in seconds.
    ``tokenize`` splits a text into the features: ``str.split`` gives words, ``tokenizer.tokenize``
    the model's own WordPiece pieces.
    """

    def __init__(self, tokenize: Callable[[str], list[str]] = str.split, alpha: float = 1.0) -> None:
        if alpha <= 0:
            raise ValueError(f"alpha={alpha}: 스무딩 값은 양수여야 합니다. 아니면 못 본 토큰의 확률이 0이 됩니다. 고치는 법: alpha를 0보다 크게 주세요.")
        self.tokenize = tokenize
        self.alpha = alpha
        self.labels: list[int] = []
        self.log_priors: dict[int, float] = {}
        self.token_counts: dict[int, Counter[str]] = {}
        self.totals: dict[int, int] = {}
        self.vocabulary: set[str] = set()

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> NaiveBayesClassifier:
        if len(texts) != len(labels) or not texts:
            raise ValueError(f"fit에는 텍스트 수만큼 레이블이 필요한데 텍스트 {len(texts)}개, 레이블 {len(labels)}개입니다. 고치는 법: 두 목록의 길이를 맞추세요.")
        documents = Counter(labels)
        self.labels = sorted(documents)
        self.log_priors = {label: math.log(documents[label] / len(labels)) for label in self.labels}
        self.token_counts = {label: Counter() for label in self.labels}
        for text, label in zip(texts, labels):
            self.token_counts[label].update(self.tokenize(text))
        self.vocabulary = set().union(*self.token_counts.values())
        self.totals = {label: sum(counts.values()) for label, counts in self.token_counts.items()}
        return self

    def token_log_probability(self, token: str, label: int) -> float:
        """``log P(token | label)`` with add-``alpha`` smoothing over the training vocabulary."""
        denominator = self.totals[label] + self.alpha * (len(self.vocabulary) + 1)
        return math.log((self.token_counts[label][token] + self.alpha) / denominator)

    def scores(self, text: str) -> dict[int, float]:
        """Unnormalised log-posterior per label; tokens never seen in training are ignored."""
        tokens = [token for token in self.tokenize(text) if token in self.vocabulary]
        return {
            label: self.log_priors[label] + sum(self.token_log_probability(token, label) for token in tokens)
            for label in self.labels
        }

    def predict(self, texts: Sequence[str]) -> list[int]:
        if not self.labels:
            raise RuntimeError("fit 전에 predict를 불렀습니다. 고치는 법: 먼저 fit(texts, labels)를 실행하세요.")
        predictions = []
        for text in texts:
            scores = self.scores(text)
            predictions.append(max(self.labels, key=lambda label: (scores[label], -label)))
        return predictions

    def accuracy(self, texts: Sequence[str], labels: Sequence[int]) -> float:
        predictions = self.predict(texts)
        return sum(p == g for p, g in zip(predictions, labels)) / len(labels) if labels else 0.0

    def telling_tokens(self, label: int, count: int = 8, min_count: int = 3) -> list[tuple[str, float]]:
        """Tokens that most favour ``label`` over the other labels: ``(token, log-odds)``, largest first.

        The log-odds is ``log P(token | label) - log P(token | any other label)``; tokens seen fewer than
        ``min_count`` times are left out, since a token seen once says nothing general.
        """
        others = [other for other in self.labels if other != label]
        rows = []
        for token in self.vocabulary:
            if self.token_counts[label][token] < min_count:
                continue
            other_total = sum(self.totals[other] for other in others)
            other_count = sum(self.token_counts[other][token] for other in others)
            other = math.log((other_count + self.alpha) / (other_total + self.alpha * (len(self.vocabulary) + 1)))
            rows.append((token, self.token_log_probability(token, label) - other))
        return sorted(rows, key=lambda row: (-row[1], row[0]))[:count]
