"""Chapter 2's training cells as a script, for the kill -9 tests in ``test_resume.py``.

``python tests/resume_run.py MODEL_DIR TINY_MODEL_DIR`` trains the tiny BERT on part of the NSMC sample
through the notebook's own calls (``resolve_config``, ``make_batch_sampler``, ``make_trainer``,
``last_checkpoint``, ``finish_training``) and prints one JSON line. ``CHECKPOINT_EVERY_MINUTES`` and
``NUM_WORKERS`` set those config fields; other environment variables choose when the process kills itself
with SIGKILL, as a Colab disconnect would:

* ``KILL_AT_STEP=k``: right after optimizer step ``k``;
* ``KILL_IN_SAVE=n``: during the ``n``-th write of ``last.ckpt``, after the temp file is complete and
  before it is renamed (the old ``last.ckpt`` has just become ``last.previous.ckpt``).

Every training batch is appended to ``MODEL_DIR/../batches-<name>.txt`` (global step, epoch and the indices
of the examples in it) before the step, so a killed run leaves a trace to compare with an uninterrupted one.
Output is line-buffered: what the process printed before a SIGKILL is in its stdout whatever the caller's
environment (``PYTHONUNBUFFERED`` or not).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from torch.utils.data import DataLoader, Dataset
from transformers import (
    AutoTokenizer,
    BertForSequenceClassification,
    DataCollatorWithPadding,
)

from nbhelpers.batching import make_batch_sampler, padding_options
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nsmc import NSMC_LABELS, read_nsmc
from nbhelpers.classification.task import ClassificationTask
from nbhelpers.config import resolve_config
from nbhelpers.registry import get_corpus, sample_files
from nbhelpers.runtime import set_seed
from nbhelpers.training import finish_training, last_checkpoint, make_trainer

TRAIN_EXAMPLES = 96
BATCH_SIZE = 16  # 6 steps per epoch
EPOCHS = 3


def kill_in_save(nth: int) -> None:
    """Make the ``nth`` rename of a temp file onto ``last.ckpt`` kill the process instead."""
    real_replace = os.replace
    seen = 0

    def replace(source: str | os.PathLike, target: str | os.PathLike) -> None:
        nonlocal seen
        if Path(target).name == "last.ckpt" and Path(source).name.endswith(".tmp"):
            seen += 1
            if seen == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        real_replace(source, target)

    os.replace = replace  # type: ignore[assignment]


class Indexed(Dataset):
    """A dataset whose rows also carry their index (``feature_index``), for :class:`Trace` to read."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return {**self.dataset[index], "feature_index": index}


class Trace(pl.Callback):
    """Append the example indices of every training batch to a file, and SIGKILL the process after step ``kill_at``.

    The indices are taken out of the batch (``feature_index``) before the model sees it.
    """

    def __init__(self, path: Path, kill_at: int) -> None:
        self.path = path
        self.kill_at = kill_at
        self.batches = 0

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: dict, batch_idx: int) -> None:
        indices = ",".join(str(index) for index in batch.pop("feature_index").tolist())
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{trainer.global_step} {trainer.current_epoch} {indices}\n")
        self.batches += 1

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: object) -> None:
        if trainer.global_step == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def trained_steps(path: Path) -> dict[int, list[int]]:
    """The example indices each global step trained on, from a trace; a step trained again counts as its last time."""
    steps: dict[int, list[int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        step, _, indices = line.split()
        steps[int(step)] = [int(index) for index in indices.split(",")]
    return steps


def run_config(model_dir: str | Path, **fields: str) -> ClassificationConfig:
    """The smoke config of these runs, with ``NBHELPERS_<FIELD>`` values for ``fields``."""
    env = {
        "NBHELPERS_PROFILE": "smoke",
        "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(model_dir),
        "NBHELPERS_BATCH_SIZE": str(BATCH_SIZE),
        "NBHELPERS_EPOCHS": str(EPOCHS),
    }
    env.update({f"NBHELPERS_{name.upper()}": value for name, value in fields.items()})
    return resolve_config(ClassificationConfig(), env=env, show=False)


def pieces(config: ClassificationConfig, tiny_model_dir: str | Path) -> tuple[ClassificationTask, DataLoader, DataLoader]:
    """The task and the DataLoaders, built as notebook 02 builds them (seeded like its cells)."""
    spec = get_corpus("nsmc")
    train = read_nsmc(sample_files(spec, "train"))[:TRAIN_EXAMPLES]
    val = read_nsmc(sample_files(spec, "val"))[:48]
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    collator = DataCollatorWithPadding(tokenizer, **padding_options(config))
    train_set = Indexed(encode_classification(train, tokenizer, 64))
    val_set = encode_classification(val, tokenizer, 64)
    train_dl = DataLoader(train_set, batch_sampler=make_batch_sampler(train_set, config, train=True), collate_fn=collator,
                          num_workers=config.num_workers)
    val_dl = DataLoader(val_set, batch_sampler=make_batch_sampler(val_set, config, train=False), collate_fn=collator)
    set_seed(config.seed)
    model = BertForSequenceClassification.from_pretrained(
        tiny_model_dir, num_labels=2, id2label=dict(enumerate(NSMC_LABELS)),
        label2id={name: index for index, name in enumerate(NSMC_LABELS)})
    task = ClassificationTask(model, learning_rate=config.learning_rate, weight_decay=config.weight_decay,
                              warmup_ratio=0.1, pretrained_model_name=str(tiny_model_dir))
    return task, train_dl, val_dl


def main(model_dir: str, tiny_model_dir: str) -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if os.environ.get("KILL_IN_SAVE"):
        kill_in_save(int(os.environ["KILL_IN_SAVE"]))
    config = run_config(model_dir, checkpoint_every_minutes=os.environ.get("CHECKPOINT_EVERY_MINUTES", "20"),
                        num_workers=os.environ.get("NUM_WORKERS", "0"))
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    trace = Trace(Path(model_dir).parent / f"batches-{Path(model_dir).name}.txt", int(os.environ.get("KILL_AT_STEP", "-1")))
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.append(trace)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    metrics = finish_training(trainer, task, val_dl, config)
    print(json.dumps({"global_step": metrics["global_step"], "trained_batches": trace.batches,
                      "val_acc": metrics["val_acc"], "best_checkpoint": metrics["best_checkpoint"]}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
