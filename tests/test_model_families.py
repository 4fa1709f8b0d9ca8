"""Chapters 2-5 with any encoder family (issue 19): BERT, RoBERTa (byte-level BPE, and WordPiece as klue/roberta-base
ships it) and ELECTRA, each a tiny random model built offline (tests/conftest.py ``family_dir``).

What differs between the families is what these tests pin down: RoBERTa takes no ``token_type_ids`` (a pair's
second segment as 1 is an "index out of range" in its one-row segment embedding), uses 512 of its 514 positions,
and frames a pair as ``<s> A </s></s> B </s>`` (4 special tokens, not 3); offsets come from each family's own
fast tokenizer; exports reload in the project's predictors and in Hugging Face's pipelines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoConfig,
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    pipeline,
)

from conftest import FAMILIES, read_samples
from test_ner_features import allows_round_trip
from nbhelpers.checkpoints import atomic_save
from nbhelpers.classification.config import ClassificationConfig, PairClassificationConfig
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.predictor import Classifier
from nbhelpers.config import resolve_config
from nbhelpers.ner.features import IGNORE_INDEX, NERCollator, bio_labels, encode_ner, label_maps, round_trip
from nbhelpers.ner.predictor import EntityRecognizer
from nbhelpers.predictor import export_model, mark_validated
from nbhelpers.pretrained import (
    MODEL_CHOICES,
    TINY_ELECTRA,
    TINY_ROBERTA,
    check_max_seq_length,
    load_tokenizer,
    max_input_length,
    model_summary,
    pair_layout,
    resolve_pretrained,
    sends_token_type_ids,
    tokenizer_summary,
)
from nbhelpers.qa.dataset import QACollator, QADataset
from nbhelpers.qa.predictor import QuestionAnswerer
from nbhelpers.qa.windows import build_qa_features, label_text, tokenizer_overlap
from nbhelpers.task import parameter_groups

SEGMENTS = {"bert": True, "roberta": False, "electra": True, "roberta-wordpiece": False}
"""Whether the family's model has segment embeddings to look token_type_ids up in."""

PAIR_SPECIALS = {"bert": 3, "roberta": 4, "electra": 3, "roberta-wordpiece": 3}
"""Special tokens around a pair: [CLS] A [SEP] B [SEP], or RoBERTa's <s> A </s></s> B </s>."""

families = pytest.mark.parametrize("family", FAMILIES)


@pytest.fixture(scope="module")
def nli() -> tuple[list, list]:
    return read_samples("klue-nli")


@pytest.fixture(scope="module")
def ner() -> tuple[list, list]:
    return read_samples("ner")


@pytest.fixture(scope="module")
def korquad() -> tuple[list, list]:
    return read_samples("korquad-v1")


def tokenizer_of(family_dir: Callable[[str], Path], family: str):  # noqa: ANN201 (a fast tokenizer)
    return load_tokenizer(family_dir(family))


@families
def test_token_type_ids_follow_the_models_segment_embeddings(family_dir: Callable[[str], Path], family: str) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    assert sends_token_type_ids(tokenizer) is SEGMENTS[family]
    assert ("token_type_ids" in tokenizer("가", "나")) is SEGMENTS[family]
    # The decision is saved with the tokenizer: an export reloaded by plain transformers keeps it.
    tokenizer.save_pretrained(family_dir(family) / "resaved")
    assert ("token_type_ids" in AutoTokenizer.from_pretrained(family_dir(family) / "resaved")("가", "나")) is SEGMENTS[family]


