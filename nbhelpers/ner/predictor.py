"""Entity recognition on new text: character spans from a trained model, rendered as tags or HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from transformers import (
    AutoModelForTokenClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from nbhelpers.ner.examples import NERExample
from nbhelpers.ner.features import NERCollator, decode_entity_spans, encode_ner
from nbhelpers.ner.spans import EntitySpan, to_tagged

ENTITY_COLOURS = {
    "PER": "#fde2e4", "PS": "#fde2e4", "ORG": "#d7e3fc", "OG": "#d7e3fc", "LOC": "#d8f3dc", "LC": "#d8f3dc",
    "DAT": "#fff1c1", "DT": "#fff1c1", "TIM": "#ffe5d0", "TI": "#ffe5d0", "DUR": "#e9d8fd", "MNY": "#caf0f8",
    "PNT": "#f1e3d3", "NOH": "#e2ece9", "QT": "#e2ece9", "POH": "#f8edeb",
}


def render_entities_html(text: str, spans: Sequence[EntitySpan]) -> str:
    """The sentence with each entity highlighted and its type shown after it."""
    parts: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        parts.append(html.escape(text[cursor : span.start]))
        colour = ENTITY_COLOURS.get(span.label, "#eeeeee")
        parts.append(
            f"<span style='background:{colour};padding:1px 4px;border-radius:4px;color:#000'>"
            f"{html.escape(text[span.start : span.end])}"
            f" <b style='font-size:75%'>{html.escape(span.label)}</b></span>"
        )
        cursor = span.end
    parts.append(html.escape(text[cursor:]))
    return "<div style='line-height:2'>" + "".join(parts) + "</div>"


class EntityRecognizer:
    """A trained token classifier that turns raw sentences into entity spans over their characters."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, max_seq_length: int = 128) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_seq_length = max_seq_length
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.label2id = {v: k for k, v in self.id2label.items()}

    @classmethod
    def load(cls, path: str | Path, max_seq_length: int = 128) -> EntityRecognizer:
        """From the best ``.ckpt`` of a run or from an exported directory (the label list comes with it)."""
        from nbhelpers.predictor import load_trained_model

        model, tokenizer = load_trained_model(path, AutoModelForTokenClassification)
        return cls(model, tokenizer, max_seq_length)

    @torch.no_grad()
    def predict_examples(self, examples: Sequence[NERExample], batch_size: int = 64) -> list[list[EntitySpan]]:
        """Predicted spans for each sentence (gold entities, if any, are ignored)."""
        dataset = encode_ner([NERExample(e.guid, e.text, ()) for e in examples], self.tokenizer, {"O": 0},
                             self.max_seq_length)
        loader = DataLoader(dataset, batch_size=batch_size, collate_fn=NERCollator(self.tokenizer))
        device = next(self.model.parameters()).device
        predictions: dict[int, list[int]] = {}
        for batch in loader:
            indices = batch.pop("feature_index").tolist()
            batch.pop("labels")
            logits = self.model(**{k: v.to(device) for k, v in batch.items()}).logits
            for index, row in zip(indices, logits.argmax(dim=-1).cpu().tolist()):
                predictions[index] = row[: len(dataset.offsets[index])]
        return decode_entity_spans(dataset, predictions, self.id2label)

    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[list[EntitySpan]]:
        """Entity spans over the characters of each text."""
        examples = [NERExample(f"input {i}", text, ()) for i, text in enumerate(texts)]
        return self.predict_examples(examples, batch_size)

    def tagged(self, text: str) -> str:
        """The text in the corpus's ``<text:TAG>`` notation."""
        return to_tagged(text, self.predict([text])[0])

    def html(self, text: str) -> str:
        """The text with its predicted entities coloured, for notebooks and the widget."""
        spans = self.predict([text])[0]
        return render_entities_html(text, spans) + f"<pre>{html.escape(to_tagged(text, spans))}</pre>"
