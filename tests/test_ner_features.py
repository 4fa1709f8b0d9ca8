"""NER alignment, round trip, collator masking, entity scores (checked against seqeval), the task's validation and predict."""

from __future__ import annotations

from pathlib import Path

import random

import pytest
import torch
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2
from torch.utils.data import DataLoader
from transformers import (
    BertForTokenClassification,
    PreTrainedTokenizerBase,
)

from nbhelpers.ner.examples import NERExample, entity_types
from nbhelpers.ner.kmou import KMOU_TAGS
from nbhelpers.ner.features import (
    IGNORE_INDEX,
    NERCollator,
    alignment_rows,
    bio_labels,
    encode_ner,
    label_maps,
    round_trip,
)
from nbhelpers.ner.metrics import EntityScores, entity_scores
from nbhelpers.ner.predictor import EntityRecognizer, render_entities_html
from nbhelpers.ner.spans import (
    EntitySpan,
    character_offsets,
    parse_tagged,
    spans_from_bio,
    spans_from_token_tags,
    stray_inside_tags,
    token_tags,
)
from nbhelpers.pretrained import tiny_bert_config

TAGGED = [
    "―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다.",
    "<새솔은행:ORG> 측은 <2019년:DAT> 매출이 <3억 원:MNY>에 달했다고 밝혔다.",
    "<서울:LOC>에서 <부산:LOC>까지 가는 열차가 <오후 3시:TIM>에 출발한다.",
    "<김민준:PER> 씨는 <3년:DUR> 동안 <한빛전자:ORG>에서 일했다.",
    "<한빛전자:ORG>의 점유율은 <30%:PNT>로 집계됐다.",
    "<이서연:PER>의 신작 ‘<푸른 바다:POH>’은 <5월 17일:DAT> 개봉한다.",
    "오늘은 하루 종일 비가 내렸다.",
    "<서울시:LOC>청 앞에서 <김민준:PER>과 <이서연:PER>이 만났다.",
]


def examples() -> list[NERExample]:
    result = []
    for index, tagged in enumerate(TAGGED):
        plain, found = parse_tagged(tagged)
        result.append(NERExample(f"fixture:{index}", plain, tuple(found)))
    return result


@pytest.fixture(scope="module")
def tokenizer(ner_sample_tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    return ner_sample_tokenizer  # conftest: trained once on the NER sample for every NER test


@pytest.fixture(scope="module")
def labels() -> tuple[dict[int, str], dict[str, int]]:
    return label_maps(bio_labels(entity_types(examples(), KMOU_TAGS)))


def test_token_tags_from_offsets() -> None:
    entities = [EntitySpan(0, 3, "PER", "김민준"), EntitySpan(6, 8, "LOC", "서울")]
    offsets = [None, (0, 2), (2, 4), (5, 6), (6, 8), None]
    assert token_tags(offsets, entities) == [None, "B-PER", "I-PER", "O", "B-LOC", None]


def test_token_tags_open_an_entity_once_when_byte_pieces_share_a_syllable() -> None:
    """RoBERTa's byte-level BPE cuts '김' into two pieces with the same offsets: one entity, not two."""
    text = "김민준 씨"
    entities = [EntitySpan(0, 3, "PER", "김민준")]
    offsets = [None, (0, 1), (0, 1), (1, 3), (4, 5), None]
    tags = token_tags(offsets, entities)
    assert tags == [None, "B-PER", "I-PER", "I-PER", "O", None]
    assert spans_from_token_tags(tags, offsets, text) == entities


def test_decode_spans_over_characters_including_inner_spaces() -> None:
    text = "서정마을 5단지가 올랐다"
    offsets = [None, (0, 2), (2, 4), (5, 6), (6, 8), (8, 9), (10, 13), None]
    tags = [None, "B-LOC", "I-LOC", "I-LOC", "I-LOC", "O", "B-DAT", None]
    found = spans_from_token_tags(tags, offsets, text)
    assert found == [EntitySpan(0, 8, "LOC", "서정마을 5단지"), EntitySpan(10, 13, "DAT", "올랐다")]


def test_decode_reads_strict_iob2_a_stray_inside_tag_is_no_entity() -> None:
    text = "서정마을 5단지가 올랐다"
    offsets = [None, (0, 2), (2, 4), (5, 6), (6, 8), (8, 9), (10, 13), None]
    # I-DAT after O, I-PER after a LOC entity: neither continues an entity of its type.
    tags = [None, "B-LOC", "I-LOC", "I-PER", "I-PER", "O", "I-DAT", None]
    assert spans_from_token_tags(tags, offsets, text) == [EntitySpan(0, 4, "LOC", "서정마을")]
    assert stray_inside_tags(tags) == [3, 4, 6]


def test_alignment_masks_special_tokens_and_shows_labels(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]]
) -> None:
    id2label, label2id = labels
    dataset = encode_ner(examples(), tokenizer, label2id, max_seq_length=32)
    rows = alignment_rows(dataset, 0, tokenizer, id2label)
    assert rows[0] == ("[CLS]", "", "-100") and rows[-1] == ("[SEP]", "", "-100")
    assert all(label != "-100" for _, _, label in rows[1:-1])
    # The word after the name is "역의", whole or split, depending on the vocabulary learnt from the samples.
    assert [(chars, label) for _, chars, label in rows[1:3]] == [("―", "O"), ("효진", "B-PER")]
    assert rows[3][1] in ("역", "역의") and rows[3][2] == "O"