@families
def test_pairs_use_the_tokenizers_own_special_tokens_and_train(
    family_dir: Callable[[str], Path], family: str, nli: tuple[list, list]
) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    assert pair_layout(tokenizer).special_tokens == PAIR_SPECIALS[family] == tokenizer.num_special_tokens_to_add(pair=True)
    train, _ = nli
    long_pair = dataclasses.replace(train[0], text_a=" ".join([train[0].text_a] * 10))
    dataset = encode_classification([long_pair, *train[:15]], tokenizer, max_seq_length=32)
    item = dataset[0]
    assert len(item["input_ids"]) == 32  # truncation counted this family's special tokens
    assert ("token_type_ids" in item) is SEGMENTS[family]
    ids = item["input_ids"]
    if family == "roberta":
        assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
        assert sum(a == b == tokenizer.sep_token_id for a, b in zip(ids, ids[1:])) == 1  # </s></s> between the texts
    else:
        assert ids[0] == tokenizer.cls_token_id and ids.count(tokenizer.sep_token_id) == 2
    if SEGMENTS[family]:
        assert 0 < item["token_type_ids"].count(1) < 32
    model = AutoModelForSequenceClassification.from_pretrained(family_dir(family), num_labels=3)
    batch = DataCollatorWithPadding(tokenizer)([dataset[i] for i in range(len(dataset))])
    model(**batch).loss.backward()  # a RoBERTa fed segment ids of 1 fails here with "index out of range"


@families
def test_max_input_length_is_where_the_model_stops_working(family_dir: Callable[[str], Path], family: str) -> None:
    config = AutoConfig.from_pretrained(family_dir(family))
    limit = max_input_length(config)
    assert limit == 512 and config.max_position_embeddings == (514 if family.startswith("roberta") else 512)
    model = AutoModelForSequenceClassification.from_pretrained(family_dir(family), num_labels=2).eval()
    with torch.no_grad():
        model(input_ids=torch.full((1, limit), 5))
        with pytest.raises((IndexError, RuntimeError)):  # "index out of range" (RoBERTa) or a size mismatch (BERT)
            model(input_ids=torch.full((1, limit + 1), 5))
    check_max_seq_length(ClassificationConfig(max_seq_length=limit), config)
    with pytest.raises(ValueError, match=f"max_position_embeddings={config.max_position_embeddings}.*{limit} 이하"):
        check_max_seq_length(ClassificationConfig(max_seq_length=limit + 1), config)
    assert Classifier(model, tokenizer_of(family_dir, family), max_seq_length=4096, device="cpu").max_seq_length == limit


def test_a_tokenizer_larger_than_the_models_vocabulary_is_refused(family_dir: Callable[[str], Path]) -> None:
    config = AutoConfig.from_pretrained(family_dir("bert"))
    with pytest.raises(ValueError, match="토크나이저의 어휘.*같은 이름"):
        check_max_seq_length(ClassificationConfig(max_seq_length=64), config, tokenizer_of(family_dir, "roberta"))
    check_max_seq_length(ClassificationConfig(max_seq_length=64), config, tokenizer_of(family_dir, "bert"))


@families
def test_ner_labels_follow_each_tokenizers_offsets(
    family_dir: Callable[[str], Path], family: str, ner: tuple[list, list]
) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    train, val = ner
    labels = bio_labels(sorted({s.label for e in train + val for s in e.entities}))
    id2label, label2id = label_maps(labels)
    dataset = encode_ner(val, tokenizer, label2id, max_seq_length=32, stride=8)
    assert ("token_type_ids" in dataset.encodings) is SEGMENTS[family]
    for window in range(len(dataset)):
        specials = tokenizer.get_special_tokens_mask(dataset.encodings["input_ids"][window], already_has_special_tokens=True)
        for special, piece, label in zip(specials, dataset.offsets[window], dataset.encodings["labels"][window]):
            assert (piece is None) == bool(special) and (label == IGNORE_INDEX) == bool(special)
    report = round_trip(dataset, id2label)
    # A sentence comes back exactly from its pieces' labels iff every entity boundary is a piece boundary
    # (byte-level BPE: pieces of one split syllable share its offsets, and count as one boundary).
    allowed = {e.guid for e in val if allows_round_trip(e, tokenizer)}
    assert {e.guid for e, _ in report.failures} == {e.guid for e in val} - allowed
    assert report.exact == len(allowed) > 0
    model = AutoModelForTokenClassification.from_pretrained(family_dir(family), num_labels=len(labels))
    batch = NERCollator(tokenizer)([dataset[i] for i in range(8)])
    batch.pop("feature_index")
    model(**batch).loss.backward()


