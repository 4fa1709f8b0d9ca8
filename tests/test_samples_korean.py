"""The embedded samples are Korean that learners copy: particles agree, labels match what reviews say.

The generators compose sentences from templates, where a particle written after a slot by hand
(``{CNT}은``) breaks for every filler that ends differently (``12개은``). These tests check the one
particle helper they share, scan every sample file for a particle that disagrees with the word before
it, and check that the committed files are exactly what the generators write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbhelpers.samples import (
    IEUNG,
    RIEUL,
    attach_particles,
    final_consonant,
    make_ner,
    make_nli,
    make_nsmc,
    make_pretrain,
    make_qa,
    number_final,
    particle,
    spoken_final,
    with_particle,
)

SAMPLES = Path(make_nsmc.__file__).resolve().parent
SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in {".txt", ".tsv", ".json"})

# Longest first: 춘천으로 is 춘천 + 으로, not 춘천으 + 로.
CHECKED = ["이라는", "라는", "이란", "으로", "은", "는", "이", "가", "을", "를", "과", "와", "로", "란"]
# Single words that end in a particle-like syllable but are not noun + particle: nouns (마을, 소설가),
# the adnominal -는 of verbs (찾는) and the question ending -인가.
NOT_PARTICLES = {
    "마을", "아이", "올가을", "건축가", "조각가", "소설가", "사진작가", "화가",
    "있는", "찾는", "웃는", "받는", "사랑받는", "먹는", "남는", "어디인가", "누구인가",
}
# Given names ending in 은 (다은, 가은) are names, not 다 + 은.
NAMES = set(make_ner.PEOPLE) | {s + g for s in make_qa.SURNAMES for g in make_qa.GIVEN}
_MENTION = re.compile(r"<([^<>:]+):[A-Z]+>")


def sample_texts(path: Path) -> Iterator[str]:
    """The Korean text of a sample file: JSON string values, or lines with NER markup removed."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        stack: list[object] = [json.loads(text)]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    else:
        yield from _MENTION.sub(r"\1", text).splitlines()


def disagreements(text: str) -> list[str]:
    """Each ``word+particle`` in ``text`` whose particle does not agree with the word: ``["12개은 -> 12개는"]``.

    Only words the helper can read are checked (Hangul, digits with or without units, quotes and
    parentheses around them); a particle-like ending on a known single word or name is not a particle.
    """
    found = []
    for token in text.split():
        token = token.rstrip(".,!?…~")
        if token.lstrip("―“‘\"'(") in NOT_PARTICLES or any(token.endswith(name) for name in NAMES):
            continue
        form = next((f for f in CHECKED if token.endswith(f) and len(token) > len(f)), None)
        if form is None:
            continue
        word = token[: -len(form)]
        if spoken_final(word) is None:
            continue
        right = particle(word, form)
        if right != form:
            found.append(f"{token} -> {word}{right}")
    return found


# --- the helper ---------------------------------------------------------------------------------------


def test_final_consonant_of_hangul_and_other_characters() -> None:
    assert final_consonant("각") == 1 and final_consonant("울") == RIEUL and final_consonant("영") == IEUNG
    assert final_consonant("가") == 0 and final_consonant("A") == 0 and final_consonant("3") == 0


@pytest.mark.parametrize(("word", "form", "expected"), [
    ("영화", "은", "영화는"), ("스토리", "이", "스토리가"), ("공원", "가", "공원이"), ("도서관", "이", "도서관이"),
    ("한빛전자", "과", "한빛전자와"), ("홍길순", "와", "홍길순과"), ("하늘항공", "는", "하늘항공은"),
    ("삼계탕", "란", "삼계탕이란"), ("김치", "이란", "김치란"), ("곰", "라는", "곰이라는"),
    ("교사", "이었다", "교사였다"), ("의사", "였다", "의사였다"), ("변호사", "이었다", "변호사였다"), ("기자", "이었다", "기자였다"),
])
def test_hangul_batchim_decides_the_form(word: str, form: str, expected: str) -> None:
    assert with_particle(word, form) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("서울", "서울로"), ("춘천", "춘천으로"), ("설악산", "설악산으로"), ("부산", "부산으로"), ("제주도", "제주도로"),
    ("한강공원", "한강공원으로"), ("두 달", "두 달로"), ("30%", "30%로"), ("절반", "절반으로"), ("1", "1로"), ("6", "6으로"),
])
def test_rieul_takes_ro_like_a_vowel(word: str, expected: str) -> None:
    assert with_particle(word, "으로") == expected
    assert with_particle(word, "로") == expected  # either form may be named