def test_long_sentences_become_windows_not_truncated(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]]
) -> None:
    id2label, label2id = labels
    plain, found = parse_tagged(" ".join(TAGGED))
    long = NERExample("long", plain, tuple(found))
    dataset = encode_ner([long], tokenizer, label2id, max_seq_length=16)
    assert len(dataset) > 2 and set(dataset.example_index) == {0}
    assert all(len(ids) <= 16 for ids in dataset.encodings["input_ids"])
    report = round_trip(dataset, id2label)
    decoded = report.failures[0][1] if report.failures else list(long.entities)
    # Every entity is still there after windowing (possibly widened where a piece crosses its boundary).
    assert len(decoded) == len(long.entities)


def allows_round_trip(example: NERExample, tokenizer: PreTrainedTokenizerBase) -> bool:
    """Every entity boundary is a word-piece boundary (independent of the code under test)."""
    offsets = tokenizer(example.text, return_offsets_mapping=True, add_special_tokens=False)["offset_mapping"]
    starts = {start for start, _ in offsets}
    ends = {end for _, end in offsets}
    return all(span.start in starts and span.end in ends for span in example.entities)


def test_round_trip_exact_where_tokenizer_allows(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]]
) -> None:
    id2label, label2id = labels
    fixture = examples()
    dataset = encode_ner(fixture, tokenizer, label2id, max_seq_length=64)
    report = round_trip(dataset, id2label)
    allowed = [allows_round_trip(e, tokenizer) for e in fixture]
    failed = {example.guid for example, _ in report.failures}
    assert failed == {e.guid for e, ok in zip(fixture, allowed) if not ok}
    assert report.exact == sum(allowed) and report.total == len(fixture)
    assert 0 < len(failed) < len(fixture)  # the fixture exercises both cases
    print(f"round trip: {report.exact}/{report.total} exact, {len(failed)} blocked by the tokenizer: {sorted(failed)}")


def test_collator_puts_minus_100_on_special_and_padding_and_loss_ignores_them(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]]
) -> None:
    id2label, label2id = labels
    dataset = encode_ner(examples(), tokenizer, label2id, max_seq_length=64)
    batch = NERCollator(tokenizer)([dataset[i] for i in range(len(dataset))])
    assert batch["feature_index"].tolist() == list(range(len(dataset)))
    # [UNK] is a real word (its characters can be an entity); only [CLS], [SEP] and [PAD] carry no label.
    structural = [tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id]
    special = torch.isin(batch["input_ids"], torch.tensor(structural))
    assert (batch["input_ids"] == tokenizer.unk_token_id).any()
    assert (batch["attention_mask"] == 0).any()
    assert (batch["labels"][special] == IGNORE_INDEX).all()
    assert (batch["labels"][~special] != IGNORE_INDEX).all()

    config = tiny_bert_config(len(tokenizer))
    config.num_labels = len(id2label)
    torch.manual_seed(0)
    model = BertForTokenClassification(config)
    inputs = {k: v for k, v in batch.items() if k != "feature_index"}
    output = model(**inputs)
    counted = batch["labels"] != IGNORE_INDEX
    manual = torch.nn.functional.cross_entropy(output.logits[counted], batch["labels"][counted])
    assert torch.allclose(output.loss, manual)
    # Whatever the logits at ignored positions say, the loss does not move.
    changed = output.logits.detach().clone()
    changed[~counted] = 1e4
    loss_fn = torch.nn.CrossEntropyLoss()
    assert torch.allclose(
        loss_fn(changed.view(-1, len(id2label)), batch["labels"].view(-1)),
        loss_fn(output.logits.detach().view(-1, len(id2label)), batch["labels"].view(-1)),
    )


