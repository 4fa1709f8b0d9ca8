"""QA windows, labels and decoding: doc_stride as in the book, answers recovered through offsets."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from transformers import BertTokenizer, PreTrainedTokenizerBase

from nbhelpers.qa.dataset import QACollator, QADataset
from nbhelpers.qa.decode import decode_answers
from nbhelpers.qa.korquad import QAAnswer, QAExample
from nbhelpers.qa.korquad_eval import evaluate_examples
from nbhelpers.qa.predictor import QuestionAnswerer, answer_html
from nbhelpers.qa.windows import (
    NO_OFFSET,
    build_qa_features,
    check_window_settings,
    label_text,
    tokenizer_overlap,
    window_starts,
)
from nbhelpers.wordpiece import train_wordpiece


@pytest.fixture(scope="module")
def samples(samples_of: Callable[[str], tuple[list, list]]) -> tuple[list[QAExample], list[QAExample]]:
    """The embedded sample (written by nbhelpers/samples/make_qa.py): train and validation."""
    return samples_of("korquad-v1")


@pytest.fixture(scope="module")
def wordpiece(tmp_path_factory: pytest.TempPathFactory, samples: tuple[list, list]) -> PreTrainedTokenizerBase:
    """A WordPiece vocabulary like the smoke profile's: whole words with their particles are often one token."""
    train, _ = samples
    texts = list(dict.fromkeys(e.context for e in train)) + [e.question for e in train]
    return train_wordpiece(texts, 3000, tmp_path_factory.mktemp("wordpiece"), min_frequency=1)


