"""The two numbers a NER model's entity F1 is read between: a memorising floor and the tokenizer's ceiling.

*Floor.* Tag, in new text, every string that was an entity in the training data, with its most frequent
type there (the CoNLL-2003 shared task's baseline, Tjong Kim Sang and De Meulder 2003, kept only the
unambiguous ones). A model that only memorises names scores about that; what the model adds above it is
recognising entities it has never seen, from their context. Korean writes particles onto the word
(``부산에서``), so a mention is looked for at the start of a word and may be followed by anything:
``부산`` is found in ``부산에서``. It must not start inside a word, or ``14`` would be found in ``2014년``.

*Ceiling.* The model labels word pieces, and the entity spans are read back from those labels. When an
entity boundary falls inside a piece (``<7년:DUR>동안`` tokenized as ``7``, ``##년동안``), no labelling of
the pieces gives the gold span back, so even a model that predicts every gold piece label loses that
entity. Scoring the dataset's own labels decoded back to spans gives the highest entity F1 any model can
reach with this tokenizer: ``round_trip(dataset, id2label).scores`` (:func:`nbhelpers.ner.features.round_trip`,
which the notebook runs anyway to show the sentences that do not come back).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from nbhelpers.ner.examples import NERExample
from nbhelpers.ner.metrics import EntityScores, entity_scores
from nbhelpers.ner.spans import EntitySpan


class MemorizedEntities:
    """Tags every training mention found again in a sentence, with the type it had most often in training.

    Longer mentions win over shorter ones that overlap them (``서울시청`` before ``서울``), and of two equally
    long overlapping ones the earlier wins, so the spans never overlap.

    Attributes:
        types: Mention text -> its most frequent type in the training data (ties: the type first seen).
        min_length: Mentions shorter than this many characters are not memorised (a one-character
            mention such as ``이`` would match the start of countless words).
    """

    def __init__(self, min_length: int = 2) -> None:
        if min_length < 1:
            raise ValueError(f"min_length={min_length}: 개체는 한 글자 이상입니다. 고치는 법: min_length를 1 이상으로 주세요.")
        self.min_length = min_length
        self.types: dict[str, str] = {}
        self._by_prefix: dict[str, list[str]] = {}

    def fit(self, examples: Sequence[NERExample]) -> MemorizedEntities:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for example in examples:
            for span in example.entities:
                if len(span.text) >= self.min_length and not span.text.isspace():
                    counts[span.text][span.label] += 1
        # Counter.most_common keeps first-seen order among equal counts, so ties are deterministic.
        self.types = {text: labels.most_common(1)[0][0] for text, labels in counts.items()}
        # Looked up by their first characters, so a sentence is scanned once instead of once per mention.
        self._by_prefix = defaultdict(list)
        for mention in self.types:
            self._by_prefix[mention[: self.min_length]].append(mention)
        return self

    def predict(self, text: str) -> list[EntitySpan]:
        """The memorised mentions in ``text``, each starting a word, as spans over ``text``."""
        matches: list[tuple[int, str]] = []
        for start in range(len(text)):
            if start and text[start - 1].isalnum():
                continue  # inside a word
            for mention in self._by_prefix.get(text[start : start + self.min_length], ()):
                if text.startswith(mention, start):
                    matches.append((start, mention))
        found: list[EntitySpan] = []
        taken = [False] * len(text)
        for start, mention in sorted(matches, key=lambda match: (-len(match[1]), match[0])):
            end = start + len(mention)
            if not any(taken[start:end]):
                found.append(EntitySpan(start, end, self.types[mention], mention))
                taken[start:end] = [True] * len(mention)
        return sorted(found, key=lambda span: span.start)

    def scores(self, examples: Sequence[NERExample]) -> EntityScores:
        """Entity scores of the memorised mentions against the gold entities of ``examples``."""
        return entity_scores(
            [example.text for example in examples],
            [example.entities for example in examples],
            [self.predict(example.text) for example in examples],
        )

