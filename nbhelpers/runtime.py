"""Where the code runs: accelerator, devices, precision, seed and logging.

The old book chose TPU whenever CUDA was missing and crashed on CPU runtimes. Here a TPU is used only
when torch_xla really finds TPU chips, then a CUDA GPU, then the CPU.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Accelerator:
    """What Lightning should run on.

    Attributes:
        kind: ``"tpu"``, ``"gpu"`` or ``"cpu"``.
        devices: How many of them.
    """

    kind: str
    devices: int


def tpu_chip_count() -> int:
    """TPU chips torch_xla can see; 0 without torch_xla or without a TPU (never raises)."""
    try:
        from pytorch_lightning.accelerators import XLAAccelerator

        return XLAAccelerator.auto_device_count() if XLAAccelerator.is_available() else 0
    except Exception:  # noqa: BLE001 (a broken torch_xla must not stop a GPU or CPU run)
        return 0


def detect_accelerator(requested: str = "auto") -> Accelerator:
    """TPU only if an XLA device exists, then GPU, then CPU; ``requested`` forces one (and is checked)."""
    if requested in ("auto", "tpu"):
        chips = tpu_chip_count()
        if chips:
            return Accelerator("tpu", chips)
        if requested == "tpu":
            raise RuntimeError(
                "accelerator='tpu' was requested but torch_xla finds no TPU. How to fix: on Colab choose "
                "Runtime > Change runtime type > TPU and run the TPU setup cell, or set accelerator='auto'."
            )
    if requested in ("auto", "gpu", "cuda"):
        if torch.cuda.is_available():
            count = torch.cuda.device_count()
            return Accelerator("gpu", count)
        if requested in ("gpu", "cuda"):
            raise RuntimeError(
                "accelerator='gpu' was requested but CUDA finds no GPU. How to fix: on Colab choose "
                "Runtime > Change runtime type > T4 GPU, or set accelerator='auto'."
            )
    if requested not in ("auto", "cpu", "gpu", "cuda", "tpu"):
        raise ValueError(f"accelerator={requested!r}: use 'auto', 'tpu', 'gpu' or 'cpu'.")
    return Accelerator("cpu", 1)


def default_precision(kind: str) -> str:
    """16-mixed on GPU (T4 has no bf16), bf16-true on TPU (bf16-mixed is rejected on XLA), 32 on CPU."""
    return {"gpu": "16-mixed", "tpu": "bf16-true"}.get(kind, "32-true")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy, torch (and the DataLoader workers) the same way on CPU, GPU and TPU."""
    import pytorch_lightning as pl

    pl.seed_everything(seed, workers=True)


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    """The ``nbhelpers`` logger writing to the notebook; safe to call again when a cell is re-run."""
    logger = logging.getLogger("nbhelpers")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_nbhelpers", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler._nbhelpers = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
