"""A trivial answer finder, so that a question-answering model's EM and F1 have a floor to be read against.

The answer to a question is usually near the words of the question. The baseline reads both as
character pairs (bigrams) inside words, because Korean attaches particles and endings to its words and
whole words rarely match: the question ``황태민이 태어난 해는?`` and the sentence ``황태민은 1949년에
태어났다.`` share no word, but share the pairs ``황태``, ``태민`` and ``태어``.

1. **Sentence**: the context sentence that shares the most pairs with the question (the first one on a
   tie). Answering with that whole sentence is retrieval only: when the answer is in it, the official
   character F1 gives partial credit for the answer's characters, and EM is almost never earned.
2. **Word**: in that sentence, the first word that shares no pair with the question, since the word a
   question asks for is one it does not contain (``1949년에`` above). The particle written onto the
   word stays in the answer (``1949년에`` against the gold ``1949년``), which costs EM but little F1.

Both return character spans of the context, like a model's answers, and are scored with the official
KorQuAD rules (``nbhelpers.qa.korquad_eval.evaluate_examples``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from nbhelpers.qa.korquad import QAExample

Span = tuple[int, int]
"""Characters ``[start, end)`` of the context."""

_SENTENCE_BREAK = re.compile(r"(?<=[.?!。])\s+|\n+")
_WORD = re.compile(r"\S+")
_OPENING = "\"'‘“(《〈「『<["
_CLOSING = "\"'’”)》〉」』>].,?!;:·…"


def character_pairs(text: str) -> set[str]:
    """Every two adjacent characters inside a word of ``text`` (pairs never span a space)."""
    return {word[i : i + 2] for word in text.split() for i in range(len(word) - 1)}


def sentence_spans(context: str) -> list[Span]:
    """Sentences of ``context``: a break after ``.``, ``?``, ``!`` or ``。`` followed by a space, or at a newline.

    A decimal point (``3.5``) is followed by a digit, not a space, so it does not end a sentence.
    """
    spans: list[Span] = []
    start = 0
    for match in [*_SENTENCE_BREAK.finditer(context), None]:
        end = match.start() if match else len(context)
        while start < end and context[start].isspace():
            start += 1
        if start < end:
            spans.append((start, end))
        if match:
            start = match.end()
    return spans


def word_spans(context: str, span: Span) -> list[Span]:
    """Words (runs of non-spaces) inside ``span``, without quotes, brackets and punctuation around them."""
    words: list[Span] = []
    for match in _WORD.finditer(context, span[0], span[1]):
        start, end = match.span()
        while start < end and context[start] in _OPENING:
            start += 1
        while end > start and context[end - 1] in _CLOSING:
            end -= 1
        if start < end:
            words.append((start, end))
    return words


def best_sentence(question: str, context: str) -> Span:
    """The sentence sharing the most character pairs with the question (the first on a tie); ``(0, 0)`` if none."""
    asked = character_pairs(question)
    sentences = sentence_spans(context)
    if not sentences:
        return (0, 0)
    return max(sentences, key=lambda span: (len(character_pairs(context[span[0] : span[1]]) & asked), -span[0]))


def overlap_word(question: str, context: str) -> Span:
    """In :func:`best_sentence`, the word nearest to the question's words that is not one of them.

    Candidates are words of two or more characters that share no character pair with the question (a
    one-character word such as ``그`` is rarely an answer); the nearest, counted in words, to a word
    that does share pairs wins, the first on a tie. With no overlapping word, the first candidate; with
    no candidate, the sentence's first word.
    """
    asked = character_pairs(question)
    words = word_spans(context, best_sentence(question, context))
    if not words:
        return (0, 0)
    overlapping = [i for i, (start, end) in enumerate(words) if character_pairs(context[start:end]) & asked]
    candidates = [i for i, (start, end) in enumerate(words) if end - start >= 2 and i not in overlapping]
    if not candidates:
        return words[0]
    if not overlapping:
        return words[candidates[0]]
    nearest = min(candidates, key=lambda i: (min(abs(i - j) for j in overlapping), i))
    return words[nearest]


def baseline_answers(
    examples: Iterable[QAExample], unit: Literal["sentence", "word"] = "word"
) -> dict[str, str]:
    """``{question id: answer text}`` of the baseline, the format ``evaluate_examples`` and the official script read."""
    find = {"sentence": best_sentence, "word": overlap_word}.get(unit)
    if find is None:
        raise ValueError(f"unit={unit!r}: 기준선은 'sentence'나 'word' 단위로 답합니다. 고치는 법: 둘 중 하나를 주세요.")
    answers: dict[str, str] = {}
    for example in examples:
        start, end = find(example.question, example.context)
        answers[example.qid] = example.context[start:end]
    return answers

