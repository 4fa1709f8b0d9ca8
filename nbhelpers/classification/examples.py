"""One labelled text (or text pair): what the NSMC, KLUE-NLI and KorNLI readers return."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassificationExample:
    """One document (or sentence pair) with its label id.

    Attributes:
        guid: Where it came from: the upstream id, or ``file:line``.
        text_a: The document, or the premise of a pair.
        text_b: The hypothesis of a pair; ``None`` for single-sentence tasks.
        label: Label id (see the corpus's ``label_names``).
    """

    guid: str
    text_a: str
    text_b: str | None
    label: int


def count_label_names(label_names: Sequence[str]) -> Callable[[list[ClassificationExample]], dict[str, int]]:
    """A ``count_labels`` for classification corpora: examples per label name, in label order."""

    def count(examples: list[ClassificationExample]) -> dict[str, int]:
        counts = Counter(example.label for example in examples)
        return {name: counts.get(index, 0) for index, name in enumerate(label_names)}

    return count