def tag_scores(gold: list[list[str]], predicted: list[list[str]]) -> EntityScores:
    """The package's own scores of tag sequences: its decoder (one tag per character of a dummy sentence), its metric."""
    texts = ["x" * len(tags) for tags in gold]
    return entity_scores(texts, [spans_from_bio(t, x) for t, x in zip(gold, texts)],
                         [spans_from_bio(t, x) for t, x in zip(predicted, texts)])


def char_tags(length: int, spans: list[EntitySpan]) -> list[str]:
    return [tag or "O" for tag in token_tags(character_offsets(length), spans)]


def test_entity_f1_equals_seqeval_on_hand_made_case() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "I-ORG", "I-ORG", "O", "B-PER"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG", "O"], ["B-ORG", "I-ORG", "O", "O", "B-PER"]]
    # By hand: gold PER, LOC, ORG, PER; predicted PER, ORG(wrong type), ORG(short), PER -> 2 correct of 4 and 4.
    scores = tag_scores(gold, pred)
    assert scores.precision_micro == pytest.approx(0.5) and scores.recall_micro == pytest.approx(0.5)
    assert scores.f1_micro == pytest.approx(0.5)
    assert scores.f1_micro == pytest.approx(f1_score(gold, pred, mode="strict", scheme=IOB2))
    assert scores.precision_micro == pytest.approx(precision_score(gold, pred, mode="strict", scheme=IOB2))
    assert scores.recall_micro == pytest.approx(recall_score(gold, pred, mode="strict", scheme=IOB2))
    # Macro: PER 1.0, LOC 0.0, ORG 0.0 (one wrong, one short) -> 1/3.
    assert scores.f1_macro == pytest.approx(1 / 3)
    assert scores.f1_macro == pytest.approx(f1_score(gold, pred, mode="strict", scheme=IOB2, average="macro"))
    assert scores.per_type["PER"]["f1"] == 1.0 and scores.per_type["PER"]["support"] == 2


def test_strict_iob2_rejects_an_entity_starting_with_inside() -> None:
    gold = [["B-PER", "I-PER", "O"]]
    assert tag_scores(gold, [["I-PER", "I-PER", "O"]]).f1_micro == 0.0


def test_entity_scores_on_characters() -> None:
    text = "김민준이 서울에 갔다"
    gold = [[EntitySpan(0, 3, "PER", "김민준"), EntitySpan(5, 7, "LOC", "서울")]]
    assert char_tags(len(text), gold[0])[:4] == ["B-PER", "I-PER", "I-PER", "O"]
    assert entity_scores([text], gold, gold).f1_micro == 1.0
    widened = [[EntitySpan(0, 4, "PER", "김민준이"), EntitySpan(5, 7, "LOC", "서울")]]
    scores = entity_scores([text], gold, widened)
    assert scores.f1_micro == pytest.approx(0.5) and scores.per_type["LOC"]["f1"] == 1.0


def random_spans(rng: random.Random, length: int, kinds: tuple[str, ...]) -> list[EntitySpan]:
    """Non-overlapping entities, adjacent ones of the same type included (B-X I-X B-X is two entities)."""
    spans: list[EntitySpan] = []
    position = 0
    while position < length:
        position += rng.choice((0, 0, 1, 2, 3))
        end = min(length, position + rng.randint(1, 4))
        if position < end:
            spans.append(EntitySpan(position, end, rng.choice(kinds), ""))
        position = end
    return spans


