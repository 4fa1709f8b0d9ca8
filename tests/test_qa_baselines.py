"""Chapter 5's trivial answer finder: the sentence nearest the question, and the word nearest its words."""

from __future__ import annotations

import pytest

from nbhelpers.qa.baselines import (
    baseline_answers,
    best_sentence,
    character_pairs,
    overlap_word,
    sentence_spans,
    word_spans,
)
from nbhelpers.qa.korquad import QAAnswer, QAExample, read_korquad
from nbhelpers.qa.korquad_eval import evaluate_examples
from nbhelpers.registry import get_corpus, sample_files

CONTEXT = "황태민은 1949년에 태어났다. 그는 서울 출신이다.\n평생 3.5킬로미터를 걸었다! 그가 좋아한 음식은 “갈비탕”이었다."


def cut(span: tuple[int, int], text: str = CONTEXT) -> str:
    return text[span[0] : span[1]]


def test_character_pairs_stay_inside_words() -> None:
    assert character_pairs("황태민이 해는?") == {"황태", "태민", "민이", "해는", "는?"}
    assert character_pairs("가 나") == set()


def test_sentences_break_after_end_marks_and_newlines_but_not_at_a_decimal_point() -> None:
    assert [cut(span) for span in sentence_spans(CONTEXT)] == [
        "황태민은 1949년에 태어났다.", "그는 서울 출신이다.", "평생 3.5킬로미터를 걸었다!", "그가 좋아한 음식은 “갈비탕”이었다.",
    ]
    assert sentence_spans("  ") == []


def test_words_lose_the_quotes_and_punctuation_around_them() -> None:
    last = sentence_spans(CONTEXT)[-1]
    assert [cut(span) for span in word_spans(CONTEXT, last)] == ["그가", "좋아한", "음식은", "갈비탕”이었다"]


def test_the_sentence_sharing_most_pairs_with_the_question_is_chosen() -> None:
    assert cut(best_sentence("황태민이 태어난 해는?", CONTEXT)) == "황태민은 1949년에 태어났다."
    assert cut(best_sentence("그가 좋아한 음식은?", CONTEXT)) == "그가 좋아한 음식은 “갈비탕”이었다."
    # Nothing shared: the first sentence (ties go to the earlier one).
    assert cut(best_sentence("전혀 관계없는 물음", CONTEXT)) == "황태민은 1949년에 태어났다."
    assert best_sentence("무엇?", "") == (0, 0)


def test_the_word_next_to_the_question_words_is_the_answer() -> None:
    # 황태민은 and 태어났다 share pairs with the question; 1949년에 does not and sits between them.
    assert cut(overlap_word("황태민이 태어난 해는?", CONTEXT)) == "1949년에"
    assert cut(overlap_word("1949년에 태어난 사람은?", CONTEXT)) == "황태민은"
    # One-character words are not candidates; with no candidate left, the sentence's first word.
    assert cut(overlap_word("그 서울 출신", "그 서울 출신"), "그 서울 출신") == "그"
    assert overlap_word("무엇?", "") == (0, 0)


def example(qid: str, question: str, answer: str) -> QAExample:
    return QAExample(qid, "t", question, CONTEXT, (QAAnswer(answer, CONTEXT.index(answer)),))


def test_baseline_answers_are_scored_by_the_official_rules() -> None:
    examples = [example("1", "황태민이 태어난 해는?", "1949년"), example("2", "1949년에 태어난 사람은?", "황태민")]
    words = baseline_answers(examples, unit="word")
    assert words == {"1": "1949년에", "2": "황태민은"}
    scores = evaluate_examples(examples, words)
    assert scores["exact_match"] == 0.0  # the particles stay attached
    assert scores["f1"] == pytest.approx(100 * (2 * 5 / 6 / (5 / 6 + 1) + 2 * 3 / 4 / (3 / 4 + 1)) / 2)
    sentences = baseline_answers(examples, unit="sentence")
    assert sentences["1"] == "황태민은 1949년에 태어났다."
    assert evaluate_examples(examples, sentences)["f1"] < scores["f1"]
    with pytest.raises(ValueError, match="sentence"):
        baseline_answers(examples, unit="paragraph")  # type: ignore[arg-type]


def test_the_samples_baseline_is_a_floor_well_below_a_perfect_score() -> None:
    spec = get_corpus("korquad-v1")
    val = read_korquad(sample_files(spec, "val"))
    scores = evaluate_examples(val, baseline_answers(val))
    assert 0 < scores["f1"] < 80 and scores["exact_match"] < 50
