"""NER model inputs: sentences to word-piece windows with BIO label ids, the collator, and back to spans.

Entities live on characters (``EntitySpan``); BERT classifies word pieces. The fast tokenizer's offset
mapping says which characters each word piece covers, which is all that is needed both ways (the
conversions themselves are in ``nbhelpers.ner.spans``):

* encoding: a piece that overlaps an entity gets ``B-TYPE`` if it holds the entity's first character
  and ``I-TYPE`` otherwise; other pieces get ``O``; special tokens (``[CLS]``/``[SEP]``, ``<s>``/``</s>``)
  and later padding get ``-100``, the index PyTorch's cross-entropy ignores, so they never reach the loss
  or the metrics;
* decoding: consecutive ``B-X I-X ...`` pieces become one span from the first piece's first character
  to the last piece's last character, over the original text (spaces inside an entity included); an
  ``I-X`` that continues no ``X`` entity is no entity (strict IOB2, as the metric counts).

A sentence longer than ``max_seq_length`` is cut into several windows (``return_overflowing_tokens``)
instead of being truncated, so no entity is silently lost from training or from evaluation. Neighbouring
windows share ``stride`` word pieces, as QA's context windows do: without the overlap, a piece at the
end of one window would be labelled seeing only what comes before it, and the piece after it seeing
only what follows. Decoding takes each piece's label from the window where the piece is most central
(the most context on its poorer side, BERT's "max context" rule for SQuAD), so every piece is judged
with at least ``stride // 2`` pieces of context on both sides unless the sentence itself ends there.

The round trip spans -> labels -> spans is exact unless an entity boundary falls inside a word piece
(``<7년:DUR>동안`` tokenized as ``7``, ``##년동안``); ``round_trip`` counts those sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import Dataset
from transformers import DataCollatorForTokenClassification, PreTrainedTokenizerBase

from nbhelpers.encoding import encode_in_chunks
from nbhelpers.ner.examples import NERExample
from nbhelpers.ner.metrics import EntityScores, entity_scores
from nbhelpers.ner.spans import EntitySpan, Offsets, spans_from_token_tags, token_tags
from nbhelpers.pretrained import sends_token_type_ids

IGNORE_INDEX = -100
"""Label of special and padding positions: ``torch.nn.CrossEntropyLoss`` skips it."""


def bio_labels(entity_types: Sequence[str]) -> list[str]:
    """``O`` then ``B-X``, ``I-X`` for every type: the label list saved with the model."""
    return ["O"] + [f"{prefix}-{kind}" for kind in entity_types for prefix in ("B", "I")]


def label_maps(labels: Sequence[str]) -> tuple[dict[int, str], dict[str, int]]:
    """``id2label`` and ``label2id`` for ``from_pretrained`` (they end up in the checkpoint's config)."""
    return dict(enumerate(labels)), {label: index for index, label in enumerate(labels)}


class NERDataset(Dataset):
    """Word-piece windows of every sentence with their labels; the collator pads each batch.

    Attributes:
        examples: The sentences, in order.
        encodings: ``input_ids``, ``attention_mask``, ``token_type_ids`` (only for models that have segment
            embeddings, :func:`nbhelpers.pretrained.sends_token_type_ids`) and ``labels`` per window.
        offsets: Characters of each word piece per window (``None`` for special tokens).
        example_index: Which sentence each window belongs to.
        stride: Word pieces that neighbouring windows of a sentence share.
    """

    def __init__(
        self,
        examples: Sequence[NERExample],
        encodings: dict[str, list[list[int]]],
        offsets: list[list[Offsets]],
        example_index: list[int],
        stride: int = 0,
    ) -> None:
        self.examples = list(examples)
        self.encodings = encodings
        self.offsets = offsets
        self.example_index = example_index
        self.stride = stride

    def __len__(self) -> int:
        return len(self.example_index)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item: dict[str, Any] = {key: values[index] for key, values in self.encodings.items()}
        item["feature_index"] = index
        return item


def encode_ner(
    examples: Sequence[NERExample],
    tokenizer: PreTrainedTokenizerBase,
    label2id: Mapping[str, int],
    max_seq_length: int,
    stride: int = 0,
) -> NERDataset:
    """Tokenize sentences in large batches into windows of at most ``max_seq_length`` pieces, with labels.

    A longer sentence gives several windows; neighbouring ones share ``stride`` word pieces.
    """
    if not tokenizer.is_fast:
        raise TypeError("NER에는 글자 위치(offset mapping)를 주는 fast tokenizer가 필요합니다. 고치는 법: AutoTokenizer.from_pretrained로 불러오세요.")
    room = max_seq_length - tokenizer.num_special_tokens_to_add()
    if not 0 <= stride < room:
        raise ValueError(
            f"stride={stride}: max_seq_length={max_seq_length}에서 이웃한 창이 겹칠 수 있는 토큰은 0~{room - 1}개입니다. "
            "고치는 법: stride를 줄이거나(보통 max_seq_length의 4분의 1) max_seq_length를 늘리세요."
        )
    encoded = encode_in_chunks(
        tokenizer,
        [example.text for example in examples],
        truncation=True,
        max_length=max_seq_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_token_type_ids=sends_token_type_ids(tokenizer),
    )
    owners: list[int] = encoded.get("overflow_to_sample_mapping", [])
    all_offsets: list[list[Offsets]] = []
    all_labels: list[list[int]] = []
    for window, owner in enumerate(owners):
        example = examples[owner]
        offsets: list[Offsets] = [
            None if special else (start, end)
            for (start, end), special in zip(encoded["offset_mapping"][window], encoded["special_tokens_mask"][window])
        ]
        try:
            labels = [IGNORE_INDEX if tag is None else label2id[tag] for tag in token_tags(offsets, example.entities)]
        except KeyError as error:
            raise KeyError(
                f"{example.guid}: 레이블 {error.args[0]}이(가) 레이블 목록 {list(label2id)}에 없습니다. "
                "고치는 법: 레이블 목록을 학습 예제와 검증 예제를 합쳐서 만드세요."
            ) from None
        all_offsets.append(offsets)
        all_labels.append(labels)
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if sends_token_type_ids(tokenizer) else [])
    encodings = {key: encoded.get(key, []) for key in inputs}
    encodings["labels"] = all_labels
    return NERDataset(examples, encodings, all_offsets, owners, stride)