@families
def test_ner_windows_are_merged_piece_by_piece_even_where_pieces_share_a_syllable(
    family_dir: Callable[[str], Path], family: str, ner: tuple[list, list]
) -> None:
    """Every piece of a long sentence comes back once, in order, with the label its central window gave it."""
    from nbhelpers.ner.features import merge_windows

    from nbhelpers.ner.examples import NERExample
    from nbhelpers.ner.spans import EntitySpan

    tokenizer = tokenizer_of(family_dir, family)
    # Rare syllables, which a byte-level vocabulary learnt from the samples cuts into several pieces each.
    rare = "뷁쀍똠얌 씨가 쌰뵹에서 왔다고 했다. 그 뒤로 뷁쀍똠얌 씨는 다시 오지 않았다"
    val = [*ner[1], NERExample("rare", rare, (EntitySpan(0, 4, "PER", "뷁쀍똠얌"), EntitySpan(8, 10, "LOC", "쌰뵹")))]
    labels = bio_labels(sorted({s.label for e in val for s in e.entities}))
    id2label, label2id = label_maps(labels)
    dataset = encode_ner(val, tokenizer, label2id, max_seq_length=16, stride=4)
    assert len(dataset) > len(val)  # many sentences take several windows
    # The prediction for a piece names the piece's place in its sentence: a label id per sentence position.
    predictions, seen = {}, {}
    for feature, owner in enumerate(dataset.example_index):
        number = seen.get(owner, 0)
        ids = []
        for piece in dataset.offsets[feature]:
            ids.append(0 if piece is None else (number % (len(labels) - 1)) + 1)
            number += piece is not None
        seen[owner] = number - dataset.stride
        predictions[feature] = ids
    merged = merge_windows(dataset, predictions, id2label)
    for example, pieces in zip(val, merged):
        offsets = [tuple(p) for p in tokenizer(example.text, return_offsets_mapping=True, add_special_tokens=False)["offset_mapping"]]
        assert [piece for piece, _, _ in pieces] == offsets
        assert [label for _, label, _ in pieces] == [id2label[n % (len(labels) - 1) + 1] for n in range(len(offsets))]
    if family == "roberta":
        assert any(len(set(o)) < len(o) for o in ([p for p, _, _ in pieces] for pieces in merged))  # shared offsets


@families
def test_qa_windows_equal_the_tokenizers_overflow_and_recover_answers(
    family_dir: Callable[[str], Path], family: str, korquad: tuple[list, list]
) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    train, _ = korquad
    max_seq_length, max_query_length, doc_stride = 64, 16, 20
    features = build_qa_features(train, tokenizer, max_seq_length, max_query_length, doc_stride)
    assert (features.token_type_ids is not None) is SEGMENTS[family]
    specials = tokenizer.num_special_tokens_to_add(pair=True)
    for index, example in enumerate(train[:20]):
        question_ids = tokenizer(example.question, add_special_tokens=False)["input_ids"]
        if len(question_ids) > max_query_length:
            continue
        reference = tokenizer(
            example.question, example.context, truncation="only_second", max_length=max_seq_length,
            stride=tokenizer_overlap(max_seq_length, len(question_ids), specials, doc_stride),
            return_overflowing_tokens=True,
        )
        rows = features.windows_of(index)
        assert [features.input_ids[r, : features.lengths[r]].tolist() for r in rows] == reference["input_ids"]
        if SEGMENTS[family]:
            assert [features.token_type_ids[r, : features.lengths[r]].tolist() for r in rows] == reference["token_type_ids"]
    stats = features.stats
    assert stats.not_in_any_window == 0 and stats.exact + stats.fused == stats.answerable == len(train)
    for index, example in enumerate(train):
        texts = {label_text(features, row, example.context) for row in features.windows_of(index)} - {""}
        assert len(texts) == 1 and example.answers[0].text in texts.pop()
    batch = QACollator()([QADataset(features)[i] for i in range(8)])
    assert ("token_type_ids" in batch) is SEGMENTS[family]
    batch.pop("feature_index")
    AutoModelForQuestionAnswering.from_pretrained(family_dir(family))(**batch).loss.backward()


