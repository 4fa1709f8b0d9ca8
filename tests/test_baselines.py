"""Baselines printed beside the models' metrics: majority class, bag-of-words naive Bayes, unigram MLM."""

from __future__ import annotations

import math

import pytest

from nbhelpers.baselines import MajorityBaseline, majority_class
from nbhelpers.classification.baselines import NaiveBayesClassifier
from nbhelpers.classification.nli import NLI_LABELS
from nbhelpers.pretraining.baselines import (
    IGNORE_INDEX,
    nsp_majority_baseline,
    unigram_counts,
    unigram_mlm_baseline,
)
from nbhelpers.registry import get_corpus, sample_files


def test_majority_class_is_chosen_on_training_labels_and_scored_on_eval() -> None:
    assert majority_class([1, 1, 0], [0, 0, 0, 1]) == MajorityBaseline(1, 0.25)
    assert majority_class([2, 0, 2, 0], [0, 2]).label == 0  # ties go to the smallest id
    assert majority_class([0], []).accuracy == 0.0
    with pytest.raises(ValueError, match="학습 레이블이 하나 이상 필요합니다"):
        majority_class([], [0])


def test_naive_bayes_learns_which_words_go_with_which_label() -> None:
    texts = ["재미있다 최고", "최고 명작", "재미있다 명작", "지루하다 최악", "최악 졸작", "지루하다 졸작"]
    labels = [1, 1, 1, 0, 0, 0]
    model = NaiveBayesClassifier().fit(texts, labels)
    assert model.predict(["정말 최고 명작", "최악 지루하다", "처음 보는 단어"]) == [1, 0, 0]  # unseen: prior tie -> 0
    assert model.accuracy(texts, labels) == 1.0
    scores = model.scores("최고")
    assert scores[1] > scores[0]
    assert {token for token, _ in model.telling_tokens(1, min_count=2)} == {"재미있다", "최고", "명작"}
    assert all(odds > 0 for _, odds in model.telling_tokens(0, min_count=2))


def test_naive_bayes_rejects_what_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="alpha"):
        NaiveBayesClassifier(alpha=0)
    with pytest.raises(ValueError, match="텍스트 2개, 레이블 1개"):
        NaiveBayesClassifier().fit(["a", "b"], [0])
    with pytest.raises(RuntimeError, match="fit"):
        NaiveBayesClassifier().predict(["a"])


def test_hypothesis_only_baseline_exposes_the_nli_samples_artifacts() -> None:
    spec = get_corpus("klue-nli")
    train, val = spec.read(sample_files(spec, "train")), spec.read(sample_files(spec, "val"))
    hypotheses = NaiveBayesClassifier().fit([e.text_b for e in train], [e.label for e in train])
    premises = NaiveBayesClassifier().fit([e.text_a for e in train], [e.label for e in train])
    chance = majority_class([e.label for e in train], [e.label for e in val]).accuracy
    hypothesis_only = hypotheses.accuracy([e.text_b for e in val], [e.label for e in val])
    premise_only = premises.accuracy([e.text_a for e in val], [e.label for e in val])
    # Without the premise the labels are still guessable from the hypothesis wording alone...
    assert hypothesis_only > chance + 0.3
    # ...while the premise alone says nothing about the label, as it should.
    assert premise_only < chance + 0.15
    contradiction = NLI_LABELS.index("contradiction")
    assert hypotheses.telling_tokens(contradiction), "no token favours contradiction"


def test_unigram_counts_skip_special_tokens() -> None:
    assert unigram_counts([[2, 5, 5, 3], [2, 6, 3]], vocab_size=8, skip_ids={2, 3}) == [0, 0, 0, 0, 0, 2, 1, 0]


def test_unigram_mlm_baseline_scores_masked_positions_only() -> None:
    train = [[2, 5, 5, 5, 6, 3]]  # token 5 three times, 6 once; 2 and 3 are special
    labels = [[IGNORE_INDEX, 5, IGNORE_INDEX, 6, IGNORE_INDEX]]
    baseline = unigram_mlm_baseline(train, labels, vocab_size=8, skip_ids={2, 3}, alpha=1.0)
    total = 4 + 8  # four counted tokens plus add-one over eight ids
    assert baseline.masked == 2 and baseline.most_frequent == 5 and baseline.accuracy == 0.5
    assert baseline.loss == pytest.approx(-(math.log(4 / total) + math.log(2 / total)) / 2)
    assert baseline.perplexity == pytest.approx(math.exp(baseline.loss))
    uniform = unigram_mlm_baseline([[]], labels, vocab_size=8)
    assert uniform.loss == pytest.approx(math.log(8))  # nothing counted: every token equally likely
    with pytest.raises(ValueError, match="채점할 마스킹 위치가 없습니다"):
        unigram_mlm_baseline(train, [[IGNORE_INDEX]], vocab_size=8)


def test_nsp_majority_is_not_always_fifty_percent() -> None:
    baseline = nsp_majority_baseline([1, 1, 0], [1, 1, 0])
    assert baseline.label == 1 and baseline.accuracy == pytest.approx(2 / 3)


def test_versus_says_what_the_numbers_show_including_a_tie_or_a_loss() -> None:
    from nbhelpers.baselines import versus

    # The smoke run of chapter 2 once printed 0.975 for BERT and for bag-of-words: a tie, said to be one.
    tie = versus(0.975, 0.9750000238418579, "단어 주머니", total=120)
    assert "같습니다" in tie and "낫다고 할 수 없습니다" in tie and "높습니다" not in tie
    loss = versus(0.9417, 0.95, "단어 주머니", total=120)
    assert "0.0083 낮습니다(120개 중 1개 덜 맞힘): 단어 주머니보다 못합니다" in loss
    win = versus(0.9833, 0.95, "다수 클래스", total=120)
    assert "0.0333 높습니다(120개 중 4개 더 맞힘): 다수 클래스보다 낫습니다" in win
    # Below chance is called so; for a loss, lower is better.
    assert versus(0.333, 0.5, "무작위 답(0.5)", metric="NSP 정확도", digits=3).endswith("무작위 답(0.5)보다 못합니다.")
    assert versus(5.1, 5.3, "유니그램", metric="MLM 손실", digits=3, higher_is_better=False).endswith("유니그램보다 낫습니다.")
