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


def dataloader_options(config: BaseConfig, dataset: object) -> dict[str, Any]:
    """Worker keywords for a chapter's ``DataLoader(dataset, ..., **dataloader_options(config, dataset))``.

    ``config.num_workers`` processes prepare batches while the accelerator computes. On a GPU they are
    kept alive between epochs and across the validation runs inside an epoch (``persistent_workers``):
    otherwise every pass forks them anew, and each fork copies the notebook process (datasets,
    tokenizer) before the first batch comes. Not for a dataset that changes with the epoch (it has a
    ``set_epoch`` method): persistent workers would keep serving their copy of the first epoch. On a
    GPU batches also go into pinned (page-locked) memory, from which the copy to the GPU is faster
    (``pin_memory``).
    """
    workers = max(0, config.num_workers)
    on_gpu = config.accelerator == "gpu"
    changes_per_epoch = callable(getattr(dataset, "set_epoch", None))
    return {
        "num_workers": workers,
        "persistent_workers": on_gpu and workers > 0 and not changes_per_epoch,
        "pin_memory": on_gpu,
    }


def length_order(lengths: Sequence[int]) -> list[int]:
    """Indices of the examples from longest to shortest (stable for equal lengths).

    Evaluation and prediction batch examples in this order so that each batch pads to a length close to
    its own rows'; callers put the results back with the same indices, so outputs keep the input order.
    The longest batch comes first, so an out-of-memory error shows up at once, not at the end.
    """
    return sorted(range(len(lengths)), key=lambda index: -lengths[index])