@families
def test_weight_decay_by_shape_holds_for_every_family(family_dir: Callable[[str], Path], family: str) -> None:
    for auto in (AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoModelForQuestionAnswering):
        model = auto.from_pretrained(family_dir(family), num_labels=3)
        decay, keep = parameter_groups(model, 0.01)
        names = {id(p): n for n, p in model.named_parameters()}
        assert len(decay["params"]) + len(keep["params"]) == len(list(model.parameters()))
        for parameter in keep["params"]:
            assert names[id(parameter)].endswith("bias") or "norm" in names[id(parameter)].lower()
        for parameter in decay["params"]:
            assert parameter.dim() >= 2 and not names[id(parameter)].endswith("bias")


@families
def test_exports_reload_in_predictors_and_pipelines(
    family_dir: Callable[[str], Path], family: str, nli: tuple[list, list], tmp_path: Path
) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    _, val = nli
    premises, hypotheses = [e.text_a for e in val[:12]], [e.text_b for e in val[:12]]
    torch.manual_seed(5)
    model = AutoModelForSequenceClassification.from_pretrained(
        family_dir(family), num_labels=3, id2label={0: "entailment", 1: "contradiction", 2: "neutral"})
    expected = Classifier(model, tokenizer, max_seq_length=64, device="cpu").predict(premises, hypotheses)
    checkpoint = {
        "state_dict": {f"model.{key}": value for key, value in model.state_dict().items()},
        "hf_config": model.config.to_dict(),
        "hyper_parameters": {"pretrained_model_name": str(family_dir(family))},
    }
    atomic_save(checkpoint, tmp_path / "best.ckpt")
    mark_validated(model)
    export = export_model(model, tokenizer, tmp_path / "export")
    for source in (tmp_path / "best.ckpt", export):
        reloaded = Classifier.load(source, max_seq_length=64, device="cpu")
        assert type(reloaded.model).__name__ == type(model).__name__
        again = reloaded.predict(premises, hypotheses)
        assert [p.probabilities["neutral"] for p in again] == pytest.approx([p.probabilities["neutral"] for p in expected], abs=1e-5)
    classify = pipeline("text-classification", model=str(export), tokenizer=str(export), device="cpu", top_k=None)
    for premise, hypothesis, prediction in zip(premises, hypotheses, expected):
        scores = {found["label"]: found["score"] for found in classify({"text": premise, "text_pair": hypothesis})}
        assert scores == pytest.approx(prediction.probabilities, abs=1e-5)


@families
def test_entity_recognizer_and_question_answerer_reload_from_an_export(
    family_dir: Callable[[str], Path], family: str, ner: tuple[list, list], korquad: tuple[list, list], tmp_path: Path
) -> None:
    tokenizer = tokenizer_of(family_dir, family)
    _, ner_val = ner
    id2label, label2id = label_maps(bio_labels(["PER", "LOC", "ORG", "DAT", "NOH"]))
    torch.manual_seed(6)
    tagger = AutoModelForTokenClassification.from_pretrained(family_dir(family), id2label=id2label, label2id=label2id)
    with torch.no_grad():
        tagger.classifier.weight.mul_(50)
    texts = [e.text for e in ner_val[:10]]
    expected = EntityRecognizer(tagger, tokenizer, max_seq_length=32, device="cpu").predict(texts)
    assert sum(map(len, expected)) >= 5
    for spans, text in zip(expected, texts):
        assert all(text[s.start:s.end] == s.text for s in spans)
    mark_validated(tagger)
    export = export_model(tagger, tokenizer, tmp_path / "ner")
    assert EntityRecognizer.load(export, max_seq_length=32, device="cpu").predict(texts) == expected
    pipeline("token-classification", model=str(export), aggregation_strategy="simple", device="cpu")(texts[0])

    _, qa_val = korquad
    torch.manual_seed(7)
    reader = AutoModelForQuestionAnswering.from_pretrained(family_dir(family))
    settings = {"max_seq_length": 64, "max_query_length": 16, "doc_stride": 20}
    answers = QuestionAnswerer(reader, tokenizer, device="cpu", **settings).predict_examples(qa_val[:8])
    for example in qa_val[:8]:
        prediction = answers[example.qid]
        assert prediction.text == example.context[prediction.start_char:prediction.end_char]
    mark_validated(reader)
    export = export_model(reader, tokenizer, tmp_path / "qa")
    assert QuestionAnswerer.load(export, device="cpu", **settings).predict_examples(qa_val[:8]) == answers