def test_span_scores_equal_seqeval_strict_iob2_on_characters() -> None:
    """The metric alone on valid tags: random gold/predicted span sets, adjacent same-type entities included."""
    rng = random.Random(0)
    for trial in range(200):
        kinds = ("PER", "LOC", "ORG", "DAT")[: rng.randint(1, 4)]
        lengths = [rng.randint(0, 25) for _ in range(rng.randint(1, 6))]
        gold = [random_spans(rng, n, kinds) for n in lengths]
        # Predictions: the gold spans, some moved, dropped, relabelled or replaced, so that every case occurs.
        predicted = [random_spans(rng, n, kinds) if rng.random() < 0.4 else
                     [s for s in g if rng.random() < 0.8] for n, g in zip(lengths, gold)]
        texts = ["가" * n for n in lengths]
        ours = entity_scores(texts, gold, predicted)
        y_true = [char_tags(n, g) for n, g in zip(lengths, gold)]
        y_pred = [char_tags(n, p) for n, p in zip(lengths, predicted)]
        assert_same_as_seqeval(ours, seqeval_strict(y_true, y_pred), trial)


def random_tags(rng: random.Random, length: int, kinds: tuple[str, ...]) -> list[str]:
    """Any tag at any position: most sequences hold I-X tags that continue nothing (invalid IOB2)."""
    tags = ["O", "O", *(f"{prefix}-{kind}" for kind in kinds for prefix in ("B", "I"))]
    return [rng.choice(tags) for _ in range(length)]


def seqeval_strict(y_true: list[list[str]], y_pred: list[list[str]]) -> dict:
    return classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)


def assert_same_as_seqeval(ours: EntityScores, theirs: dict, trial: int) -> None:
    micro = theirs.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    assert ours.precision_micro == pytest.approx(micro["precision"]), trial
    assert ours.recall_micro == pytest.approx(micro["recall"]), trial
    assert ours.f1_micro == pytest.approx(micro["f1-score"]), trial
    types = {kind: row for kind, row in theirs.items() if not kind.endswith(" avg")}
    assert ours.f1_macro == (pytest.approx(theirs["macro avg"]["f1-score"]) if types else 0.0), trial
    assert set(ours.per_type) == set(types), trial
    for kind, row in types.items():
        assert ours.per_type[kind]["f1"] == pytest.approx(row["f1-score"]), (trial, kind)
        assert ours.per_type[kind]["support"] == row["support"], (trial, kind)


def test_package_decoder_and_scores_equal_seqeval_strict_on_random_invalid_sequences() -> None:
    """The package's own decoder and metric, on thousands of random (mostly invalid) tag sequences, gold ones too."""
    rng = random.Random(0)
    sentences = stray = 0
    for trial in range(300):
        kinds = ("PS", "LC", "OG", "DT")[: rng.randint(1, 4)]
        lengths = [rng.randint(0, 30) for _ in range(rng.randint(1, 12))]
        gold = [random_tags(rng, n, kinds) for n in lengths]
        # Predictions: random, or the gold tags with some changed, so that correct entities occur too.
        predicted = [random_tags(rng, n, kinds) if rng.random() < 0.3 else
                     [tag if rng.random() < 0.85 else rng.choice(random_tags(rng, 1, kinds)) for tag in g]
                     for n, g in zip(lengths, gold)]
        texts = ["가" * n for n in lengths]
        ours = entity_scores(texts, [spans_from_bio(t, x) for t, x in zip(gold, texts)],
                             [spans_from_bio(t, x) for t, x in zip(predicted, texts)])
        assert_same_as_seqeval(ours, seqeval_strict(gold, predicted), trial)
        sentences += len(lengths)
        stray += sum(len(stray_inside_tags(t)) for t in gold + predicted)
    assert sentences > 1500 and stray > 5000  # thousands of sentences, most of them invalid IOB2


