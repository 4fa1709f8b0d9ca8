"""Embedded sample corpora written by this project in the upstream formats (used by the smoke profile and tests).

The ``make_*`` scripts compose Korean sentences from templates; the particle helpers here keep their
grammar right (은/는, 이/가, 을/를, 으로/로) so learners read natural Korean in every sample.
"""

from __future__ import annotations

RIEUL = 8
"""Index of ㄹ among final consonants: a word ending in ㄹ takes 로, not 으로 (서울로)."""


def final_consonant(char: str) -> int:
    """Index of the final consonant (batchim) of a Hangul syllable; 0 for none or for other characters."""
    code = ord(char) - 0xAC00
    return code % 28 if 0 <= code < 11172 else 0


def josa(word: str, with_final: str, without_final: str) -> str:
    """The particle form that agrees with the last syllable of ``word`` (은/는, 이/가, 을/를)."""
    return with_final if final_consonant(word[-1]) else without_final


def with_particle(word: str, with_final: str, without_final: str) -> str:
    """``word`` followed by its agreeing particle: ``with_particle("영화", "은", "는") == "영화는"``."""
    return word + josa(word, with_final, without_final)
