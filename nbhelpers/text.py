"""Unicode NFC wherever text enters: readers, predictors, and offsets mapped back to the text as given.

Hangul has two spellings that look the same: one code point per syllable (NFC, what Windows, Linux and
the web write) and the syllable split into its jamo (NFD, what macOS file names and some exports give).
The tokenizers know only the first: an NFD review becomes 100 % ``[UNK]`` with no error anywhere. Every
reader and predictor therefore turns its text into NFC first (``to_nfc``). NFC changes lengths, so an
offset into the text as given (KorQuAD's ``answer_start``) is recomputed on the normalised text, and an
offset a predictor finds in the normalised text is mapped back to the text the learner passed
(``nfc_with_offsets``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_HANGUL_MEDIALS_AND_FINALS = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))
"""Conjoining jamo that NFC merges into the syllable before them (algorithmic composition, not in the tables)."""


def to_nfc(text: str) -> str:
    """``text`` in Unicode NFC; NFC text (nearly all of it) is returned as it is, without a copy."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


@lru_cache(maxsize=1)
def _composes_backwards() -> frozenset[str]:
    """Characters that NFC may merge into the character before them: second halves of canonical pairs."""
    found = {chr(code) for block in _HANGUL_MEDIALS_AND_FINALS for code in block}
    for code in range(0x30000):  # every canonical pair lies below U+30000
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            found.add(chr(int(parts[1], 16)))
    return frozenset(found)


def _starts_segment(char: str) -> bool:
    # NFC never reaches back across such a character, so the text before and after normalise separately.
    first = unicodedata.normalize("NFD", char)[0]
    return unicodedata.combining(first) == 0 and first not in _composes_backwards() and char not in _composes_backwards()


def nfc_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """``(nfc, starts, ends)``: ``text`` in NFC, and where each NFC character came from in ``text``.

    Characters ``nfc[i:j]`` came from ``text[starts[i]:ends[j - 1]]``; a character that NFC merged from
    several (a syllable from its jamo) maps to all of them. For NFC text both lists are ``0..len - 1`` and
    ``1..len``.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text))), list(range(1, len(text) + 1))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    begin = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and not _starts_segment(text[index]):
            continue
        segment = text[begin:index]
        normal = unicodedata.normalize("NFC", segment)
        pieces.append(normal)
        if normal == segment:
            starts.extend(range(begin, index))
            ends.extend(range(begin + 1, index + 1))
        else:
            starts.extend([begin] * len(normal))
            ends.extend([index] * len(normal))
        begin = index
    return "".join(pieces), starts, ends


def original_span(starts: list[int], ends: list[int], start: int, end: int, length: int) -> tuple[int, int]:
    """Characters ``[start, end)`` of the NFC text as ``[start, end)`` of the text it came from (``length`` long)."""
    if end <= start:
        at = starts[start] if start < len(starts) else length
        return at, at
    return starts[start], ends[end - 1]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced notebook output: Hangul and other wide characters take two.

    ``len`` counts characters, so f-string padding (``f"{name:<10}"``) misaligns every column after a
    Korean label or token. Combining marks (and jamo that join the syllable before them) take none.
    """
    width = 0
    for char in text:
        if unicodedata.combining(char) or "\u1160" <= char <= "\u11ff":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` display columns (:func:`display_width`); ``align`` is ``<`` or ``>``.

    Text already as wide or wider is returned as it is, as f-string padding does.
    """
    if align not in ("<", ">"):
        raise ValueError(f"align={align!r}: '<'(왼쪽 맞춤)나 '>'(오른쪽 맞춤)만 됩니다. 고치는 법: 둘 중 하나를 쓰세요.")
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text
