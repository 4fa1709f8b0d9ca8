"""Classifying new text with a trained model: labels and probabilities, in batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import (
    AutoModelForSequenceClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)


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
        from nbhelpers.predictor import load_trained_model

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
