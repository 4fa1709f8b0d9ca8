"""Masked language modelling inputs: 15 % of tokens masked anew each batch (80/10/10), validation masked once.

Training batches are masked by the collator, so every epoch sees new masks; validation examples are
masked once with a fixed seed (:func:`mask_once`) and only padded afterwards, so validation loss is
comparable across epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.data import Dataset
from transformers import DataCollatorForLanguageModeling, PreTrainedTokenizerBase

from nbhelpers.batching import pad_to_multiple_of
from nbhelpers.config import BaseConfig
from nbhelpers.pretraining.nsp import PretrainingDataset


def mlm_collator(
    config: BaseConfig, tokenizer: PreTrainedTokenizerBase, mlm_probability: float
) -> DataCollatorForLanguageModeling:
    """Pads each batch by the accelerator's rule and masks it anew: 80 % ``[MASK]``, 10 % random, 10 % kept."""
    return DataCollatorForLanguageModeling(
        tokenizer, mlm=True, mlm_probability=mlm_probability, pad_to_multiple_of=pad_to_multiple_of(config)
    )


class MaskedDataset(Dataset):
    """A dataset masked once (fixed seed): the same validation inputs and labels every epoch."""

    def __init__(self, items: list[dict[str, list[int] | int]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, list[int] | int]:
        return self.items[index]


def mask_once(dataset: PretrainingDataset, collator: DataCollatorForLanguageModeling, seed: int) -> MaskedDataset:
    """Apply ``collator``'s masking to every example once, reproducibly, and keep the unpadded result."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    items: list[dict[str, list[int] | int]] = []
    try:
        for index in range(len(dataset)):
            item = dataset[index]
            batch = collator.torch_call([item])
            length = len(item["input_ids"])
            items.append(
                {
                    "input_ids": batch["input_ids"][0, :length].tolist(),
                    "token_type_ids": item["token_type_ids"],
                    "attention_mask": item["attention_mask"],
                    "labels": batch["labels"][0, :length].tolist(),
                    "next_sentence_label": item["next_sentence_label"],
                }
            )
    finally:
        torch.random.set_rng_state(generator_state)
    return MaskedDataset(items)


class PadMaskedCollator:
    """Pads already-masked examples: ``[PAD]`` inputs, attention 0 and label -100 on the padding."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(item["input_ids"]) for item in items)
        if self.pad_to_multiple_of:
            length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
        pads = {"input_ids": self.pad_token_id, "token_type_ids": 0, "attention_mask": 0, "labels": -100}
        batch = {
            key: torch.tensor([item[key] + [value] * (length - len(item[key])) for item in items])
            for key, value in pads.items()
        }
        batch["next_sentence_label"] = torch.tensor([item["next_sentence_label"] for item in items])
        return batch


def masking_table(
    tokenizer: PreTrainedTokenizerBase, original: Sequence[int], masked: Sequence[int], labels: Sequence[int]
) -> str:
    """Before/after masking, one changed position per line: what the model sees and what it must predict."""
    lines = []
    for position, (before, after, label) in enumerate(zip(original, masked, labels)):
        if label == -100:
            continue
        kind = "[MASK]" if after == tokenizer.mask_token_id else ("그대로" if after == before else "무작위 토큰")
        lines.append(
            f"{position:>4}  {tokenizer.convert_ids_to_tokens(before):<10} -> "
            f"{tokenizer.convert_ids_to_tokens(after):<10} ({kind})"
        )
    return "\n".join(lines)
