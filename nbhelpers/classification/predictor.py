"""Classifying new text with a trained model: labels and probabilities, in batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transformers import (
    AutoModelForSequenceClassification,
)

from nbhelpers.encoding import encode_in_chunks
from nbhelpers.predictor import Predictor, text_inputs
from nbhelpers.pretrained import sends_token_type_ids


@dataclass(frozen=True, repr=False)
class ClassificationPrediction:
    """A predicted label with the probability of every label.

    Printed as ``positive (negative 0.078, positive 0.922)``: a learner printing predictions reads the
    label and the probabilities, not a dataclass repr with 17 digits per number.

    Attributes:
        label: Name of the most probable label.
        probabilities: Probability per label name.
    """

    label: str
    probabilities: dict[str, float]

    def __repr__(self) -> str:
        shares = ", ".join(f"{name} {probability:.3f}" for name, probability in self.probabilities.items())
        return f"{self.label} ({shares})"


class Classifier(Predictor):
    """A trained classifier that turns raw texts (or pairs) into labels and probabilities.

    Runs on the best device in length-sorted batches (:class:`nbhelpers.predictor.Predictor`); the
    predictions come back in the order of the texts. Texts longer than ``max_seq_length`` tokens are
    truncated as in training.
    """

    auto_class = AutoModelForSequenceClassification

    def predict(
        self, texts: Sequence[str], text_pairs: Sequence[str] | None = None, batch_size: int = 64
    ) -> list[ClassificationPrediction]:
        """The label and the probability of every label, for each text (or pair), in input order.

        ``texts`` is a list (one string is refused, see :func:`nbhelpers.predictor.text_inputs`); no texts give [].
        """
        texts = text_inputs(texts, "texts", 'predict(["정말 재미있어요"])')
        if text_pairs is not None:
            text_pairs = text_inputs(text_pairs, "text_pairs", 'predict(["전제 문장"], ["가설 문장"])')
        if not texts:
            return []
        id2label = self.model.config.id2label
        encoded = encode_in_chunks(
            self.tokenizer, list(texts), list(text_pairs) if text_pairs is not None else None,
            truncation="longest_first", max_length=self.max_seq_length,
            return_token_type_ids=sends_token_type_ids(self.tokenizer),
        )
        features = [dict(zip(encoded, row)) for row in zip(*encoded.values())]

        def run_batch(batch: list[dict[str, list[int]]]) -> list[ClassificationPrediction]:
            inputs = self.tokenizer.pad(batch, return_tensors="pt", **self.padding(self.max_seq_length))
            probabilities = self.model(**self.to_device(dict(inputs))).logits.float().softmax(dim=-1).cpu()
            predictions = []
            for row in probabilities:
                named = {id2label[i]: float(p) for i, p in enumerate(row)}
                predictions.append(ClassificationPrediction(max(named, key=named.__getitem__), named))
            return predictions

        lengths = [len(ids) for ids in encoded["input_ids"]]
        return self.run_in_length_order(features, lengths, run_batch, batch_size, "classify")