class NERCollator:
    """``DataCollatorForTokenClassification`` (pads ``labels`` with -100) that keeps ``feature_index``.

    The index lets validation put each window's predictions back on its sentence's characters.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, **padding: Any) -> None:
        self.inner = DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE_INDEX, **padding)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        indices = [feature["feature_index"] for feature in features]
        batch = self.inner([{k: v for k, v in feature.items() if k != "feature_index"} for feature in features])
        batch["feature_index"] = torch.tensor(indices, dtype=torch.long)
        return batch


def merge_windows(
    dataset: NERDataset, predictions: Mapping[int, Sequence[int]], id2label: Mapping[int, str]
) -> list[list[tuple[tuple[int, int], str, int]]]:
    """Per sentence, ``(characters, label, window)`` of every word piece, in order, from its most central window.

    A piece that two overlapping windows share takes the label of the window where it has the most
    context on its poorer side (``min(pieces before, pieces after)`` inside the window; on a tie the
    longer window, then the earlier one), as BERT's SQuAD code picks a token's "max context" window.
    Pieces are told apart by their place in the sentence, not by their characters: a byte-level tokenizer
    (RoBERTa's) cuts one syllable into several pieces with the same characters, each with its own label.
    """
    best: list[dict[int, tuple[float, tuple[int, int], str, int]]] = [{} for _ in dataset.examples]
    next_start: dict[int, int] = {}  # the sentence's piece number where its next window begins
    for feature, owner in enumerate(dataset.example_index):
        pieces = [piece for piece in dataset.offsets[feature] if piece]
        start = next_start.get(owner, 0)
        next_start[owner] = start + len(pieces) - dataset.stride
        ids = predictions.get(feature)
        if ids is None:
            continue
        content = [(position, piece) for position, piece in enumerate(dataset.offsets[feature][: len(ids)]) if piece]
        if not content:
            continue
        first, last = content[0][0], content[-1][0]
        chosen = best[owner]
        for number, (position, piece) in enumerate(content, start):
            score = min(position - first, last - position) + 0.01 * len(content)
            if number not in chosen or score > chosen[number][0]:
                chosen[number] = (score, piece, id2label[int(ids[position])], feature)
    return [[(piece, label, window) for _, (_, piece, label, window) in sorted(chosen.items())] for chosen in best]


def decode_entity_spans(
    dataset: NERDataset, predictions: Mapping[int, Sequence[int]], id2label: Mapping[int, str]
) -> list[list[EntitySpan]]:
    """Entity spans per sentence from label ids per window (``predictions[feature_index]``).

    The windows of a sentence are merged piece by piece (:func:`merge_windows`) before decoding, so an
    entity cut by a window border comes back whole; a sentence none of whose windows has predictions
    gets no entities.
    """
    merged = merge_windows(dataset, predictions, id2label)
    return [
        spans_from_token_tags([label for _, label, _ in pieces], [piece for piece, _, _ in pieces], example.text)
        for pieces, example in zip(merged, dataset.examples)
    ]


@dataclass
class RoundTrip:
    """How many sentences survive gold spans -> word-piece labels -> spans unchanged.

    Attributes:
        total: Sentences checked.
        exact: Sentences whose decoded spans equal the gold spans.
        failures: ``(example, decoded spans)`` of the others: an entity boundary inside a word piece.
        scores: Entity scores of the decoded spans against the gold ones: the entity F1 of a model that
            predicts every word-piece label right, the ceiling for this tokenizer.
    """

    total: int = 0
    exact: int = 0
    failures: list[tuple[NERExample, list[EntitySpan]]] = field(default_factory=list)
    scores: EntityScores | None = None


def round_trip(dataset: NERDataset, id2label: Mapping[int, str]) -> RoundTrip:
    """Decode the dataset's own labels and compare with the gold spans, sentence by sentence and scored."""
    gold_ids = {i: [label if label != IGNORE_INDEX else 0 for label in labels]
                for i, labels in enumerate(dataset.encodings["labels"])}
    decoded = decode_entity_spans(dataset, gold_ids, id2label)
    report = RoundTrip(total=len(dataset.examples))
    report.scores = entity_scores(
        [example.text for example in dataset.examples], [example.entities for example in dataset.examples], decoded
    )
    for example, spans in zip(dataset.examples, decoded):
        if [(s.start, s.end, s.label) for s in spans] == [(s.start, s.end, s.label) for s in example.entities]:
            report.exact += 1
        else:
            report.failures.append((example, spans))
    return report


def alignment_rows(
    dataset: NERDataset, feature: int, tokenizer: PreTrainedTokenizerBase, id2label: Mapping[int, str]
) -> list[tuple[str, str, str]]:
    """``(word piece, characters it covers, label)`` for one window: what the model is asked to predict."""
    example = dataset.examples[dataset.example_index[feature]]
    rows: list[tuple[str, str, str]] = []
    tokens = tokenizer.convert_ids_to_tokens(dataset.encodings["input_ids"][feature])
    for token, piece, label in zip(tokens, dataset.offsets[feature], dataset.encodings["labels"][feature]):
        chars = "" if piece is None else example.text[piece[0] : piece[1]]
        rows.append((token, chars, str(label) if label == IGNORE_INDEX else id2label[label]))
    return rows