@pytest.mark.parametrize(("number", "expected"), [
    ("1", "1을"), ("2", "2를"), ("3", "3을"), ("4", "4를"), ("5", "5를"), ("6", "6을"), ("7", "7을"), ("8", "8을"),
    ("9", "9를"), ("10", "10을"), ("12", "12를"), ("100", "100을"), ("1000", "1000을"), ("1,200", "1,200을"),
    ("10000", "10000을"), ("1,200,000", "1,200,000을"), ("100000000", "100000000을"), ("2020", "2020을"),
    ("0", "0을"), ("4.5", "4.5를"), ("0.8", "0.8을"), ("3.0", "3.0을"),
])
def test_digits_are_read_in_korean(number: str, expected: str) -> None:
    # 일 이 삼 사 오 육 칠 팔 구 십 십이 백 천 천이백 만 백이십만 억 이천이십 영 사 점 오, 영 점 팔, 삼 점 영
    assert with_particle(number, "을") == expected


@pytest.mark.parametrize(("word", "form", "expected"), [
    ("12개", "은", "12개는"), ("3명", "은", "3명은"), ("45억 원", "를", "45억 원을"), ("2위", "이", "2위가"),
    ("8척", "가", "8척이"), ("500만원", "를", "500만원을"), ("1,200달러", "을", "1,200달러를"), ("4.5%", "을", "4.5%를"),
    ("30km", "을", "30km를"), ("5kg", "를", "5kg을"), ("20℃", "은", "20℃는"),
])
def test_units_after_digits(word: str, form: str, expected: str) -> None:
    assert with_particle(word, form) == expected


def test_quotes_parentheses_and_latin_letters() -> None:
    assert with_particle("‘새벽 열차’", "은") == "‘새벽 열차’는"  # read inside the quotes
    assert with_particle("“작은 정원”", "라는") == "“작은 정원”이라는"
    assert with_particle("배준서(22)", "이") == "배준서(22)가"  # the parenthesis is skipped, not read
    assert with_particle("최유진(22)", "가") == "최유진(22)이"
    assert with_particle("IBM", "는") == "IBM은" and with_particle("KBS", "은") == "KBS는"  # 엠, 에스
    assert with_particle("LPL", "으로") == "LPL로"  # 엘
    assert with_particle("Google", "은", reading="구글") == "Google은"


def test_number_final_groups_of_four_digits() -> None:
    assert number_final("120000") == number_final("10000") == 4  # 십이만, 만: ㄴ
    assert number_final("1000000000000") == 0  # 조


def test_unreadable_words_and_unknown_particles_fail_loudly() -> None:
    with pytest.raises(ValueError, match="고치는 법: reading=에 한글 읽기를"):
        particle("…", "은")
    with pytest.raises(ValueError, match="알 수 없는 조사 '의'입니다"):
        particle("영화", "의")


def test_attach_particles_reads_the_text_before_each_marker() -> None:
    assert attach_particles("춘천<으로> 가는 12개<을> 샀다") == "춘천으로 가는 12개를 샀다"
    assert attach_particles("―배준서(22)<이> 웃었다") == "―배준서(22)가 웃었다"
    tagged = "<12개:NOH><은> <서울:LOC><으로>"
    assert attach_particles(tagged, read=lambda t: _MENTION.sub(r"\1", t)) == "<12개:NOH>는 <서울:LOC>로"


