"""Entities as character spans, and the one place that converts them to and from markup and BIO tags.

Spans are what a reader returns, what the metric compares and what ``predict`` gives back; BIO tags
exist only on the way to and from the model (one tag per word piece) and in KLUE's files (one tag per
character). Both are the same conversion over different offsets: a character is a piece covering
``(i, i + 1)`` (:func:`character_offsets`), so readers, features and tests share :func:`token_tags` and
:func:`spans_from_token_tags` instead of keeping a per-character copy of each.

Tags are read as strict IOB2, as seqeval's ``mode="strict"`` and KLUE's scorer read them: an entity starts
only at ``B-X`` and continues over the ``I-X`` that follow it. An ``I-X`` that continues nothing (after
``O``, or after an entity of another type) is no entity. conlleval, seqeval's default mode and transformers'
``aggregation_strategy="simple"`` read it as the start of one instead; on noisy predictions that changes
the score (see ``nbhelpers.ner.metrics``), so the package reads model outputs and gold files the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# ``<text:TAG>``; the text is matched lazily so a colon inside it (``<12:30:TIM>``) stays in the text,
# and it may hold one level of angle brackets (``<<꽃>:POH>`` for the title ``<꽃>``).
_ENTITY_RE = re.compile(r"<((?:[^<>]|<[^<>]*>)+?):([A-Z]+)>")


@dataclass(frozen=True)
class EntitySpan:
    """One entity mention as characters of its sentence.

    Attributes:
        start: Index of the first character.
        end: Index one past the last character (``text == sentence[start:end]``).
        label: Entity type, e.g. ``"PER"``.
        text: The mention itself.
    """

    start: int
    end: int
    label: str
    text: str


def parse_tagged(tagged: str) -> tuple[str, list[EntitySpan]]:
    """Split ``―<효진:PER> 역의 ...`` into the plain sentence and its entity spans over that sentence."""
    plain: list[str] = []
    spans: list[EntitySpan] = []
    length = 0
    cursor = 0
    for match in _ENTITY_RE.finditer(tagged):
        before = tagged[cursor : match.start()]
        plain.append(before)
        length += len(before)
        text, label = match.group(1), match.group(2)
        spans.append(EntitySpan(length, length + len(text), label, text))
        plain.append(text)
        length += len(text)
        cursor = match.end()
    plain.append(tagged[cursor:])
    return "".join(plain), spans


def mark_entities(
    text: str,
    entities: Iterable[EntitySpan],
    mark: Callable[[str, str], str],
    plain: Callable[[str], str] = str,
) -> str:
    """``text`` with each mention replaced by ``mark(mention, label)`` and the text between by ``plain(text)``.

    The one walk over a sentence's entities behind every way of showing them (``<mention:TAG>``, HTML).
    """
    parts: list[str] = []
    cursor = 0
    for span in sorted(entities, key=lambda s: s.start):
        parts.append(plain(text[cursor : span.start]))
        parts.append(mark(text[span.start : span.end], span.label))
        cursor = span.end
    parts.append(plain(text[cursor:]))
    return "".join(parts)


def to_tagged(text: str, entities: Iterable[EntitySpan]) -> str:
    """The inverse of ``parse_tagged``: ``text`` with each mention written as ``<mention:TAG>``."""
    return mark_entities(text, entities, lambda mention, label: f"<{mention}:{label}>")


Offsets = tuple[int, int] | None
"""Characters ``[start, end)`` of one word piece; ``None`` for special tokens."""


def character_offsets(length: int) -> list[Offsets]:
    """Every character of a ``length``-character sentence as its own piece: BIO tags per character."""
    return [(index, index + 1) for index in range(length)]


def token_tags(offsets: Sequence[Offsets], entities: Sequence[EntitySpan]) -> list[str | None]:
    """BIO tag per word piece (``None`` for special tokens) from entity spans over characters.

    Only an entity's first piece is ``B-``: a byte-level tokenizer (RoBERTa's) may cut one syllable into
    several pieces that all share that syllable's offsets, and each of them starting the entity again would
    split one gold entity into several.
    """
    tags: list[str | None] = []
    opened: set[int] = set()
    for piece in offsets:
        if piece is None:
            tags.append(None)
            continue
        start, end = piece
        tag = "O"
        for index, span in enumerate(entities):
            if start < span.end and end > span.start:
                first = start <= span.start and index not in opened
                opened.add(index)
                tag = f"{'B' if first else 'I'}-{span.label}"
                break
        tags.append(tag)
    return tags


def spans_from_token_tags(tags: Sequence[str | None], offsets: Sequence[Offsets], text: str) -> list[EntitySpan]:
    """Entity spans over ``text`` from one BIO tag per word piece, read as strict IOB2 (``None`` pieces are skipped).

    ``B-X`` opens an entity and the ``I-X`` pieces right after it extend it to their last character; an
    ``I-X`` that does not continue an ``X`` entity (:func:`stray_inside_tags`) is no entity: a model's
    ``O I-PER I-PER`` names nobody, as seqeval's strict mode and KLUE's scorer count it.
    """
    spans: list[EntitySpan] = []
    start = end = -1
    kind = ""

    def close() -> None:
        nonlocal start
        if start >= 0:
            spans.append(EntitySpan(start, end, kind, text[start:end]))
        start = -1

    for tag, piece in zip(tags, offsets):
        if piece is None or tag is None:
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "I" and start >= 0 and label == kind:
            end = piece[1]
            continue
        close()
        if prefix == "B":
            start, end, kind = piece[0], piece[1], label
    close()
    return spans


def stray_inside_tags(tags: Sequence[str | None]) -> list[int]:
    """Positions of the ``I-X`` tags that continue no ``X`` entity: strict IOB2 reads them as no entity.

    ``None`` (special pieces) is skipped, as :func:`spans_from_token_tags` skips it.
    """
    stray: list[int] = []
    kind = ""
    for position, tag in enumerate(tags):
        if tag is None:
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "I" and label != kind:
            stray.append(position)
            kind = ""
        elif prefix in ("B", "I"):
            kind = label
        else:
            kind = ""
    return stray


def spans_from_bio(tags: Sequence[str], text: str) -> list[EntitySpan]:
    """Entity spans from one BIO tag per character of ``text`` (KLUE-NER's files); see ``spans_from_token_tags``."""
    return spans_from_token_tags(tags, character_offsets(len(text)), text)