def test_word_piece_decoding_equals_seqeval_strict_on_random_invalid_sequences() -> None:
    """Tags per word piece (several characters, spaces between, special pieces at the ends) decode strictly too."""
    rng = random.Random(1)
    for trial in range(200):
        kinds = ("PER", "LOC", "ORG")[: rng.randint(1, 3)]
        texts: list[str] = []
        all_offsets: list[list[tuple[int, int] | None]] = []
        gold: list[list[str]] = []
        predicted: list[list[str]] = []
        for _ in range(rng.randint(1, 6)):
            offsets: list[tuple[int, int] | None] = [None]
            position = 0
            for _ in range(rng.randint(0, 15)):
                position += rng.choice((0, 0, 1))  # a space between some pieces
                width = rng.randint(1, 3)
                offsets.append((position, position + width))
                position += width
            offsets.append(None)
            pieces = len(offsets) - 2
            texts.append("나" * position)
            all_offsets.append(offsets)
            gold.append(random_tags(rng, pieces, kinds))
            predicted.append(random_tags(rng, pieces, kinds))

        def decode(tags: list[list[str]]) -> list[list[EntitySpan]]:
            return [spans_from_token_tags([None, *t, None], o, x) for t, o, x in zip(tags, all_offsets, texts)]

        ours = entity_scores(texts, decode(gold), decode(predicted))
        assert_same_as_seqeval(ours, seqeval_strict(gold, predicted), trial)


def test_entity_scores_refuse_spans_outside_their_text() -> None:
    with pytest.raises(ValueError, match=r"0번 문장: 예측 개체 EntitySpan\(start=1, end=5.*3글자 텍스트 범위를 벗어납니다"):
        entity_scores(["김민준"], [[]], [[EntitySpan(1, 5, "PER", "민준")]])


def test_recognizer_predicts_spans_over_original_text_and_renders(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]], tmp_path: Path
) -> None:
    id2label, label2id = labels
    config = tiny_bert_config(len(tokenizer))
    config.num_labels = len(id2label)
    config.id2label, config.label2id = id2label, label2id
    torch.manual_seed(0)
    model = BertForTokenClassification(config)
    # Bias the classifier towards B-PER then I-PER so the untrained model predicts entities.
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-5.0)
        model.classifier.bias[label2id["B-PER"]] = 5.0
    recognizer = EntityRecognizer(model, tokenizer, max_seq_length=16)
    text = "김민준 씨는 한빛전자에서 일했다."
    found = recognizer.predict([text])[0]
    assert found and all(text[s.start : s.end] == s.text for s in found)
    assert {s.label for s in found} == {"PER"}
    assert recognizer.tagged(text).count("<") == len(found)
    page = render_entities_html("<b>김</b>", [EntitySpan(3, 4, "PER", "김")])
    assert "&lt;b&gt;" in page and "PER" in page


def test_recognizer_reads_its_predictions_strictly(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]]
) -> None:
    """A model that answers I-PER for every piece names nobody (conlleval would find one person per sentence)."""
    id2label, label2id = labels
    config = tiny_bert_config(len(tokenizer))
    config.num_labels = len(id2label)
    config.id2label, config.label2id = id2label, label2id
    model = BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-5.0)
        model.classifier.bias[label2id["I-PER"]] = 5.0
    recognizer = EntityRecognizer(model, tokenizer, max_seq_length=16, stride=4)
    texts = ["김민준 씨는 한빛전자에서 일했다.", " ".join(TAGGED)]  # the second needs several windows
    assert recognizer.predict(texts) == [[], []]


def test_task_validation_logs_entity_f1(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]], tmp_path: Path
) -> None:
    import pytorch_lightning as pl

    from nbhelpers.ner.task import NERTask

    id2label, label2id = labels
    config = tiny_bert_config(len(tokenizer))
    config.num_labels, config.id2label, config.label2id = len(id2label), id2label, label2id
    model = BertForTokenClassification(config)
    dataset = encode_ner(examples(), tokenizer, label2id, max_seq_length=64)
    loader = DataLoader(dataset, batch_size=3, collate_fn=NERCollator(tokenizer))
    task = NERTask(model, learning_rate=1e-3)
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_checkpointing=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    result = trainer.validate(task, dataloaders=loader, verbose=False)[0]
    assert {"val_entity_f1", "val_entity_f1_macro", "val_loss", "val_token_acc"} <= set(result)
    assert task.scores is not None and 0.0 <= result["val_entity_f1"] <= 1.0
    assert task.monitor == "val_entity_f1" and task.mode == "max"
