"""The Lightning Trainer every chapter uses: checkpoints on Drive, resume, logs and ``metrics.json``.

Colab disconnects. Checkpoints (the best by the chapter's validation metric, and ``last.ckpt``) go to
``downstream_model_dir`` on Drive, and a re-run of the notebook resumes from ``last.ckpt``. After
training, the best checkpoint is validated once more and its metrics, the config, the library versions
and the wall time are written to ``metrics.json`` so that a run can be compared with the published scores.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.metadata
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, Timer, TQDMProgressBar
from pytorch_lightning.loggers import CSVLogger
from torch.utils.data import DataLoader

from nbhelpers.batching import set_replicas
from nbhelpers.config import BaseConfig, parse_max_time

LOG_DIR_NAME = "logs"


class WallClock(Callback):
    """Seconds spent in ``fit`` in this session (a resumed run counts only its own part)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.seconds += time.perf_counter() - self._start


class SessionTimer(Timer):
    """``Trainer(max_time=...)`` that counts this session only.

    Lightning's own timer stores the elapsed time in the checkpoint, so after a resume the budget is
    already spent and training stops at once. Here the limit is there to end a session cleanly before
    Colab's runtime limit, so a resumed session starts its clock at zero.
    """

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._offset = 0


class ShareBatches(Callback):
    """Tells :mod:`nbhelpers.batching`'s samplers how many processes share the data and which one this is.

    The chapters' DataLoaders take their batches from ``LengthGroupedBatchSampler``, which gives each
    process its own share of every step itself, so the Trainer runs with ``use_distributed_sampler=False``
    (Lightning would otherwise try to swap in a ``DistributedSampler`` and lose the length grouping).
    Lightning knows the processes on every accelerator (a TPU has no ``torch.distributed`` group).
    """

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        set_replicas(trainer.world_size, trainer.global_rank)

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        set_replicas(None)


def show_progress_bar(config: BaseConfig) -> bool:
    """A tqdm bar (it renders in Colab); none in the smoke profile or CI, where nobody watches it."""
    return config.profile != "smoke" and not os.environ.get("CI")


def make_trainer(config: BaseConfig, monitor: str, mode: str = "max", **overrides: Any) -> pl.Trainer:
    """A Trainer wired to ``config``: devices, precision, checkpoints, CSV logs, clipping, step limits."""
    model_dir = Path(config.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = ModelCheckpoint(
        dirpath=model_dir,
        filename=f"best-{{epoch}}-{{step}}-{{{monitor}:.4f}}",
        monitor=monitor,
        mode=mode,
        save_top_k=1,
        save_last=True,
        auto_insert_metric_name=True,
    )
    callbacks: list[Callback] = [checkpoint, WallClock(), ShareBatches()]
    max_time = parse_max_time(config.max_time)
    if max_time is not None:
        callbacks.append(SessionTimer(duration=max_time, interval="step"))
    progress = show_progress_bar(config)
    if progress:
        callbacks.append(TQDMProgressBar(refresh_rate=20))
    options: dict[str, Any] = {
        "accelerator": config.accelerator,
        "devices": config.devices,
        "strategy": config.strategy,
        "precision": config.precision,
        "max_epochs": config.epochs,
        "max_steps": config.max_steps,
        "gradient_clip_val": config.gradient_clip_val or None,
        "log_every_n_steps": config.log_every_n_steps,
        "logger": CSVLogger(save_dir=model_dir, name=LOG_DIR_NAME),
        "callbacks": callbacks,
        "enable_progress_bar": progress,
        "enable_model_summary": progress,
        "deterministic": False,
        "num_sanity_val_steps": 0,
        "use_distributed_sampler": False,  # the batch samplers share the data among processes (ShareBatches)
    }
    options.update(overrides)
    return pl.Trainer(**options)


def last_checkpoint(config: BaseConfig) -> str | None:
    """``last.ckpt`` of an interrupted run to resume from, or None for a fresh start."""
    path = Path(config.model_dir) / "last.ckpt"
    if config.resume and path.is_file():
        print(f"{path} 에서 이어서 학습합니다 (처음부터 하려면 이 파일을 지우거나 resume=False).")
        return str(path)
    return None


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("torch", "transformers", "tokenizers", "pytorch-lightning", "torch_xla", "nbhelpers"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def finish_training(
    trainer: pl.Trainer,
    task: pl.LightningModule,
    val_dataloader: DataLoader,
    config: BaseConfig,
    extra: dict[str, Any] | None = None,
    aliases: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Validate the best checkpoint, write ``metrics.json`` into ``downstream_model_dir`` and return it.

    ``aliases`` copies logged metrics under the names a field reports (``{"val_mlm_loss": "mlm_loss"}``).
    ``extra`` is merged after the best checkpoint is validated, so a dict the task fills during
    validation (full-precision scores, say) holds the best checkpoint's values.
    """
    checkpoint = trainer.checkpoint_callback
    best = checkpoint.best_model_path if isinstance(checkpoint, ModelCheckpoint) else ""
    results = trainer.validate(task, dataloaders=val_dataloader, ckpt_path=best or None, verbose=False)
    metrics: dict[str, Any] = {key: float(value) for key, value in (results[0] if results else {}).items()}
    for source, target in (aliases or {}).items():
        if source in metrics:
            metrics[target] = metrics[source]
    metrics.update(extra or {})
    clocks = [c for c in trainer.callbacks if isinstance(c, WallClock)]
    record = {
        **metrics,
        "best_checkpoint": best,
        "global_step": trainer.global_step,
        "wall_time_seconds": round(clocks[0].seconds, 1) if clocks else None,
        "config": dataclasses.asdict(config),
        "versions": library_versions(),
    }
    if trainer.is_global_zero:
        path = Path(config.model_dir) / "metrics.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"검증 지표를 {path} 에 저장했습니다.")
    return record


def read_logged_metrics(config: BaseConfig) -> list[dict[str, float]]:
    """Rows of every CSV log under ``downstream_model_dir`` (a resumed run adds a new version), by step."""
    rows: list[dict[str, float]] = []
    for path in sorted((Path(config.model_dir) / LOG_DIR_NAME).glob("version_*/metrics.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                rows.append({key: float(value) for key, value in row.items() if value not in ("", None)})
    return sorted(rows, key=lambda row: row.get("step", 0.0))
