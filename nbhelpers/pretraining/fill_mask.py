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

from nbhelpers.errors import quote
from nbhelpers.predictor import Predictor, text_inputs
from nbhelpers.text import to_nfc


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
        ones of the same kind, the gap membership-inference attacks on language models exploit. No
        sentences give [].
        """
        sentences = text_inputs(sentences, "sentences", 'pseudo_log_likelihoods(["서울은 한국의 수도이다."])')
        if not sentences:
            return []
        encoded = self.tokenizer(sentences, truncation=True, max_length=self.max_seq_length)["input_ids"]
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
        """The ``top_k`` tokens most likely at the text's single ``[MASK]``, with their probabilities.

        The text is truncated to ``max_seq_length`` tokens like every input; a ``[MASK]`` beyond that is
        said to be cut off, not reported as missing.
        """
        if not isinstance(text, str):
            raise TypeError(f"fill_mask는 문장 하나(문자열)를 받는데 {type(text).__name__}을(를) 주었습니다. 고치는 법: "
                            f'fill_mask("서울은 한국의 {self.tokenizer.mask_token}이다.")처럼 쓰고, 여러 문장은 하나씩 부르세요.')
        text = to_nfc(text)
        inputs = self.tokenizer(text, truncation=True, max_length=self.max_seq_length, return_tensors="pt")
        positions = (inputs["input_ids"][0] == self.tokenizer.mask_token_id).nonzero().flatten().tolist()
        if not positions and self.tokenizer.mask_token in text:
            raise ValueError(
                f"{self.tokenizer.mask_token}가 입력 길이 제한(max_seq_length={self.max_seq_length} 토큰) 뒤에 있어 "
                f"잘렸습니다. 고치는 법: 문장을 줄이거나 {self.tokenizer.mask_token}를 앞쪽에 두세요."
            )
        if len(positions) != 1:
            raise ValueError(f"{quote(text)}에 {self.tokenizer.mask_token}가 {len(positions)}개 있습니다. 고치는 법: "
                             f"{self.tokenizer.mask_token}를 정확히 하나 넣으세요.")
        with torch.no_grad():
            logits = _prediction_logits(self.model(**self.to_device(dict(inputs))))
        probabilities = logits[0, positions[0]].float().softmax(dim=-1).cpu()
        top = probabilities.topk(top_k)
        tokens = self.tokenizer.convert_ids_to_tokens(top.indices.tolist())
        return [(token, float(p)) for token, p in zip(tokens, top.values)]

