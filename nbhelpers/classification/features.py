"""Classification features: examples to token ids in batches, a Dataset, per-batch padding, and predict.

Used by the document (NSMC) and sentence-pair (KLUE-NLI, KorNLI) chapters alike: a pair is encoded as
``[CLS] premise [SEP] hypothesis [SEP]`` with ``token_type_ids`` 0 then 1, and truncation takes tokens
from the longer side first, so the hypothesis is never dropped entirely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset
from transformers import (
    AutoModelForSequenceClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from nbhelpers.corpora.base import ClassificationExample

ENCODE_BATCH = 2048


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
    encodings: dict[str, list[list[int]]] = {}
    pairs = any(example.text_b is not None for example in examples)
    for start in range(0, len(examples), ENCODE_BATCH):
        chunk = examples[start : start + ENCODE_BATCH]
        encoded = tokenizer(
            [example.text_a for example in chunk],
            [example.text_b or "" for example in chunk] if pairs else None,
            truncation="longest_first",
            max_length=max_seq_length,
            return_token_type_ids=True,
        )
        for key, values in encoded.items():
            encodings.setdefault(key, []).extend(values)
    return ClassificationDataset(encodings, [example.label for example in examples])


@dataclass(frozen=True)
class ClassificationPrediction:
    """A predicted label with the probability of every label.

    Attributes:
        label: Name of the most probable label.
        probabilities: Probability per label name.
    """

    label: str
    probabilities: dict[str, float]


class Classifier:
    """A trained classifier that turns raw texts (or pairs) into labels and probabilities, in batches."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, max_seq_length: int = 128) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length

    @classmethod
    def load(cls, path: str | Path, max_seq_length: int = 128) -> Classifier:
        """From the best ``.ckpt`` of a run or from an exported directory."""
        from nbhelpers.inference import load_trained_model

        model, tokenizer = load_trained_model(path, AutoModelForSequenceClassification)
        return cls(model, tokenizer, max_seq_length)

    @torch.no_grad()
    def predict(
        self, texts: Sequence[str], text_pairs: Sequence[str] | None = None, batch_size: int = 64
    ) -> list[ClassificationPrediction]:
        id2label = self.model.config.id2label
        device = next(self.model.parameters()).device
        predictions: list[ClassificationPrediction] = []
        for start in range(0, len(texts), batch_size):
            inputs = self.tokenizer(
                list(texts[start : start + batch_size]),
                list(text_pairs[start : start + batch_size]) if text_pairs is not None else None,
                truncation="longest_first",
                max_length=self.max_seq_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            probabilities = self.model(**inputs).logits.float().softmax(dim=-1).cpu()
            for row in probabilities:
                named = {id2label[i]: float(p) for i, p in enumerate(row)}
                predictions.append(ClassificationPrediction(max(named, key=named.__getitem__), named))
        return predictions