@pytest.fixture(scope="module")
def syllables(samples: tuple[list, list]) -> PreTrainedTokenizerBase:
    """One token per character: every answer boundary is a token boundary (nothing fused)."""
    chars = sorted({ch for e in samples[0] + samples[1] for ch in e.context + e.question if not ch.isspace()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{ch}" for ch in chars)]
    tokenizer = BertTokenizer(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=False, tokenize_chinese_chars=True)
    assert len(tokenizer) == len(vocab)
    return tokenizer


def long_example(words: int = 150, answer_at: int | None = None, qid: str = "long") -> QAExample:
    tokens = [f"단어{i}" for i in range(words)]
    context = " ".join(tokens)
    answers: tuple[QAAnswer, ...] = ()
    if answer_at is not None:
        start = len(" ".join(tokens[:answer_at])) + (1 if answer_at else 0)
        answers = (QAAnswer(tokens[answer_at], start),)
    return QAExample(qid, "t", "몇 번째 단어인가?", context, answers)


def context_tokens_of(features, row: int) -> tuple[int, int]:
    positions = np.flatnonzero(features.offsets[row, :, 0] != NO_OFFSET)
    return int(positions[0]), int(positions[-1])


def test_window_starts_are_doc_stride_apart_as_in_the_book() -> None:
    assert window_starts(50, room=93, doc_stride=64) == [0]
    assert window_starts(93, room=93, doc_stride=64) == [0]
    assert window_starts(94, room=93, doc_stride=64) == [0, 64]
    assert window_starts(300, room=93, doc_stride=64) == [0, 64, 128, 192, 256]
    # The tokenizer's stride is the overlap: room minus step.
    assert tokenizer_overlap(max_seq_length=128, question_tokens=10, special_tokens=3, doc_stride=64) == 128 - 10 - 3 - 64


def test_windows_step_doc_stride_context_tokens(wordpiece: PreTrainedTokenizerBase) -> None:
    example = long_example(400)
    features = build_qa_features([example], wordpiece, max_seq_length=64, max_query_length=16, doc_stride=20)
    context = wordpiece(example.context, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
    firsts = []
    for row in range(len(features)):
        first, last = context_tokens_of(features, row)
        firsts.append(context.index(tuple(features.offsets[row, first])))
        assert features.lengths[row] <= 64
    assert all(b - a == 20 for a, b in zip(firsts, firsts[1:]))
    assert context.index(tuple(features.offsets[len(features) - 1, last])) == len(context) - 1  # end covered


@pytest.mark.parametrize("question", ["몇 번째?", "이 긴 질문은 여러 토큰으로 나뉘는 질문인데 몇 번째 단어를 묻는가?"])
def test_windows_equal_the_tokenizers_overflow_with_the_converted_stride(
    wordpiece: PreTrainedTokenizerBase, question: str
) -> None:
    example = QAExample("q", "t", question, long_example(300).context, ())
    max_seq_length, doc_stride = 64, 24
    features = build_qa_features([example], wordpiece, max_seq_length, max_query_length=24, doc_stride=doc_stride)
    question_tokens = len(wordpiece(question, add_special_tokens=False)["input_ids"])
    reference = wordpiece(
        question, example.context, truncation="only_second", max_length=max_seq_length,
        stride=tokenizer_overlap(max_seq_length, question_tokens, wordpiece.num_special_tokens_to_add(pair=True), doc_stride),
        return_overflowing_tokens=True, return_token_type_ids=True,
    )
    assert len(reference["input_ids"]) == len(features)
    for row, ids in enumerate(reference["input_ids"]):
        assert features.input_ids[row, : features.lengths[row]].tolist() == ids
        assert features.token_type_ids[row, : features.lengths[row]].tolist() == reference["token_type_ids"][row]


def test_question_is_truncated_to_max_query_length(wordpiece: PreTrainedTokenizerBase) -> None:
    question = " ".join(["아주"] * 50) + "?"
    example = QAExample("q", "t", question, "짧은 문맥이다", ())
    features = build_qa_features([example], wordpiece, max_seq_length=64, max_query_length=8, doc_stride=10)
    first, _ = context_tokens_of(features, 0)
    assert first == 1 + 8 + 1  # [CLS] 8 question tokens [SEP]


def test_windows_without_the_answer_point_at_cls_and_one_window_labels_it(wordpiece: PreTrainedTokenizerBase) -> None:
    example = long_example(300, answer_at=250)
    features = build_qa_features([example], wordpiece, max_seq_length=64, max_query_length=16, doc_stride=20)
    labelled = [row for row in range(len(features)) if features.start_positions[row] != 0]
    assert labelled and len(labelled) < len(features)
    for row in range(len(features)):
        if row not in labelled:
            assert features.start_positions[row] == features.end_positions[row] == 0
        else:
            assert label_text(features, row, example.context) == "단어250"


def test_answer_at_offset_zero_and_in_the_last_word(wordpiece: PreTrainedTokenizerBase) -> None:
    first = long_example(150, answer_at=0, qid="first")
    last = long_example(150, answer_at=149, qid="last")
    features = build_qa_features([first, last], wordpiece, max_seq_length=64, max_query_length=16, doc_stride=20)
    for index, example in enumerate((first, last)):
        rows = [r for r in features.windows_of(index) if features.start_positions[r] != 0]
        assert rows, example.qid
        for row in rows:
            assert features.end_positions[row] >= features.start_positions[row]
            assert label_text(features, row, example.context) == example.answers[0].text
    assert features.stats.exact == 2 and features.stats.not_in_any_window == 0


def test_every_sample_answer_is_recovered_or_counted_as_fused(
    wordpiece: PreTrainedTokenizerBase, samples: tuple[list, list]
) -> None:
    for examples in samples:
        features = build_qa_features(examples, wordpiece, max_seq_length=128, max_query_length=32, doc_stride=64)
        stats = features.stats
        assert stats.answerable == len(examples) and stats.not_in_any_window == 0
        assert stats.exact + stats.fused == stats.answerable
        assert max(np.bincount(features.example_index)) > 1  # some contexts really need several windows
        exact = fused = 0
        for index, example in enumerate(examples):
            gold = example.answers[0].text
            texts = {label_text(features, r, example.context) for r in features.windows_of(index)} - {""}
            assert len(texts) == 1, example.qid  # every window holding the answer labels the same span
            (text,) = texts
            if text == gold:
                exact += 1
            else:
                # The closest token-boundary span: the gold answer plus characters fused to it.
                assert text.startswith(gold) or text.endswith(gold), (example.qid, gold, text)
                assert len(text) > len(gold)
                fused += 1
        assert (exact, fused) == (stats.exact, stats.fused)


def gold_logits(features) -> tuple[np.ndarray, np.ndarray]:
    rows, width = features.input_ids.shape
    starts = np.full((rows, width), -5.0, dtype=np.float32)
    ends = starts.copy()
    starts[np.arange(rows), features.start_positions] = 5.0
    ends[np.arange(rows), features.end_positions] = 5.0
    return starts, ends


def test_gold_logits_decode_to_em_and_f1_of_100(syllables: PreTrainedTokenizerBase, samples: tuple[list, list]) -> None:
    for examples in samples:
        features = build_qa_features(examples, syllables, max_seq_length=128, max_query_length=32, doc_stride=64)
        assert features.stats.fused == 0 and features.stats.exact == len(examples)
        assert max(np.bincount(features.example_index)) > 1
        predictions = decode_answers(examples, features, *gold_logits(features))
        assert evaluate_examples(examples, {q: p.text for q, p in predictions.items()}) == {"exact_match": 100.0, "f1": 100.0}
        for example in examples:
            p = predictions[example.qid]
            assert example.context[p.start_char:p.end_char] == p.text == example.answers[0].text
            assert p.start_char == example.answers[0].answer_start


def test_decoding_respects_order_length_and_context(wordpiece: PreTrainedTokenizerBase) -> None:
    example = long_example(40, answer_at=10)
    features = build_qa_features([example], wordpiece, max_seq_length=128, max_query_length=16, doc_stride=64)
    width = features.input_ids.shape[1]
    starts = np.zeros((1, width), dtype=np.float32)
    ends = np.zeros((1, width), dtype=np.float32)
    first, last = context_tokens_of(features, 0)
    starts[0, 0] = ends[0, 0] = 100.0  # [CLS] and question tokens are never answers
    starts[0, 1] = ends[0, 1] = 90.0
    starts[0, first + 20] = 10.0  # best start lies after the best end: not allowed
    ends[0, first + 5] = 10.0
    starts[0, first + 3], ends[0, first + 4] = 8.0, 7.0
    prediction = decode_answers([example], features, starts, ends)["long"]
    expected = example.context[features.offsets[0, first + 3, 0]:features.offsets[0, first + 5, 1]]
    assert prediction.text == expected and prediction.score == pytest.approx(18.0)
    assert 0 < prediction.probability <= 1
    short = decode_answers([example], features, starts, ends, max_answer_length=2)["long"]
    assert len(short.text.split()) <= 2


class PointingModel(torch.nn.Module):
    """Puts all start/end mass on one token id: the answer is wherever that token is."""

    def __init__(self, target_id: int) -> None:
        super().__init__()
        self.target_id = target_id
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids: torch.Tensor, **_: torch.Tensor) -> SimpleNamespace:
        logits = (input_ids == self.target_id).float() * 10.0 + self.dummy
        return SimpleNamespace(start_logits=logits, end_logits=logits)


def test_question_answerer_reads_past_the_first_window(wordpiece: PreTrainedTokenizerBase) -> None:
    target = "갈비탕"
    (target_id,) = wordpiece(target, add_special_tokens=False)["input_ids"]
    context = " ".join(["그해 겨울은 유난히 추웠다."] * 60) + f" 그가 좋아한 음식은 {target}"
    assert len(wordpiece(context)["input_ids"]) > 300
    answerer = QuestionAnswerer(PointingModel(target_id), wordpiece)
    prediction = answerer.answer("정상에는 무엇이 있나?", context)
    assert (prediction.text, prediction.start_char, prediction.end_char) == (target, len(context) - 3, len(context))
    html = answer_html(context, prediction)
    assert "<mark" in html and prediction.text in html


def test_collator_pads_per_batch_or_to_a_fixed_length(wordpiece: PreTrainedTokenizerBase) -> None:
    examples = [long_example(3, answer_at=1, qid="a"), long_example(30, answer_at=20, qid="b")]
    features = build_qa_features(examples, wordpiece, max_seq_length=128, max_query_length=16, doc_stride=64)
    dataset = QADataset(features, examples)
    items = [dataset[i] for i in range(len(dataset))]
    batch = QACollator()(items)
    assert batch["input_ids"].shape[1] == int(features.lengths.max())
    assert batch["attention_mask"].sum(dim=1).tolist() == features.lengths.tolist()
    assert batch["feature_index"].tolist() == [0, 1]
    assert QACollator(fixed_length=128)(items)["input_ids"].shape[1] == 128
    assert QACollator(multiple_of=8)(items)["input_ids"].shape[1] % 8 == 0
    tpu = SimpleNamespace(accelerator="tpu", max_seq_length=128)
    assert QACollator.for_config(tpu).fixed_length == 128


def test_window_settings_are_checked(wordpiece: PreTrainedTokenizerBase) -> None:
    assert check_window_settings(wordpiece, 128, 32, 64) == 93
    with pytest.raises(ValueError, match="doc_stride"):
        check_window_settings(wordpiece, 64, 32, 40)
    with pytest.raises(ValueError, match="max_seq_length"):
        check_window_settings(wordpiece, 30, 32, 10)


def test_a_printed_answer_reads_as_text_place_and_confidence() -> None:
    from nbhelpers.qa.decode import QAPrediction

    prediction = QAPrediction("1949년", 5, 10, 7.7471418, 0.5296588)
    assert repr(prediction) == str(prediction) == "'1949년' (글자 5–10, 점수 7.75, 확률 0.53)"
    assert f"{[prediction]}" == "['1949년' (글자 5–10, 점수 7.75, 확률 0.53)]"
    assert QAPrediction("", 0, 0, float("-inf"), 0.0).__repr__() == "'' (글자 0–0, 점수 -inf, 확률 0.00)"
