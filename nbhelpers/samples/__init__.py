"""Embedded sample corpora written by this project in the upstream formats (used by the smoke profile and tests).

The ``make_*`` scripts compose Korean sentences from templates, so a particle glued to a slot cannot be
written into the template: ``{CNT}은`` reads ``12개은`` and ``{LOC}로`` reads ``춘천로``. Every generator
asks :func:`particle` here instead. The form of a particle follows the last syllable *read aloud*, which is
not always the last character written: digits are read in Korean (``12개는`` but ``3명은``, ``1,200을``
because 천이백 ends in 백), ``%`` is 퍼센트, a parenthesis is skipped (``배준서(22)가``) and a quotation is
read inside its quotes (``‘새벽 열차’는``). Learners copy these sentences, so the rules live in one place
and ``tests/test_samples_korean.py`` checks every sample file against them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

RIEUL = 8
"""Index of ㄹ among final consonants: a word ending in ㄹ takes 로, not 으로 (서울로, 춘천으로)."""

NIEUN, MIEUM, BIEUP, IEUNG, GIYEOK = 4, 16, 17, 21, 1
"""Indices of the final consonants that the readings of numbers end in (천/만, 삼, 십, 영/경, 백/억/육)."""

PAIRS: dict[str, tuple[str, str]] = {
    "은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "과": ("과", "와"), "아": ("아", "야"),
    "이나": ("이나", "나"), "이란": ("이란", "란"), "이라는": ("이라는", "라는"), "이라고": ("이라고", "라고"),
    "이었다": ("이었다", "였다"), "이며": ("이며", "며"), "이랑": ("이랑", "랑"), "으로": ("으로", "로"),
    "으로서": ("으로서", "로서"), "으로써": ("으로써", "로써"), "으로는": ("으로는", "로는"), "으로도": ("으로도", "로도"),
}
"""Particles whose form depends on the preceding syllable: (form after a final consonant, form after a vowel)."""

FORMS: dict[str, tuple[str, str]] = {form: pair for pair in PAIRS.values() for form in pair}
"""Either form of a particle (은 or 는) to its pair, so callers may name whichever form they think of."""

# How the last digit of a number is read (일, 이, 삼, 사, 오, 육, 칠, 팔, 구; 영 for 0 after a decimal point).
_DIGIT_FINAL = {"0": IEUNG, "1": RIEUL, "2": 0, "3": MIEUM, "4": 0, "5": 0, "6": GIYEOK, "7": RIEUL, "8": RIEUL, "9": 0}
# A number whose last non-zero digit is in the tens, hundreds or thousands place ends in 십, 백 or 천.
_PLACE_FINAL = {1: BIEUP, 2: GIYEOK, 3: NIEUN}
# A number whose last four digits are all zero ends in the unit of its lowest non-zero group: 만, 억, 조, 경.
_GROUP_FINAL = {1: NIEUN, 2: GIYEOK, 3: 0, 4: IEUNG}
# Symbols and Latin unit abbreviations written after a number, by the final consonant of their reading.
_UNITS = {
    "%": 0, "％": 0, "℃": 0, "°": 0,  # 퍼센트, 도
    "km": 0, "m": 0, "cm": 0, "mm": 0, "kg": MIEUM, "g": MIEUM, "mg": MIEUM, "t": NIEUN,  # 킬로미터, 그램, 톤
    "l": 0, "L": 0, "ml": 0, "mL": 0, "h": NIEUN, "s": 0, "GB": 0, "MB": 0, "KB": 0, "TB": 0,  # 리터, 시간, 초, 바이트
    "Hz": 0, "W": 0, "kW": 0, "V": 0,  # 헤르츠, 와트, 볼트
}
# Latin letters read by their names (acronyms: KBS 케이비에스, IBM 아이비엠, LG 엘지).
_LETTER_FINAL = {letter: 0 for letter in "ABCDEFGHIJKOPQSTUVWXYZ"} | {"L": RIEUL, "M": MIEUM, "N": NIEUN, "R": RIEUL}
_CLOSING = "’”\"'」』》〉]"
_NUMBER_END = re.compile(r"(\d[\d,]*)(?:\.(\d+))?\s*$")
_UNIT_END = re.compile(r"\d\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + r")$")
_PARENTHESIS_END = re.compile(r"\([^()]*\)$")


def final_consonant(char: str) -> int:
    """Index of the final consonant (batchim) of a Hangul syllable; 0 for none or for other characters."""
    code = ord(char) - 0xAC00
    return code % 28 if 0 <= code < 11172 else 0


def number_final(integer: str, fraction: str = "") -> int:
    """The final consonant of a number as read in Sino-Korean: ``number_final("1200") == GIYEOK`` (천이백)."""
    if fraction:
        return _DIGIT_FINAL[fraction[-1]]  # 사 점 오: digits after the point are read one by one
    digits = integer.replace(",", "").lstrip("0")
    if not digits:
        return IEUNG  # 영
    groups = [digits[max(0, end - 4) : end] for end in range(len(digits), 0, -4)]
    lowest = next(index for index, group in enumerate(groups) if int(group))
    if lowest:
        return _GROUP_FINAL.get(lowest, 0)
    group = groups[0]
    zeros = len(group) - len(group.rstrip("0"))
    return _PLACE_FINAL[zeros] if zeros else _DIGIT_FINAL[group[-1]]


def spoken_final(word: str) -> int | None:
    """Final consonant of the last syllable of ``word`` as read aloud; ``None`` when no rule knows how to read it.

    Hangul: its batchim. Digits: the Korean reading (``"12개"`` ends in 개, ``"12"`` in 이, ``"4.5%"`` in
    퍼센트). A closing quote is looked through, a trailing parenthesis skipped: the particle agrees with the
    word outside it (``배준서(22)가``). Latin letters are read by their names (``IBM은``); a Latin word read as a
    word (Google, 구글) has no rule here: pass its reading to :func:`particle` instead.
    """
    text = word.rstrip()
    while text:
        if text[-1] in _CLOSING:
            text = text[:-1].rstrip()
            continue
        parenthesis = _PARENTHESIS_END.search(text)
        if parenthesis and parenthesis.start() > 0:
            text = text[: parenthesis.start()].rstrip()
            continue
        break
    if not text:
        return None
    last = text[-1]
    if 0xAC00 <= ord(last) < 0xAC00 + 11172:
        return final_consonant(last)
    unit = _UNIT_END.search(text)
    if unit:
        return _UNITS[unit.group(1)]
    number = _NUMBER_END.search(text)
    if number:
        return number_final(number.group(1), number.group(2) or "")
    if last.isascii() and last.isalpha():
        return _LETTER_FINAL[last.upper()]
    return None


def particle(word: str, form: str, reading: str | None = None) -> str:
    """The form of particle ``form`` (either form: 은 or 는) that agrees with how ``word`` ends when read.

    ``particle("춘천", "로") == "으로"``, ``particle("서울", "으로") == "로"``, ``particle("12개", "은") == "는"``,
    ``particle("45억 원", "를") == "을"``, ``particle("3", "는") == "은"`` (삼). ``reading`` (Hangul) replaces
    ``word`` for words no rule reads (``particle("Google", "은", reading="구글") == "은"``).
    """
    if form not in FORMS:
        raise ValueError(f"알 수 없는 조사 {form!r}입니다. 고치는 법: {', '.join(PAIRS)} 중 하나를 쓰세요.")
    after_consonant, after_vowel = FORMS[form]
    final = spoken_final(reading if reading is not None else word)
    if final is None:
        raise ValueError(f"{word!r}을(를) 소리 내어 읽을 때 어떻게 끝나는지 알 수 없습니다. 고치는 법: reading=에 한글 읽기를 주세요.")
    if after_consonant.startswith("으로") and final == RIEUL:
        return after_vowel  # ㄹ takes 로 like a vowel: 서울로, 열흘로
    return after_consonant if final else after_vowel


def with_particle(word: str, form: str, reading: str | None = None) -> str:
    """``word`` followed by its agreeing particle: ``with_particle("영화", "은") == "영화는"``."""
    return word + particle(word, form, reading)


MARKER = re.compile(r"<(" + "|".join(sorted(map(re.escape, FORMS), key=len, reverse=True)) + r")>")
"""A particle slot in a template, written after the word it follows: ``{0}<은>``."""


def attach_particles(text: str, read: Callable[[str], str] | None = None) -> str:
    """Replace each ``<은>``-style marker with the form that agrees with the text before it.

    ``attach_particles("춘천<으로> 가는 12개<을>") == "춘천으로 가는 12개를"``. ``read`` turns the text before
    a marker into what is read aloud, for text with markup (the NER generator strips its ``<mention:TAG>``).
    """
    parts: list[str] = []
    cursor = 0
    for match in MARKER.finditer(text):
        parts.append(text[cursor : match.start()])
        before = "".join(parts)
        parts.append(particle(read(before) if read else before, match.group(1)))
        cursor = match.end()
    parts.append(text[cursor:])
    return "".join(parts)
