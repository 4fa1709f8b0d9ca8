"""Entity-level NER scores: seqeval precision, recall and F1 (strict IOB2), micro and macro, per type.

The old book reported token accuracy only, which looks excellent because most tokens are ``O``. An
entity counts here only when its type and both boundaries are exactly right.

Scores are computed on characters, as KLUE does: gold and predicted spans are both written as one
IOB2 tag per character and handed to seqeval. The number then does not depend on the tokenizer, and
an entity whose boundary falls inside a word piece is scored by what the model really returns.
``f1`` is the micro average (every entity counts once, frequent types dominate); ``f1_macro`` is the
unweighted mean over types, the number KLUE's leaderboard reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from nbhelpers.ner.spans import EntitySpan


@dataclass
class EntityScores:
    """Entity-level scores over a set of sentences.

    Attributes:
        precision: Micro precision: correct predicted entities / predicted entities.
        recall: Micro recall: correct predicted entities / gold entities.
        f1: Micro F1.
        f1_macro: Unweighted mean of the per-type F1 (KLUE's entity F1).
        per_type: ``{type: {"precision", "recall", "f1", "support"}}``; support is the number of gold entities.
    """

    precision: float
    recall: float
    f1: float
    f1_macro: float
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)

    def report(self) -> str:
        """A fixed-width table, one row per type, then the micro and macro averages."""
        lines = [f"{'type':<8}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for kind, row in self.per_type.items():
            lines.append(f"{kind:<8}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{int(row['support']):>9}")
        support = int(sum(row["support"] for row in self.per_type.values()))
        lines.append(f"{'micro':<8}{self.precision:>10.4f}{self.recall:>10.4f}{self.f1:>10.4f}{support:>9}")
        lines.append(f"{'macro':<8}{'':>10}{'':>10}{self.f1_macro:>10.4f}{support:>9}")
        return "\n".join(lines)


def char_tags(length: int, spans: Sequence[EntitySpan]) -> list[str]:
    """One IOB2 tag per character of a sentence of ``length`` characters."""
    tags = ["O"] * length
    for span in spans:
        tags[span.start] = f"B-{span.label}"
        for index in range(span.start + 1, min(span.end, length)):
            tags[index] = f"I-{span.label}"
    return tags


def tag_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> EntityScores:
    """seqeval scores (strict IOB2) of tag sequences; the building block of ``entity_scores``."""
    report = classification_report(
        [list(tags) for tags in gold], [list(tags) for tags in predicted],
        mode="strict", scheme=IOB2, output_dict=True, zero_division=0,
    )
    per_type = {
        kind: {key: float(row[key if key != "f1" else "f1-score"]) for key in ("precision", "recall", "f1", "support")}
        for kind, row in report.items()
        if not kind.endswith(" avg")
    }
    micro = report.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    macro = report.get("macro avg", {"f1-score": 0.0})
    return EntityScores(
        precision=float(micro["precision"]),
        recall=float(micro["recall"]),
        f1=float(micro["f1-score"]),
        f1_macro=float(macro["f1-score"]),
        per_type=dict(sorted(per_type.items(), key=lambda item: -item[1]["support"])),
    )


def entity_scores(
    texts: Sequence[str], gold: Sequence[Sequence[EntitySpan]], predicted: Sequence[Sequence[EntitySpan]]
) -> EntityScores:
    """Scores of predicted against gold entity spans, sentence by sentence, on characters."""
    if not len(texts) == len(gold) == len(predicted):
        raise ValueError(f"{len(texts)} texts, {len(gold)} gold and {len(predicted)} predicted span lists")
    return tag_scores(
        [char_tags(len(text), spans) for text, spans in zip(texts, gold)],
        [char_tags(len(text), spans) for text, spans in zip(texts, predicted)],
    )
