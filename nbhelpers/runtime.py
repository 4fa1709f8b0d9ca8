"""Where the code runs: accelerator, devices, precision, seed and logging.

The old book chose TPU whenever CUDA was missing and crashed on CPU runtimes. Here a TPU is used only
when torch_xla really finds TPU chips, then a CUDA GPU, then the CPU. On a Colab TPU runtime where
torch_xla finds no chip, detection stops with torch_xla's own error and the fix instead of quietly
training on the CPU (Lightning issue #19274).

Nothing here initialises CUDA: ``ddp_notebook`` forks the notebook process in ``fit``, and a process
that has touched CUDA cannot be forked. ``torch.cuda.is_available()`` and ``device_count()`` ask NVML and
are safe; ``get_device_name()``/``get_device_properties()`` create a CUDA context and are not used.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

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


def probe_tpu() -> tuple[int, str]:
    """TPU chips torch_xla can see, and why there are none (``""`` when there are); never raises.

    The reason is torch_xla's own error (an ``_XLAC`` import failure when torch_xla and torch differ, a
    failed query of the TPU metadata server, ...), which is what a learner needs to fix a TPU runtime.
    """
    if importlib.util.find_spec("torch_xla") is None:
        return 0, "torch_xla가 설치되어 있지 않습니다"
    try:
        import torch_xla  # noqa: F401  (a mismatched torch_xla fails here, with the real reason)
        from pytorch_lightning.accelerators import XLAAccelerator

        chips = XLAAccelerator.auto_device_count()
    except Exception as error:  # noqa: BLE001 (reported to the caller, who decides whether it matters)
        return 0, f"{type(error).__name__}: {error}"
    return chips, "" if chips else "torch_xla가 TPU 장치를 찾지 못했습니다"


def tpu_chip_count() -> int:
    """TPU chips torch_xla can see; 0 without torch_xla or without a TPU (never raises)."""
    return probe_tpu()[0]


def _on_colab_tpu_runtime() -> bool:
    from nbhelpers.colab import is_colab, is_tpu_runtime

    return is_colab() and is_tpu_runtime()


def detect_accelerator(requested: str = "auto") -> Accelerator:
    """TPU only if an XLA device exists, then GPU, then CPU; ``requested`` forces one (and is checked)."""
    if requested in ("auto", "tpu"):
        chips, reason = probe_tpu()
        if chips:
            return Accelerator("tpu", chips)
        if requested == "tpu":
            raise RuntimeError(
                f"accelerator='tpu'를 요청했지만 torch_xla가 TPU를 찾지 못했습니다({reason}). 고치는 법: Colab에서 "
                "런타임 > 런타임 유형 변경 > TPU를 고르고 TPU 준비 셀을 실행하거나, accelerator='auto'로 두세요."
            )
        if _on_colab_tpu_runtime():
            raise RuntimeError(
                f"Colab TPU 런타임인데 torch_xla가 TPU 칩을 찾지 못했습니다: {reason}. 이대로면 학습이 말없이 "
                "CPU에서 돕니다. 고치는 법: config 셀보다 먼저 TPU 준비 셀(setup_tpu())을 실행하세요. 그래도 "
                "안 되면 런타임 > 세션 다시 시작 후 모든 셀을 다시 실행하거나, 런타임 > 런타임 연결 해제 및 삭제를 "
                "고르세요. 알고서 CPU로 학습하려면 accelerator='cpu'로 두세요."
            )
    if requested in ("auto", "gpu", "cuda"):
        if torch.cuda.is_available():
            count = torch.cuda.device_count()
            # Not get_device_name(): it initialises CUDA, and ddp_notebook cannot fork after that.
            return Accelerator("gpu", count)
        if requested in ("gpu", "cuda"):
            raise RuntimeError(
                "accelerator='gpu'를 요청했지만 CUDA가 GPU를 찾지 못했습니다. 고치는 법: Colab에서 "
                "런타임 > 런타임 유형 변경 > T4 GPU를 고르거나, accelerator='auto'로 두세요."
            )
    if requested not in ("auto", "cpu", "gpu", "cuda", "tpu"):
        raise ValueError(f"accelerator={requested!r}은(는) 없는 값입니다. 고치는 법: 'auto', 'tpu', 'gpu', 'cpu' 중 하나를 쓰세요.")
    return Accelerator("cpu", 1)


def default_precision(kind: str) -> str:
    """16-mixed on GPU (T4 has no bf16), 32-true on TPU and CPU.

    Not bf16-true on TPU: in Lightning 2.6 it stores the weights AND the AdamW state in bf16, and at a
    learning rate of 5e-5 most updates round to zero (36 % of the weights changed after 5 steps, against
    100 % in fp32). XLA already runs float32 matrix products as one bf16 pass, so 32-true costs little
    there (bf16-mixed is rejected on XLA).
    """
    return {"gpu": "16-mixed"}.get(kind, "32-true")


def set_seed(seed: int) -> None:
    """Seed Python, NumPy, torch (and the DataLoader workers) the same way on CPU, GPU and TPU."""
    import pytorch_lightning as pl

    pl.seed_everything(seed, workers=True, verbose=False)


LIBRARY_MODULES = r"(pytorch_lightning|lightning|lightning_fabric|lightning_utilities|torch|torchmetrics|transformers|tokenizers|huggingface_hub)(\.|$)"
"""Libraries whose deprecation notices a learner can do nothing about (the package pins what it calls)."""

QUIET_WARNINGS = (
    # The run directory is on Drive and reused on purpose: that is how an interrupted run resumes.
    r"Checkpoint directory .* exists and is not empty",
    # The worker count is chosen for the machine (0 on CPU, where forking workers only costs time).
    r".*does not have many workers",
    # Small runs (the smoke profile, a small own file) have fewer batches than the logging interval.
    r"The number of training batches .* is smaller than the logging interval",
    # A byte-level BPE tokenizer (RoBERTa's) marks no word starts, so pipeline("token-classification") with a
    # word-level aggregation splits words at spaces: Korean's 어절, which is what chapter 4 says it does.
    r"Tokenizer does not support real words, using fallback heuristic",
)

QUIET_LOGGERS = {
    # Lightning's start-up banner (devices found, "Tip: ... litlogger"), seed and checkpoint-restore notices.
    "pytorch_lightning": logging.WARNING,
    "lightning.pytorch": logging.WARNING,
    "lightning_fabric": logging.WARNING,
    "lightning.fabric": logging.WARNING,
}


class DropLoadReport(logging.Filter):
    """Drops transformers' LOAD REPORT (a table of weights not in the checkpoint or not used).

    The notebooks explain those weights once, from ``from_pretrained(..., output_loading_info=True)``
    (``nbhelpers.pretrained.loading_summary``). A filter, not a logger level: transformers 5 runs an extra
    tensor-parallel check, with warnings of its own, whenever ``transformers.modeling_utils``'s level is
    WARNING or above.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "LOAD REPORT" not in record.getMessage()


