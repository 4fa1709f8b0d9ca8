"""Asking the pretrained model: fill-mask predictions and a pseudo-log-likelihood per sentence."""

from __future__ import annotations

from typing import Any

import torch
from transformers import PreTrainedTokenizerBase


@torch.no_grad()
def pseudo_log_likelihood(model: Any, tokenizer: PreTrainedTokenizerBase, sentence: str) -> float:
    """Mean log-probability of each token when it alone is masked (a masked LM's 'how familiar is this').

    Sentences seen in training tend to score higher than new ones of the same kind; that gap is what
    membership-inference attacks on language models exploit.
    """
    ids = tokenizer(sentence, return_tensors="pt")["input_ids"][0]
    positions = range(1, len(ids) - 1)
    batch = ids.repeat(len(positions), 1)
    for row, position in enumerate(positions):
        batch[row, position] = tokenizer.mask_token_id
    device = next(model.parameters()).device
    output = model(input_ids=batch.to(device))
    # BertForMaskedLM returns ``logits``, BertForPreTraining ``prediction_logits``.
    logits = output.logits if hasattr(output, "logits") else output.prediction_logits
    log_probs = logits.float().log_softmax(dim=-1).cpu()
    scores = [log_probs[row, position, ids[position]] for row, position in enumerate(positions)]
    return float(torch.stack(scores).mean())
