"""Classification inputs: examples to unpadded token ids, as the Dataset the DataLoader batches.

Used by the document (NSMC) and sentence-pair (KLUE-NLI, KorNLI) chapters alike: a pair is encoded with the
tokenizer's own special tokens (``[CLS] premise [SEP] hypothesis [SEP]`` for BERT and ELECTRA, ``<s> premise
</s></s> hypothesis </s>`` for RoBERTa), with ``token_type_ids`` 0 then 1 only for models that have segment
embeddings (:func:`nbhelpers.pretrained.sends_token_type_ids`), and truncation takes tokens from the longer
side first, so the hypothesis is never dropped entirely. Nothing is padded here: the
collator pads each batch to its own longest example (``nbhelpers.batching.padding_options``).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch.utils.data import Dataset
from transformers import PreTrainedTokenizerBase

from nbhelpers.classification.examples import ClassificationExample
from nbhelpers.encoding import encode_in_chunks
from nbhelpers.pretrained import sends_token_type_ids


class ClassificationDataset(Dataset):
    """Token ids of every example, unpadded; the collator pads each batch."""

    def __init__(self, encodings: dict[str, list[list[int]]], labels: list[int]) -> None:
        self.encodings = encodings
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, list[int] | int]:
        item: dict[str, list[int] | int] = {key: values[index] for key, values in self.encodings.items()}
        item["labels"] = self.labels[index]
        return item


def encode_classification(
    examples: Sequence[ClassificationExample],
    tokenizer: PreTrainedTokenizerBase,
    max_seq_length: int,
) -> ClassificationDataset:
    """Tokenize all examples with the fast tokenizer in large batches (no padding: the collator pads)."""
    pairs = any(example.text_b is not None for example in examples)
    encodings = encode_in_chunks(
        tokenizer,
        [example.text_a for example in examples],
        [example.text_b or "" for example in examples] if pairs else None,
        truncation="longest_first",
        max_length=max_seq_length,
        return_token_type_ids=sends_token_type_ids(tokenizer),
    )
    return ClassificationDataset(encodings, [example.label for example in examples])