# --- the sample files ---------------------------------------------------------------------------------


def test_the_scan_finds_the_errors_the_old_samples_had() -> None:
    old = "선수단 12개은 떠났다. 45억 원를 넘었다. 춘천로 떠났다. 공원가 아니라 ‘푸른 바다’은 최유진(22)가 웃었다."
    assert disagreements(old) == ["12개은 -> 12개는", "원를 -> 원을", "춘천로 -> 춘천으로", "공원가 -> 공원이",
                                  "바다’은 -> 바다’는", "최유진(22)가 -> 최유진(22)이"]
    fixed = "선수단 12개는 떠났다. 45억 원을 넘었다. 춘천으로 떠났다. 공원이 아니라 ‘푸른 바다’는 최유진(22)이 웃었다."
    assert disagreements(fixed) == []
    assert disagreements("마을에 사는 아이가 누구인가? 신다은과 김가은은 소설가였다.") == []


def test_every_sample_file_is_scanned() -> None:
    names = {p.name for p in SAMPLE_FILES}
    assert {"nsmc_train.txt", "kornli_train.tsv", "klue_nli_val.json", "ner_train.txt", "klue_ner_val.tsv",
            "korquad_train.json", "pretrain_val.txt"} <= names
    assert len(SAMPLE_FILES) == 14


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_particles_agree_in_sample_file(path: Path) -> None:
    checked = 0
    wrong: list[str] = []
    for text in sample_texts(path):
        checked += sum(1 for token in text.split() if token.rstrip(".,!?…~").endswith(tuple(CHECKED)))
        wrong += disagreements(text)
    assert checked > 50, f"{path.name}: too few particles found ({checked}); is the file read right?"
    assert not wrong, f"{path.name}: {len(wrong)} particles disagree, e.g. {sorted(set(wrong))[:10]}"


def _nsmc_rows(path: Path) -> list[tuple[str, int]]:
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [(text, int(label)) for _, text, label in (line.split("\t") for line in lines)]


def test_nsmc_labels_match_what_the_deciding_clause_says() -> None:
    sides: tuple[list[str], list[str]] = ([], [])
    for label in (0, 1):
        sides[label].extend(r for negative_positive in make_nsmc.ASPECTS.values() for r in negative_positive[label])
        sides[label].extend(make_nsmc.GENERAL[label] + make_nsmc.VERDICTS[label] + make_nsmc.LEANING[label])
        sides[label].extend(c.strip() for c in make_nsmc.CLOSERS_BY_LABEL[label])
    rows = [row for name in ("nsmc_train.txt", "nsmc_val.txt") for row in _nsmc_rows(SAMPLES / name)]
    either = 0
    for text, label in rows:
        deciding = text.rsplit("지만 ", 1)[-1]  # a contrary clause before 지만 says the opposite on purpose
        if any(remark in deciding for remark in make_nsmc.EITHER):
            either += 1
            continue
        if text and not text.startswith('"인생 영화"'):
            assert any(r in deciding for r in sides[label]), f"label {label} but nothing says so: {text!r}"
            assert not any(r in deciding for r in sides[1 - label]), f"label {label} contradicted: {text!r}"
    # The deliberately ambiguous lukewarm reviews: a few percent, under both labels.
    assert 0.02 < either / len(rows) < 0.1
    labels_of_either = {label for text, label in rows if any(r in text for r in make_nsmc.EITHER)}
    assert labels_of_either == {0, 1}


def test_contrary_clauses_end_in_jiman() -> None:
    for text, _ in _nsmc_rows(SAMPLES / "nsmc_train.txt"):
        assert not re.search(r"(요|다|니다)지만", text), text  # 재밌었어요지만 is not Korean


def test_committed_samples_are_what_the_generators_write(tmp_path: Path) -> None:
    for generator in (make_nsmc, make_nli, make_ner, make_qa, make_pretrain):
        generator.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [p.name for p in SAMPLE_FILES]
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"{name} differs from its generator's output: run python -m nbhelpers.samples.make_* and commit")