def quiet_libraries() -> None:
    """Keep library chatter out of the notebook: what is under a cell is for the learner.

    Deprecation notices from the libraries, Lightning's banner and tips, transformers' weight-loading
    table and its per-load progress bars go; real warnings and errors stay. Safe to call again.
    """
    import warnings

    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=LIBRARY_MODULES)
    try:  # Lightning's own category is a DeprecationWarning raised with the caller's module
        from lightning_fabric.utilities.rank_zero import LightningDeprecationWarning

        warnings.filterwarnings("ignore", category=LightningDeprecationWarning)
    except ImportError:
        pass
    for message in QUIET_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    loading = logging.getLogger("transformers.modeling_utils")
    if not any(type(f).__name__ == DropLoadReport.__name__ for f in loading.filters):  # a re-imported module too
        loading.addFilter(DropLoadReport())
    from transformers.utils import logging as transformers_logging

    # "Loading weights" / "Writing model shards" bars for a local model that loads in a moment; hub
    # downloads keep their own (huggingface_hub) progress bars.
    transformers_logging.disable_progress_bar()


PACKAGE_DIR = Path(__file__).resolve().parent


def shown_path(text: str) -> str:
    """``text`` with the installed package's folder written ``nbhelpers``: ``nbhelpers/samples/nsmc_train.txt``.

    Where pip put the package (``.../site-packages/`` or ``/usr/local/lib/python3.13/dist-packages/`` on
    Colab) says nothing to a learner reading which embedded sample a run used.
    """
    return text.replace(str(PACKAGE_DIR), "nbhelpers")


LEVEL_NAMES = {logging.WARNING: "경고", logging.ERROR: "오류", logging.CRITICAL: "심각한 오류"}
"""What a notebook line starts with at WARNING or worse; an INFO line is the message alone."""


class ShortPathFormatter(logging.Formatter):
    """Notebook log lines: the message alone, ``경고: …`` from WARNING up, the install folder shortened.

    A learner reads these under a cell: a timestamp, the logger's dotted name and ``INFO`` say nothing to
    them, and the package's own folder is written ``nbhelpers`` (:func:`shown_path`).
    """

    def format(self, record: logging.LogRecord) -> str:
        text = shown_path(super().format(record))
        if record.levelno >= logging.WARNING:
            level = max(level for level in LEVEL_NAMES if level <= record.levelno)
            text = f"{LEVEL_NAMES[level]}: {text}"
        return text


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a line is logged, not the one at setup.

    Jupyter and pytest swap ``sys.stdout`` (per cell output, per captured test); a handler holding the
    stream of the moment it was made writes later lines into a closed or stale stream.
    """

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 (a text stream)
        return sys.stdout

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    """The ``nbhelpers`` logger writing to the notebook; safe to call again when a cell is re-run.

    Library chatter is turned down at the same time (:func:`quiet_libraries`).
    """
    quiet_libraries()
    logger = logging.getLogger("nbhelpers")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_nbhelpers", False):
            logger.removeHandler(handler)
    handler = StdoutHandler()
    handler.setFormatter(ShortPathFormatter("%(message)s"))
    handler._nbhelpers = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
    return logger


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
