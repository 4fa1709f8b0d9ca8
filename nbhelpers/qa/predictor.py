"""Answering a question about any context with a trained model, and showing the answer in the text."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence

import numpy as np
import torch
from transformers import (
    AutoModelForQuestionAnswering,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from nbhelpers.predictor import Predictor, checked_texts
from nbhelpers.qa.config import QAConfig
from nbhelpers.qa.dataset import QACollator, QADataset
from nbhelpers.qa.decode import QAPrediction, decode_answers
from nbhelpers.qa.korquad import QAExample
from nbhelpers.qa.windows import build_qa_features
from nbhelpers.text import nfc_with_offsets, original_span, to_nfc


class QuestionAnswerer(Predictor):
    """A trained QA model that answers questions about contexts of any length (all windows, then decoding).

    Runs on the best device with the windows in length-sorted batches (:class:`nbhelpers.predictor.Predictor`).

    Attributes:
        settings: ``max_seq_length``, ``max_query_length``, ``doc_stride``, ``n_best_size``,
            ``max_answer_length`` (the book's values by default).
    """

    auto_class = AutoModelForQuestionAnswering

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        max_seq_length: int = 128,
        max_query_length: int = 32,
        doc_stride: int = 64,
        n_best_size: int = 20,
        max_answer_length: int = 30,
        device: str | torch.device | None = None,
    ) -> None:
        super().__init__(model, tokenizer, max_seq_length, device)
        self.settings = {
            "max_seq_length": self.max_seq_length,  # capped at the model's positions by Predictor
            "max_query_length": max_query_length,
            "doc_stride": doc_stride,
            "n_best_size": n_best_size,
            "max_answer_length": max_answer_length,
        }

    @classmethod
    def from_config(
        cls, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, config: QAConfig,
        device: str | torch.device | None = None,
    ) -> QuestionAnswerer:
        """Use the window and decoding settings of a :class:`nbhelpers.qa.config.QAConfig`."""
        return cls(model, tokenizer, config.max_seq_length, config.max_query_length, config.doc_stride,
                   config.n_best_size, config.max_answer_length, device=device)

    def predict_examples(self, examples: Sequence[QAExample], batch_size: int = 32) -> dict[str, QAPrediction]:
        """The answer to every example, keyed by question id; no examples give {}."""
        if not examples:
            return {}
        s = self.settings
        features = build_qa_features(examples, self.tokenizer, s["max_seq_length"], s["max_query_length"],
                                     s["doc_stride"])
        dataset = QADataset(features)
        padding = self.padding(s["max_seq_length"])
        collator = QACollator(fixed_length=padding.get("max_length"), multiple_of=padding.get("pad_to_multiple_of") or 1)

        def run_batch(batch: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
            inputs = collator(batch)
            names = ("input_ids", "token_type_ids", "attention_mask")  # token_type_ids only when the windows have them
            output = self.model(**self.to_device({key: value for key, value in inputs.items() if key in names}))
            return list(zip(output.start_logits.float().cpu().numpy(), output.end_logits.float().cpu().numpy()))

        windows = [dataset[index] for index in range(len(dataset))]
        rows = self.run_in_length_order(windows, dataset.lengths, run_batch, batch_size, "answers")
        starts = np.full((len(features), s["max_seq_length"]), -np.inf, dtype=np.float32)
        ends = np.full_like(starts, -np.inf)
        for index, (start_logits, end_logits) in enumerate(rows):
            starts[index, : len(start_logits)] = start_logits
            ends[index, : len(end_logits)] = end_logits
        return decode_answers(examples, features, starts, ends, s["n_best_size"], s["max_answer_length"])

    def predict(self, questions: Sequence[str], contexts: Sequence[str]) -> list[QAPrediction]:
        """Answers to ``questions[i]`` about ``contexts[i]``; no questions give [].

        The model reads NFC text (decomposed Hangul would be all ``[UNK]``); each answer's ``start_char`` and
        ``end_char`` are mapped back to the context as given, so ``context[start_char:end_char] == text``.
        """
        call = "predict([질문], [지문]) 또는 answer(질문, 지문)"
        questions = checked_texts(questions, "questions", call)
        contexts = checked_texts(contexts, "contexts", call)
        if len(questions) != len(contexts):
            raise ValueError(f"질문 {len(questions)}개에 지문 {len(contexts)}개를 주었습니다. 고치는 법: 질문마다 "
                             "지문을 하나씩, 같은 수로 주세요.")
        normalised = [nfc_with_offsets(context) for context in contexts]
        examples = [
            QAExample(qid=str(i), title="", question=to_nfc(q), context=normal, answers=())
            for i, (q, (normal, _, _)) in enumerate(zip(questions, normalised))
        ]
        predictions = self.predict_examples(examples)
        answers = []
        for example, context, (normal, starts, ends) in zip(examples, contexts, normalised):
            prediction = predictions[example.qid]
            if normal is not context:
                start, end = original_span(starts, ends, prediction.start_char, prediction.end_char, len(context))
                prediction = dataclasses.replace(prediction, text=context[start:end], start_char=start, end_char=end)
            answers.append(prediction)
        return answers

    def answer(self, question: str, context: str) -> QAPrediction:
        """The answer to one question about one context, however long the context is."""
        return self.predict([question], [context])[0]


def answer_html(context: str, prediction: QAPrediction) -> str:
    """The context with the predicted answer highlighted, for the inference widget."""
    if not prediction.text:
        return f"<p>답을 찾지 못했습니다.</p><p>{html.escape(context)}</p>"
    before = html.escape(context[: prediction.start_char])
    answer = html.escape(context[prediction.start_char: prediction.end_char])
    after = html.escape(context[prediction.end_char:])
    return (
        f"<p><b>답:</b> {answer} &nbsp; (글자 {prediction.start_char}–{prediction.end_char}, "
        f"점수 {prediction.score:.2f}, 확률 {prediction.probability:.1%})</p>"
        f"<p style='line-height:1.8'>{before}<mark style='background:#ffe066'>{answer}</mark>{after}</p>"
    )
