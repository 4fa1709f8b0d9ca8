"""Windows as a PyTorch dataset, and the collator that pads them into batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from nbhelpers.config import BaseConfig
from nbhelpers.qa.korquad import QAExample
from nbhelpers.qa.windows import QAFeatures


class QADataset(torch.utils.data.Dataset):
    """Windows as tensors; ``feature_index`` travels with each one so logits can be matched back to questions.

    Attributes:
        features: The windows.
        examples: The questions they came from (needed to decode and score at validation).
    """

    def __init__(self, features: QAFeatures, examples: Sequence[QAExample] | None = None) -> None:
        self.features = features
        self.examples = examples

    def __len__(self) -> int:
        return len(self.features)

    @property
    def lengths(self) -> list[int]:
        """Real tokens per window (rows are stored padded): what length-grouped batching sorts by."""
        return [int(length) for length in self.features.lengths]

    def __getitem__(self, index: int) -> dict[str, Any]:
        f = self.features
        item = {
            "input_ids": f.input_ids[index],
            "length": int(f.lengths[index]),
            "start_positions": int(f.start_positions[index]),
            "end_positions": int(f.end_positions[index]),
            "feature_index": index,
        }
        if f.token_type_ids is not None:  # None for models without segment embeddings (RoBERTa)
            item["token_type_ids"] = f.token_type_ids[index]
        return item


class QACollator:
    """Stacks windows and cuts the batch to its longest real window (padding per batch, not to max_seq_length).

    ``token_type_ids`` are in the batch when the windows have them (not for RoBERTa-family models).

    Attributes:
        fixed_length: Pad every batch to this length instead (TPU: a new shape means an XLA recompilation).
        multiple_of: Round the batch width up to a multiple of this (8 suits GPU tensor cores).
    """

    def __init__(self, fixed_length: int | None = None, multiple_of: int = 1) -> None:
        self.fixed_length = fixed_length
        self.multiple_of = multiple_of

    @classmethod
    def for_config(cls, config: BaseConfig) -> QACollator:
        """The padding that :func:`nbhelpers.batching.padding_options` chooses for the accelerator."""
        from nbhelpers.batching import padding_options

        options = padding_options(config)
        if options.get("padding") == "max_length":
            return cls(fixed_length=options["max_length"])
        return cls(multiple_of=options.get("pad_to_multiple_of") or 1)

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        full = len(items[0]["input_ids"])
        if self.fixed_length is not None:
            width = min(self.fixed_length, full)
        else:
            longest = max(item["length"] for item in items)
            width = min(full, -(-longest // self.multiple_of) * self.multiple_of)
        input_ids = torch.from_numpy(np.stack([item["input_ids"][:width] for item in items]).astype(np.int64))
        lengths = torch.tensor([item["length"] for item in items])
        attention_mask = (torch.arange(width)[None, :] < lengths[:, None]).long()
        batch = {"input_ids": input_ids}
        if "token_type_ids" in items[0]:
            batch["token_type_ids"] = torch.from_numpy(
                np.stack([item["token_type_ids"][:width] for item in items]).astype(np.int64))
        return {
            **batch,
            "attention_mask": attention_mask,
            "start_positions": torch.tensor([item["start_positions"] for item in items]),
            "end_positions": torch.tensor([item["end_positions"] for item in items]),
            "feature_index": torch.tensor([item["feature_index"] for item in items]),
        }
