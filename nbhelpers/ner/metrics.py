"""Entity-level NER scores: precision, recall and F1, micro and macro, per type, from entity spans.

The old book reported token accuracy only, which looks excellent because most tokens are ``O``. An
entity counts here only when its type and both boundaries are exactly right: a predicted entity is
correct when the gold entities of the same sentence hold one with the same start, end and type.

Scores are computed on characters, as KLUE does, straight from the span sets: the number does not
depend on the tokenizer, and an entity whose boundary falls inside a word piece is scored by what the
model really returns. With the spans read from tags as strict IOB2 (``nbhelpers.ner.spans``: an ``I-X``
that continues nothing is no entity, in predictions and gold files alike), the scores are exactly what
seqeval reports with ``mode="strict", scheme=IOB2`` on the same tags, as KLUE scores them; tests check
it on thousands of random, mostly invalid tag sequences. seqeval's default mode (conlleval's reading,
where a stray ``I-X`` starts an entity) gives other numbers on noisy predictions. seqeval itself is not
needed at run time: it is a source-only package that Colab would rebuild in every session. ``f1_micro`` counts every entity once, so frequent
types dominate; ``f1_macro`` is the unweighted mean over types, the number KLUE's leaderboard reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from nbhelpers.ner.spans import EntitySpan
from nbhelpers.text import pad


@dataclass
class EntityScores:
    """Entity-level scores over a set of sentences.

    Attributes:
        precision_micro: Correct predicted entities / predicted entities, over all types.
        recall_micro: Correct predicted entities / gold entities, over all types.
        f1_micro: Harmonic mean of the two (every entity counts once).
        f1_macro: Unweighted mean of the per-type F1 (KLUE's entity F1).
        per_type: ``{type: {"precision", "recall", "f1", "support"}}``, most gold entities first; support
            is the number of gold entities. A type that is only predicted appears with support 0.
    """

    precision_micro: float
    recall_micro: float
    f1_micro: float
    f1_macro: float
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)

    def report(self) -> str:
        """A fixed-width table, one row per type, then the micro and macro averages."""
        lines = [f"{'type':<8}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for kind, row in self.per_type.items():
            lines.append(f"{pad(kind, 8)}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{int(row['support']):>9}")
        support = int(sum(row["support"] for row in self.per_type.values()))
        lines.append(
            f"{'micro':<8}{self.precision_micro:>10.4f}{self.recall_micro:>10.4f}{self.f1_micro:>10.4f}{support:>9}"
        )
        lines.append(f"{'macro':<8}{'':>10}{'':>10}{self.f1_macro:>10.4f}{support:>9}")
        return "\n".join(lines)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0  # seqeval's zero_division=0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def entity_scores(
    texts: Sequence[str], gold: Sequence[Sequence[EntitySpan]], predicted: Sequence[Sequence[EntitySpan]]
) -> EntityScores:
    """Scores of predicted against gold entity spans, sentence by sentence (strict: start, end and type)."""
    if not len(texts) == len(gold) == len(predicted):
        raise ValueError(
            f"텍스트 {len(texts)}개, 정답 개체 목록 {len(gold)}개, 예측 개체 목록 {len(predicted)}개로 수가 다릅니다. "
            "고치는 법: 문장마다 하나씩 같은 수로 주세요."
        )
    gold_set: set[tuple[int, int, int, str]] = set()
    predicted_set: set[tuple[int, int, int, str]] = set()
    for sentence, (text, gold_spans, predicted_spans) in enumerate(zip(texts, gold, predicted)):
        for spans, into, side in ((gold_spans, gold_set, "정답"), (predicted_spans, predicted_set, "예측")):
            for span in spans:
                if not 0 <= span.start < span.end <= len(text):
                    raise ValueError(
                        f"{sentence}번 문장: {side} 개체 {span}이(가) {len(text)}글자 텍스트 범위를 벗어납니다. "
                        "고치는 법: 채점하는 바로 그 텍스트 위에서 개체 범위를 만드세요."
                    )
                into.add((sentence, span.start, span.end, span.label))
    correct = gold_set & predicted_set
    gold_counts = Counter(label for *_, label in gold_set)
    predicted_counts = Counter(label for *_, label in predicted_set)
    correct_counts = Counter(label for *_, label in correct)
    per_type: dict[str, dict[str, float]] = {}
    for kind in sorted(gold_counts.keys() | predicted_counts.keys()):
        precision = _ratio(correct_counts[kind], predicted_counts[kind])
        recall = _ratio(correct_counts[kind], gold_counts[kind])
        per_type[kind] = {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
                          "support": float(gold_counts[kind])}
    precision_micro = _ratio(len(correct), len(predicted_set))
    recall_micro = _ratio(len(correct), len(gold_set))
    return EntityScores(
        precision_micro=precision_micro,
        recall_micro=recall_micro,
        f1_micro=_f1(precision_micro, recall_micro),
        f1_macro=sum(row["f1"] for row in per_type.values()) / len(per_type) if per_type else 0.0,
        per_type=dict(sorted(per_type.items(), key=lambda item: -item[1]["support"])),
    )
