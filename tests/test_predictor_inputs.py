"""What every predictor does with the inputs a learner types (issue 20 items 7 and 11, issue 21 item 1).

``predict("문장")`` used to answer once per character; ``predict([])`` crashed in the tokenizer (notebook 05
on real KorQuAD files); decomposed Hangul (NFD) became all ``[UNK]``; a ``[MASK]`` cut off by truncation was
reported as missing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoTokenizer,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
)

from nbhelpers.classification.predictor import Classifier
from nbhelpers.ner.predictor import EntityRecognizer
from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.pretraining.fill_mask import MaskedLanguageModel
from nbhelpers.qa.predictor import QuestionAnswerer

REVIEW = "배우들 연기가 정말 좋았고 이야기도 끝까지 긴장감이 있어서 시간 가는 줄 몰랐다"
CONTEXT = "한빛대학교는 1950년에 세워졌다. 설립자는 서울 출신의 김하늘이고, 학교는 춘천에 있다. 음악은 괜찮았지만 결말이 너무 허무했다."
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):  # noqa: ANN201 (a fast tokenizer)
    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture(scope="module")
def classifier(tiny_model_dir: Path, tokenizer) -> Classifier:  # noqa: ANN001
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2, id2label={0: "neg", 1: "pos"})
    return Classifier(model, tokenizer, max_seq_length=64, device="cpu")


@pytest.fixture(scope="module")
def recognizer(tokenizer) -> EntityRecognizer:  # noqa: ANN001
    torch.manual_seed(1)
    config = tiny_bert_config(len(tokenizer))
    config.num_labels, config.id2label = len(LABELS), dict(enumerate(LABELS))
    config.label2id = {name: index for index, name in enumerate(LABELS)}
    return EntityRecognizer(BertForTokenClassification(config), tokenizer, max_seq_length=16, device="cpu")


@pytest.fixture(scope="module")
def answerer(tokenizer) -> QuestionAnswerer:  # noqa: ANN001
    torch.manual_seed(2)
    return QuestionAnswerer(BertForQuestionAnswering(tiny_bert_config(len(tokenizer))), tokenizer,
                            max_seq_length=32, max_query_length=8, doc_stride=8, device="cpu")


@pytest.fixture(scope="module")
def scorer(tokenizer) -> MaskedLanguageModel:  # noqa: ANN001
    torch.manual_seed(3)
    return MaskedLanguageModel(BertForPreTraining(tiny_bert_config(len(tokenizer))), tokenizer, max_seq_length=16,
                               device="cpu")


# --- empty input: an empty list ----------------------------------------------------------------------------------


def test_every_predictor_answers_no_input_with_an_empty_list(classifier, recognizer, answerer, scorer) -> None:  # noqa: ANN001
    assert classifier.predict([]) == [] and classifier.predict([], []) == []
    assert recognizer.predict([]) == [] and recognizer.predict_examples([]) == []
    assert answerer.predict([], []) == [] and answerer.predict_examples([]) == {}
    assert scorer.pseudo_log_likelihoods([]) == []


# --- one string where a list belongs ---------------------------------------------------------------------------


def test_one_string_where_a_list_belongs_is_a_short_type_error_showing_the_call(
    classifier, recognizer, answerer, scorer  # noqa: ANN001
) -> None:
    calls = [
        (lambda: classifier.predict("정말 재미있어요"), 'predict(["정말 재미있어요"])'),
        (lambda: classifier.predict(["전제"], "가설"), 'predict(["전제 문장"], ["가설 문장"])'),
        (lambda: recognizer.predict("김민준은 서울에 산다."), 'predict(["김민준은 서울에 산다."])'),
        (lambda: answerer.predict("언제 세워졌나?", CONTEXT), "answer(질문, 지문)"),
        (lambda: scorer.pseudo_log_likelihoods("서울은 수도이다."), "pseudo_log_likelihoods(["),
    ]
    for call, shown in calls:
        with pytest.raises(TypeError) as error:
            call()
        message = str(error.value)
        assert "문자열 하나를 주었습니다" in message and "고치는 법:" in message and shown in message, message
        assert len(message) < 200
    with pytest.raises(TypeError, match=r"texts\[1\]: 문자열이 아니라 NoneType"):
        classifier.predict(["좋다", None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="질문 2개에 지문 1개"):
        answerer.predict(["언제?", "누가?"], [CONTEXT])


def test_one_text_in_a_list_still_gives_one_prediction(classifier, recognizer) -> None:  # noqa: ANN001
    assert len(classifier.predict([REVIEW])) == 1 and len(recognizer.predict([REVIEW])) == 1


# --- decomposed Hangul -------------------------------------------------------------------------------------------


def test_classifier_reads_nfd_text_as_its_nfc_form(classifier) -> None:  # noqa: ANN001
    [given], [normal] = classifier.predict([nfd(REVIEW)]), classifier.predict([REVIEW])
    assert given.probabilities == pytest.approx(normal.probabilities, abs=1e-6)
    [pair], [normal_pair] = classifier.predict([nfd(REVIEW)], [nfd(CONTEXT)]), classifier.predict([REVIEW], [CONTEXT])
    assert pair.probabilities == pytest.approx(normal_pair.probabilities, abs=1e-6)


def test_entity_spans_of_nfd_text_point_into_the_text_as_given(recognizer) -> None:  # noqa: ANN001
    given = nfd(CONTEXT)
    [spans], [normal] = recognizer.predict([given]), recognizer.predict([CONTEXT])
    assert normal, "the random model predicts some entities"
    assert [(s.label, unicodedata.normalize("NFC", s.text)) for s in spans] == [(s.label, s.text) for s in normal]
    assert all(given[s.start:s.end] == s.text for s in spans)
    assert [s.start for s in spans] != [s.start for s in normal]  # offsets of the decomposed text, not the NFC one
    assert unicodedata.normalize("NFC", recognizer.tagged(given)) == recognizer.tagged(CONTEXT)


def test_qa_answers_in_an_nfd_context_point_into_the_context_as_given(answerer) -> None:  # noqa: ANN001
    given = nfd(CONTEXT)
    [answer], [normal] = answerer.predict([nfd("언제 세워졌나?")], [given]), answerer.predict(["언제 세워졌나?"], [CONTEXT])
    assert normal.text and given[answer.start_char:answer.end_char] == answer.text
    assert unicodedata.normalize("NFC", answer.text) == normal.text
    assert answer.score == pytest.approx(normal.score, abs=1e-5)
    assert answer.start_char >= normal.start_char and answer.end_char > normal.end_char


def test_masked_lm_reads_nfd_text_as_its_nfc_form(scorer, tokenizer) -> None:  # noqa: ANN001
    sentences = ["서울은 수도이다.", "배우들 연기가 좋았다"]
    assert scorer.pseudo_log_likelihoods([nfd(s) for s in sentences]) == pytest.approx(
        scorer.pseudo_log_likelihoods(sentences), abs=1e-5)
    text = f"배우들 연기가 {tokenizer.mask_token} 좋았다"
    assert scorer.fill_mask(nfd(text), top_k=3) == scorer.fill_mask(text, top_k=3)


# --- a [MASK] cut off by truncation -------------------------------------------------------------------------------


def test_fill_mask_says_when_the_mask_was_cut_off(scorer, tokenizer) -> None:  # noqa: ANN001
    long_text = " ".join(["배우들 연기가 좋았다"] * 20) + f" {tokenizer.mask_token}"
    with pytest.raises(ValueError) as error:
        scorer.fill_mask(long_text)
    message = str(error.value)
    assert "max_seq_length=16 토큰" in message and "잘렸습니다" in message and "고치는 법:" in message
    assert len(message) < 200
    with pytest.raises(ValueError, match=r"\[MASK\]가 0개 있습니다"):
        scorer.fill_mask("마스크가 없는 문장")
    with pytest.raises(TypeError, match="fill_mask는 문장 하나"):
        scorer.fill_mask([f"서울은 {tokenizer.mask_token}이다."])  # type: ignore[arg-type]
