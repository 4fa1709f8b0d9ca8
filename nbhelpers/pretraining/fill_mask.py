"""Asking the pretrained model: fill-mask predictions and a pseudo-log-likelihood per sentence.

:class:`MaskedLanguageModel` is chapter 1's predictor (:class:`nbhelpers.predictor.Predictor`): it runs on
the best device, and the pseudo-log-likelihood of many sentences goes through the model as one stream
of masked copies in length-sorted batches instead of one forward pass per sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import (
    AutoModelForPreTraining,
)

from nbhelpers.predictor import Predictor


def _prediction_logits(output: Any) -> torch.Tensor:
    # BertForMaskedLM returns ``logits``, BertForPreTraining ``prediction_logits``.
    return output.logits if hasattr(output, "logits") else output.prediction_logits


class MaskedLanguageModel(Predictor):
    """A masked language model asked for the tokens that fit a ``[MASK]``, or how familiar a sentence is.

    Sentences longer than ``max_seq_length`` tokens are truncated.
    """

    auto_class = AutoModelForPreTraining

    def pseudo_log_likelihoods(self, sentences: Sequence[str], batch_size: int = 64) -> list[float]:
        """Per sentence, the mean log-probability of each token when it alone is masked.

        A masked LM's "how familiar is this": sentences seen in training tend to score higher than new
        ones of the same kind, the gap membership-inference attacks on language models exploit.
        """
        encoded = self.tokenizer(list(sentences), truncation=True, max_length=self.max_seq_length)["input_ids"]
        rows = [(sentence, position) for sentence, ids in enumerate(encoded) for position in range(1, len(ids) - 1)]
        mask_id = self.tokenizer.mask_token_id

        def run_batch(batch: list[tuple[int, int]]) -> list[float]:
            masked = []
            for sentence, position in batch:
                ids = list(encoded[sentence])
                ids[position] = mask_id
                masked.append({"input_ids": ids})
            inputs = self.tokenizer.pad(masked, return_tensors="pt", **self.padding(self.max_seq_length))
            logits = _prediction_logits(self.model(**self.to_device(dict(inputs))))
            index = torch.arange(len(batch), device=logits.device)
            positions = torch.tensor([position for _, position in batch], device=logits.device)
            targets = torch.tensor([encoded[s][p] for s, p in batch], device=logits.device)
            log_probs = logits[index, positions].float().log_softmax(dim=-1)
            return log_probs[index, targets].cpu().tolist()

        scores = self.run_in_length_order(rows, [len(encoded[s]) for s, _ in rows], run_batch, batch_size, "PLL")
        totals = [0.0] * len(encoded)
        counts = [0] * len(encoded)
        for (sentence, _), score in zip(rows, scores):
            totals[sentence] += score
            counts[sentence] += 1
        return [total / count if count else float("nan") for total, count in zip(totals, counts)]

    def fill_mask(self, text: str, top_k: int = 5) -> list[tuple[str, float]]:
        """The ``top_k`` tokens most likely at the text's single ``[MASK]``, with their probabilities."""
        inputs = self.tokenizer(text, truncation=True, max_length=self.max_seq_length, return_tensors="pt")
        positions = (inputs["input_ids"][0] == self.tokenizer.mask_token_id).nonzero().flatten().tolist()
        if len(positions) != 1:
            raise ValueError(f"{text!r} has {len(positions)} {self.tokenizer.mask_token} tokens; put exactly one in.")
        with torch.no_grad():
            logits = _prediction_logits(self.model(**self.to_device(dict(inputs))))
        probabilities = logits[0, positions[0]].float().softmax(dim=-1).cpu()
        top = probabilities.topk(top_k)
        tokens = self.tokenizer.convert_ids_to_tokens(top.indices.tolist())
        return [(token, float(p)) for token, p in zip(tokens, top.values)]

