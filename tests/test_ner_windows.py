"""Overlapping NER windows: a long sentence's windows share ``stride`` pieces, each piece is labelled from
the window where it is most central, and spans -> labels -> spans survives the windowing."""

from __future__ import annotations

import pytest
from transformers import PreTrainedTokenizerBase

from nbhelpers.ner.examples import NERExample, entity_types
from nbhelpers.ner.features import bio_labels, decode_entity_spans, encode_ner, label_maps, merge_windows, round_trip
from nbhelpers.ner.kmou import KMOU_TAGS
from nbhelpers.ner.spans import parse_tagged

TAGGED = [
    "―<효진:PER> 역의 <김환희:PER>(<14:NOH>)가 특히 인상적이었다.",
    "<새솔은행:ORG> 측은 <2019년:DAT> 매출이 <3억 원:MNY>에 달했다고 밝혔다.",
    "<서울:LOC>에서 <부산:LOC>까지 가는 열차가 <오후 3시:TIM>에 출발한다.",
    "<김민준:PER> 씨는 <3년:DUR> 동안 <한빛전자:ORG>에서 일했다.",
    "<한빛전자:ORG>의 점유율은 <30%:PNT>로 집계됐다.",
    "<서울시:LOC>청 앞에서 <김민준:PER>과 <이서연:PER>이 만났다.",
]


@pytest.fixture(scope="module")
def tokenizer(ner_sample_tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    return ner_sample_tokenizer  # conftest: trained once on the NER sample for every NER test


@pytest.fixture(scope="module")
def long_sentence() -> NERExample:
    plain, found = parse_tagged(" ".join(TAGGED * 2))
    return NERExample("long", plain, tuple(found))


@pytest.fixture(scope="module")
def labels(long_sentence: NERExample) -> tuple[dict[int, str], dict[str, int]]:
    return label_maps(bio_labels(entity_types([long_sentence], KMOU_TAGS)))


def pieces(tokenizer: PreTrainedTokenizerBase, text: str) -> list[tuple[int, int]]:
    """The sentence's word pieces as characters, tokenised whole (independent of the windowing)."""
    return [tuple(o) for o in tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]]


def test_long_sentence_gets_windows_that_share_stride_pieces(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]], long_sentence: NERExample
) -> None:
    _, label2id = labels
    dataset = encode_ner([long_sentence], tokenizer, label2id, max_seq_length=24, stride=8)
    windows = [[piece for piece in offsets if piece is not None] for offsets in dataset.offsets]
    assert len(windows) > 4 and all(len(ids) <= 24 for ids in dataset.encodings["input_ids"])
    for left, right in zip(windows, windows[1:]):
        assert left[-8:] == right[:8]  # neighbours share exactly ``stride`` pieces
    assert sorted({piece for window in windows for piece in window}) == pieces(tokenizer, long_sentence.text)
    without = encode_ner([long_sentence], tokenizer, label2id, max_seq_length=24)
    assert len(without) < len(dataset)
    with pytest.raises(ValueError, match="stride=22"):
        encode_ner([long_sentence], tokenizer, label2id, max_seq_length=24, stride=22)


@pytest.mark.parametrize("stride", [8, 9])
def test_merged_labels_come_from_the_window_where_the_piece_is_most_central(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]], long_sentence: NERExample,
    stride: int,
) -> None:
    _, label2id = labels
    dataset = encode_ner([long_sentence], tokenizer, label2id, max_seq_length=24, stride=stride)
    # Every window "predicts" its own number for all its pieces, so the merge shows where each piece came from.
    predictions = {window: [window] * len(ids) for window, ids in enumerate(dataset.encodings["input_ids"])}
    merged = merge_windows(dataset, predictions, {window: f"W{window}" for window in predictions})[0]
    everything = pieces(tokenizer, long_sentence.text)
    assert [piece for piece, _, _ in merged] == everything
    source = {piece: window for piece, _, window in merged}
    windows = [[piece for piece in offsets if piece is not None] for offsets in dataset.offsets]
    for k in range(len(windows) - 2):  # overlaps between two full windows: the first half stays with k
        shared = windows[k][-stride:]
        half = (stride + 1) // 2  # on a tie (odd stride, middle piece) the earlier window of equal length
        assert [source[piece] for piece in shared] == [k] * half + [k + 1] * (stride - half)
    # So every piece keeps at least stride // 2 pieces of context on each side, unless the sentence ends first.
    for index, piece in enumerate(everything):
        window = windows[source[piece]]
        position = window.index(piece)
        before, after = position, len(window) - 1 - position
        assert before >= min(stride // 2, index) and after >= min(stride // 2, len(everything) - 1 - index)
    # The labels put on the pieces are the chosen windows' labels.
    assert all(label == f"W{window}" for _, label, window in merged)


def test_round_trip_through_overlapping_windows_is_unchanged(
    tokenizer: PreTrainedTokenizerBase, labels: tuple[dict[int, str], dict[str, int]], long_sentence: NERExample
) -> None:
    id2label, label2id = labels
    whole = round_trip(encode_ner([long_sentence], tokenizer, label2id, max_seq_length=512), id2label)
    windowed_dataset = encode_ner([long_sentence], tokenizer, label2id, max_seq_length=24, stride=8)
    assert len(windowed_dataset) > 4
    windowed = round_trip(windowed_dataset, id2label)
    decoded = windowed.failures[0][1] if windowed.failures else list(long_sentence.entities)
    expected = whole.failures[0][1] if whole.failures else list(long_sentence.entities)
    assert (windowed.exact, decoded) == (whole.exact, expected)
    # And the gold labels decode to the gold spans wherever the tokenizer allows it.
    short = [NERExample(f"s{i}", plain, tuple(found)) for i, (plain, found) in enumerate(map(parse_tagged, TAGGED))]
    short_trip = round_trip(encode_ner(short, tokenizer, label2id, max_seq_length=24, stride=8), id2label)
    plain_trip = round_trip(encode_ner(short, tokenizer, label2id, max_seq_length=512), id2label)
    assert short_trip.exact == plain_trip.exact
    # decode_entity_spans is the same merge: gold ids in, gold spans out
    gold = {i: [label if label != -100 else 0 for label in row] for i, row in enumerate(windowed_dataset.encodings["labels"])}
    assert decode_entity_spans(windowed_dataset, gold, id2label)[0] == decoded
