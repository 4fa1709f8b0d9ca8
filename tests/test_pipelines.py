"""The exported models work outside the project: Hugging Face's pipelines (and plain transformers for QA)
give the same answers as the project's predictors on the same weights.

The models are tiny and untrained, so their predictions are arbitrary: many short entities with B/I
tags in every order, answers anywhere in the context. Equal answers on those say the two decoders
follow the same rule, not that a good model happens to agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import (
    AutoModelForQuestionAnswering,
    AutoModelForTokenClassification,
    AutoTokenizer,
    PreTrainedTokenizerBase,
    pipeline,
)
from transformers.pipelines import SUPPORTED_TASKS

from nbhelpers.ner.features import bio_labels, label_maps
from nbhelpers.ner.predictor import EntityRecognizer
from nbhelpers.qa.predictor import QuestionAnswerer

SENTENCES = [
    "―효진 역의 김환희(14)가 특히 인상적이었다.",
    "이서연 씨는 3년 동안 한빛전자에서 일했다.",
    "김민준 감독은 지난해 12월 부산에서 열린 기자회견에 참석했다.",
    "2019년 3월 1일 오전 10시, 서울 종로구 광화문 광장에서 100주년 기념식이 열렸다.",
    "LG CNS와 KorQuAD 1.0을 만든 사람들은 (주)한빛전자 직원이 아니다!",
]


def _export(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, path: Path) -> Path:
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def ner_export(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    id2label, label2id = label_maps(bio_labels(["PER", "LOC", "ORG", "DAT", "TIM", "NOH"]))
    torch.manual_seed(3)
    model = AutoModelForTokenClassification.from_pretrained(tiny_model_dir, id2label=id2label, label2id=label2id)
    with torch.no_grad():  # spread the untrained head's scores so that every label gets predicted somewhere
        model.classifier.weight.mul_(50)
    return _export(model, AutoTokenizer.from_pretrained(tiny_model_dir), tmp_path_factory.mktemp("ner-export"))


def test_token_classification_pipeline_simple_differs_from_entity_recognizer_only_by_strict_iob2(
    ner_export: Path,
) -> None:
    """"simple" starts an entity at a stray I-X (conlleval); EntityRecognizer reads strict IOB2, as KLUE scores.

    So every entity the recognizer finds, the pipeline finds too, and the pipeline's extra entities are
    exactly those whose first piece is labelled I-X.
    """
    recognizer = EntityRecognizer.load(ner_export, max_seq_length=128)
    ner = pipeline("token-classification", model=str(ner_export), aggregation_strategy="simple", device="cpu")
    pieces = pipeline("token-classification", model=str(ner_export), aggregation_strategy="none", device="cpu")
    expected = [{(s.start, s.end, s.label) for s in spans} for spans in recognizer.predict(SENTENCES)]
    found = [{(e["start"], e["end"], e["entity_group"]) for e in ner(sentence)} for sentence in SENTENCES]
    extra = 0
    for sentence, strict, simple in zip(SENTENCES, expected, found):
        first_label = {piece["start"]: piece["entity"] for piece in pieces(sentence)}
        assert strict <= simple, sentence
        assert all(first_label[start].startswith("I-") for start, _, _ in simple - strict), sentence
        assert all(first_label[start].startswith("B-") for start, _, _ in strict), sentence
        extra += len(simple - strict)
    assert extra > 0  # the untrained model does produce stray I- tags here, so the rule was exercised
    assert sum(map(len, expected)) >= 10  # the comparison covered many entities, not empty lists
    kinds = {label for spans in expected for _, _, label in spans}
    assert len(kinds) >= 3


def test_word_level_aggregation_labels_whole_words(ner_export: Path) -> None:
    """Why the notebook uses "simple": "first" labels whole words, and a Korean word (어절) carries its particle.

    "simple" keeps the project's piece-level spans, so an entity may end inside a word (``김환희`` of
    ``김환희가``); "first" gives every piece of a word the first piece's label, so entities are whole words.
    """
    tokenizer = AutoTokenizer.from_pretrained(ner_export)
    simple = pipeline("token-classification", model=str(ner_export), aggregation_strategy="simple", device="cpu")
    first = pipeline("token-classification", model=str(ner_export), aggregation_strategy="first", device="cpu")
    inside_words = 0
    for sentence in SENTENCES:
        words = [span for _, span in tokenizer.backend_tokenizer.pre_tokenizer.pre_tokenize_str(sentence)]
        starts, ends = {start for start, _ in words}, {end for _, end in words}
        for entity in first(sentence):
            assert entity["start"] in starts and entity["end"] in ends, (sentence, entity)
        inside_words += sum(e["start"] not in starts or e["end"] not in ends for e in simple(sentence))
    assert inside_words > 0  # on these sentences the two strategies really differ


CONTEXT = (
    "한라산은 제주도 한가운데에 있는 화산으로, 높이는 1,947m이며 남한에서 가장 높은 산이다. "
    "정상에는 백록담이라는 화구호가 있고, 1970년에 국립공원으로 지정되었다."
)
QUESTIONS = ["한라산의 높이는?", "백록담은 어디에 있나?", "국립공원이 된 해는?", "남한에서 가장 높은 산은?"]


def transformers_answer(model: torch.nn.Module, tokenizer: PreTrainedTokenizerBase, question: str, context: str,
                        max_answer_length: int) -> tuple[int, int]:
    """Characters of the best span, with plain transformers (what the notebook shows): the highest
    start + end score among spans inside the context, end not before start, at most ``max_answer_length``."""
    inputs = tokenizer(question, context, truncation="only_second", return_offsets_mapping=True, return_tensors="pt")
    offsets = inputs.pop("offset_mapping")[0]
    with torch.no_grad():
        output = model(**inputs)
    in_context = torch.tensor([sequence == 1 for sequence in inputs.sequence_ids(0)])
    scores = output.start_logits[0][:, None] + output.end_logits[0][None, :]
    allowed = torch.ones_like(scores, dtype=torch.bool).triu().tril(max_answer_length - 1)
    allowed &= in_context[:, None] & in_context[None, :]
    start, end = divmod(int(scores.masked_fill(~allowed, float("-inf")).argmax()), scores.shape[1])
    return int(offsets[start][0]), int(offsets[end][1])


@pytest.fixture(scope="module")
def qa_export(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(5)
    model = AutoModelForQuestionAnswering.from_pretrained(tiny_model_dir)
    return _export(model, AutoTokenizer.from_pretrained(tiny_model_dir), tmp_path_factory.mktemp("qa-export"))


@pytest.mark.parametrize("max_answer_length", [30, 3])
def test_plain_transformers_qa_matches_question_answerer(qa_export: Path, max_answer_length: int) -> None:
    tokenizer = AutoTokenizer.from_pretrained(qa_export)
    model = AutoModelForQuestionAnswering.from_pretrained(qa_export).eval()
    # One window holds the whole context (128 tokens); n_best_size covers every token, so both search all spans.
    answerer = QuestionAnswerer.load(qa_export, max_seq_length=128, max_query_length=32, doc_stride=64,
                                     n_best_size=128, max_answer_length=max_answer_length)
    assert len(tokenizer(QUESTIONS[0], CONTEXT)["input_ids"]) <= 128
    predictions = answerer.predict(QUESTIONS, [CONTEXT] * len(QUESTIONS))
    spans = {(p.start_char, p.end_char) for p in predictions}
    for question, prediction in zip(QUESTIONS, predictions, strict=True):
        start, end = transformers_answer(model, tokenizer, question, CONTEXT, max_answer_length)
        assert (start, end) == (prediction.start_char, prediction.end_char)
        assert CONTEXT[start:end] == prediction.text != ""
    assert len(spans) > 1  # different questions got different answers: the comparison is not trivial


@pytest.mark.skipif("question-answering" not in SUPPORTED_TASKS,
                    reason="transformers 5.3 removed pipeline('question-answering')")
def test_qa_pipeline_matches_question_answerer_where_it_exists(qa_export: Path) -> None:  # pragma: no cover
    answerer = QuestionAnswerer.load(qa_export, max_seq_length=128, n_best_size=128, max_answer_length=30)
    qa = pipeline("question-answering", model=str(qa_export), device="cpu")
    for question, prediction in zip(QUESTIONS, answerer.predict(QUESTIONS, [CONTEXT] * len(QUESTIONS)), strict=True):
        found = qa(question=question, context=CONTEXT, max_answer_len=30, max_seq_len=128, align_to_words=False)
        assert (found["start"], found["end"]) == (prediction.start_char, prediction.end_char)
