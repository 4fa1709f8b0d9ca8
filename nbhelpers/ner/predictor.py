"""Entity recognition on new text: character spans from a trained model, rendered as tags or HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence

import torch
from transformers import (
    AutoModelForTokenClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from nbhelpers.ner.examples import NERExample
from nbhelpers.ner.features import NERCollator, decode_entity_spans, encode_ner
from nbhelpers.ner.spans import EntitySpan, mark_entities, to_tagged
from nbhelpers.predictor import Predictor, checked_texts
from nbhelpers.text import nfc_with_offsets, original_span

ENTITY_COLOURS = {
    "PER": "#fde2e4", "PS": "#fde2e4", "ORG": "#d7e3fc", "OG": "#d7e3fc", "LOC": "#d8f3dc", "LC": "#d8f3dc",
    "DAT": "#fff1c1", "DT": "#fff1c1", "TIM": "#ffe5d0", "TI": "#ffe5d0", "DUR": "#e9d8fd", "MNY": "#caf0f8",
    "PNT": "#f1e3d3", "NOH": "#e2ece9", "QT": "#e2ece9", "POH": "#f8edeb",
}


def _entity_html(mention: str, label: str) -> str:
    colour = ENTITY_COLOURS.get(label, "#eeeeee")
    return (
        f"<span style='background:{colour};padding:1px 4px;border-radius:4px;color:#000'>"
        f"{html.escape(mention)} <b style='font-size:75%'>{html.escape(label)}</b></span>"
    )


def render_entities_html(text: str, spans: Sequence[EntitySpan]) -> str:
    """The sentence with each entity highlighted and its type shown after it."""
    return "<div style='line-height:2'>" + mark_entities(text, spans, _entity_html, html.escape) + "</div>"


class EntityRecognizer(Predictor):
    """A trained token classifier that turns raw sentences into entity spans over their characters.

    Runs on the best device in length-sorted batches (:class:`nbhelpers.predictor.Predictor`); the label
    list comes with the model (``config.id2label``).

    Attributes:
        max_seq_length: Longest window in word pieces; longer sentences are cut into several windows.
        stride: Word pieces that neighbouring windows share (a quarter of ``max_seq_length`` unless
            given, as in ``NERConfig``); each piece's label comes from the window where it is most central.
        id2label: Label name of every output id.
    """

    auto_class = AutoModelForTokenClassification

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        max_seq_length: int = 128,
        device: str | torch.device | None = None,
        stride: int | None = None,
    ) -> None:
        super().__init__(model, tokenizer, max_seq_length, device)
        self.stride = self.max_seq_length // 4 if stride is None else stride  # of the length actually used
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.label2id = {v: k for k, v in self.id2label.items()}

    def predict_examples(self, examples: Sequence[NERExample], batch_size: int = 64) -> list[list[EntitySpan]]:
        """Predicted spans for each sentence, in input order (gold entities, if any, are ignored)."""
        if not examples:
            return []
        dataset = encode_ner([NERExample(e.guid, e.text, ()) for e in examples], self.tokenizer, {"O": 0},
                             self.max_seq_length, self.stride)
        collator = NERCollator(self.tokenizer, **self.padding(self.max_seq_length))
        windows = [dataset[index] for index in range(len(dataset))]

        def run_batch(batch: list[dict]) -> list[list[int]]:
            inputs = collator(batch)
            inputs.pop("feature_index")
            inputs.pop("labels")
            labels = self.model(**self.to_device(inputs)).logits.argmax(dim=-1).cpu().tolist()
            return [row[: len(window["input_ids"])] for row, window in zip(labels, batch)]

        lengths = [len(window["input_ids"]) for window in windows]
        rows = self.run_in_length_order(windows, lengths, run_batch, batch_size, "entities")
        return decode_entity_spans(dataset, dict(enumerate(rows)), self.id2label)

    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[list[EntitySpan]]:
        """Entity spans over the characters of each text as given; no texts give [].

        The model reads each text in NFC (decomposed Hangul would be all ``[UNK]``); the spans are mapped
        back to the text as given, so ``text[span.start:span.end] == span.text`` always holds.
        """
        originals = checked_texts(texts, "texts", 'predict(["김민준은 서울에 산다."])')
        normalised = [nfc_with_offsets(text) for text in originals]
        examples = [NERExample(f"input {i}", normal, ()) for i, (normal, _, _) in enumerate(normalised)]
        predictions = self.predict_examples(examples, batch_size)
        results: list[list[EntitySpan]] = []
        for text, (normal, starts, ends), spans in zip(originals, normalised, predictions):
            if normal is text:
                results.append(spans)
                continue
            mapped = [original_span(starts, ends, span.start, span.end, len(text)) for span in spans]
            results.append([EntitySpan(start, end, span.label, text[start:end])
                            for (start, end), span in zip(mapped, spans)])
        return results

    def tagged(self, text: str) -> str:
        """The text in the corpus's ``<text:TAG>`` notation."""
        return to_tagged(text, self.predict([text])[0])

    def html(self, text: str) -> str:
        """The text with its predicted entities coloured, for notebooks and the widget."""
        spans = self.predict([text])[0]
        return render_entities_html(text, spans) + f"<pre>{html.escape(to_tagged(text, spans))}</pre>"