@pytest.mark.parametrize(("name", "model_type", "tokenizer_class"), [
    (TINY_ROBERTA, "roberta", "RobertaTokenizer"), (TINY_ELECTRA, "electra", "BertTokenizer"),
])
def test_the_smoke_profile_builds_the_family_the_variable_names(
    name: str, model_type: str, tokenizer_class: str, nli: tuple[list, list]
) -> None:
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_PRETRAINED_MODEL_NAME": name}
    config = resolve_config(PairClassificationConfig(), env=env, show=False)
    path = resolve_pretrained(config, [text for e in nli[0] for text in (e.text_a, e.text_b)])
    assert AutoConfig.from_pretrained(path).model_type == model_type
    tokenizer = load_tokenizer(path)
    assert type(tokenizer).__name__ == tokenizer_class and len(tokenizer) > 100  # not a 5-token vocabulary
    summary = tokenizer_summary(tokenizer)
    if model_type == "roberta":
        assert "<s> A </s> </s> B </s> (특수 토큰 4개)" in summary and "token_type_ids는 넣지 않습니다" in summary
    else:
        assert "[CLS] A [SEP] B [SEP] (특수 토큰 3개)" in summary
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3)
    assert f"AutoModelForSequenceClassification가 고른 클래스: {type(model).__name__}" in model_summary(
        model, AutoModelForSequenceClassification)


def test_the_dropdown_offers_the_book_model_first_and_one_of_each_family() -> None:
    assert MODEL_CHOICES[0] == ClassificationConfig().pretrained_model_name == "beomi/kcbert-base"
    assert {"klue/bert-base", "klue/roberta-base", "monologg/koelectra-base-v3-discriminator"} <= set(MODEL_CHOICES)


def test_chapter_1_models_few_positions_are_named_in_the_error(tmp_path: Path) -> None:
    from nbhelpers.pretraining.config import PretrainConfig
    from nbhelpers.pretraining.model import bert_config_for
    from nbhelpers.wordpiece import train_wordpiece

    tokenizer = train_wordpiece(["서울은 수도이다.", "부산은 항구이다."] * 5, 100, tmp_path)
    shell = bert_config_for(PretrainConfig(max_seq_length=64, hidden_size=32, num_attention_heads=2), tokenizer)
    assert max_input_length(shell) == 64
    with pytest.raises(ValueError, match=r"max_seq_length=128.*\(64토큰\).*1장에서 직접 사전 학습한 모델이라면 1장의 max_seq_length.*64 이하로"):
        check_max_seq_length(ClassificationConfig(max_seq_length=128), shell)


def test_a_cached_smoke_model_belongs_to_its_seed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two runs on the same texts with other seeds get their own weights, whichever built its folder first."""
    import nbhelpers.pretrained as pretrained

    monkeypatch.setattr(pretrained, "TINY_CACHE", tmp_path)
    texts = ["배우들 연기가 정말 좋았다", "다시 보고 싶지 않은 영화", "음악이 오래 기억에 남는다"] * 20
    paths = {}
    for seed in (7, 8, 7):
        config = resolve_config(PairClassificationConfig(seed=seed), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
        paths.setdefault(seed, resolve_pretrained(config, texts))
        assert resolve_pretrained(config, texts) == paths[seed]
    assert paths[7] != paths[8]
    weights = [AutoModelForSequenceClassification.from_pretrained(paths[seed], num_labels=2).bert.embeddings
               .word_embeddings.weight for seed in (7, 8)]
    assert not torch.equal(*weights)


def test_building_the_smoke_model_leaves_the_random_state_as_a_cached_one_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A notebook run that builds the tiny model trains exactly like the next one, which finds it cached."""
    import nbhelpers.pretrained as pretrained

    monkeypatch.setattr(pretrained, "TINY_CACHE", tmp_path)
    texts = ["배우들 연기가 정말 좋았다", "다시 보고 싶지 않은 영화"] * 20
    config = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    draws = []
    for _ in ("built", "cached"):
        torch.manual_seed(0)
        resolve_pretrained(config, texts)
        draws.append(torch.rand(3))
    assert torch.equal(*draws)
