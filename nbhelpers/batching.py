"""Padding and batching choices every chapter's DataLoader shares.

Padding happens per batch in the collator, to the longest example of the batch: short reviews then
cost short compute (see ``bench/padding.py``). The exception is the TPU, where every new tensor shape
triggers an XLA recompilation, so there every batch is padded to ``max_seq_length``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nbhelpers.config import BaseConfig


def padding_options(config: BaseConfig) -> dict[str, Any]:
    """Keyword arguments for transformers' padding collators, chosen for the accelerator."""
    if config.accelerator == "tpu":
        return {"padding": "max_length", "max_length": config.max_seq_length}
    if config.accelerator == "gpu":
        return {"padding": "longest", "pad_to_multiple_of": 8}  # tensor cores like multiples of 8
    return {"padding": "longest"}


def pad_to_multiple_of(config: BaseConfig) -> int | None:
    """The same rule for collators that take only ``pad_to_multiple_of`` (``DataCollatorForLanguageModeling``).

    On a TPU a multiple of ``max_seq_length`` is ``max_seq_length`` itself, since no input is longer.
    """
    options = padding_options(config)
    if options["padding"] == "max_length":
        return int(options["max_length"])
    return options.get("pad_to_multiple_of")


def length_order(lengths: Sequence[int]) -> list[int]:
    """Indices of the examples from longest to shortest (stable for equal lengths).

    Evaluation and prediction batch examples in this order so that each batch pads to a length close to
    its own rows'; callers put the results back with the same indices, so outputs keep the input order.
    The longest batch comes first, so an out-of-memory error shows up at once, not at the end.
    """
    return sorted(range(len(lengths)), key=lambda index: -lengths[index])
