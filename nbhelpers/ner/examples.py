"""One sentence with its entities as character spans: what every NER reader returns, whatever the format.

Spans over the sentence's own characters are what the learner reads, what ``predict`` returns and what
survives any tokenizer; word-piece labels are derived from them later (``nbhelpers.ner.features``).
The readers (``nbhelpers.ner.kmou``, ``nbhelpers.ner.klue``) all return :class:`NERExample`, so the
rest of the chapter never needs to know which corpus a sentence came from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nbhelpers.ner.spans import EntitySpan


@dataclass(frozen=True)
class NERExample:
    """A sentence with its entity mentions.

    Attributes:
        guid: Where it came from: ``file:block n``, ``file:line n`` or the KLUE guid.
        text: The raw sentence.
        entities: Mentions in order of ``start``; they never overlap.
    """

    guid: str
    text: str
    entities: tuple[EntitySpan, ...]


def count_entities(examples: Sequence[NERExample]) -> dict[str, int]:
    """Entity mentions per type, most frequent first (what ``inspect`` reports as ``labels``)."""
    counts = Counter(span.label for example in examples for span in example.entities)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def entity_types(examples: Iterable[NERExample], known: Sequence[str] = ()) -> list[str]:
    """Entity types to train on: ``known`` ones that occur, in that order, then any others, sorted."""
    found = {span.label for example in examples for span in example.entities}
    return [tag for tag in known if tag in found] + sorted(found - set(known))


def source_file(example: NERExample) -> str:
    """The file a sentence came from (``00002_NER.txt`` of ``00002_NER.txt:block 3``); ``""`` for KLUE's ids."""
    return example.guid.rsplit(":", 1)[0] if ":" in example.guid else ""


def holdout_key(examples: Sequence[NERExample], min_files: int = 10) -> tuple[Callable[[NERExample], str], str]:
    """What a held-out validation split keeps together (``nbhelpers.holdout``), and its name in Korean.

    KMOU's files are articles, one each: sentences of one article share names and topics, so whole files
    are held out when the sentences come from at least ``min_files`` of them. Otherwise (the embedded
    sample and a learner's single file, or KLUE-NER, whose guids name no file) the sentence itself is the
    group, which keeps sentences written twice on one side.
    """
    files = {source_file(example) for example in examples}
    if "" not in files and len(files) >= min_files:
        return source_file, "원본 파일(기사)"
    return (lambda example: example.text), "문장"
