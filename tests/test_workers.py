"""DataLoader workers and session limits: tokenizer threads before a fork, worker options, ``max_time``."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from pytorch_lightning.callbacks import Timer
from torch.utils.data import DataLoader
from transformers import (
    AutoTokenizer,
    BertForSequenceClassification,
    DataCollatorWithPadding,
)

from nbhelpers.batching import dataloader_options
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.task import ClassificationTask
from nbhelpers.config import parse_max_time, resolve_config
from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.training import SessionTimer, last_checkpoint, make_trainer


def _parallelism_after_import(value: str | None) -> str:
    env = {key: item for key, item in os.environ.items() if key != "TOKENIZERS_PARALLELISM"}
    if value is not None:
        env["TOKENIZERS_PARALLELISM"] = value
    code = "import os, nbhelpers; print(os.environ.get('TOKENIZERS_PARALLELISM'))"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_importing_nbhelpers_turns_tokenizer_threads_off_unless_the_user_chose() -> None:
    assert _parallelism_after_import(None) == "false"
    assert _parallelism_after_import("true") == "true"


class _Static(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> int:
        return index


class _PerEpoch(_Static):
    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch


def _config(accelerator: str, num_workers: int) -> ClassificationConfig:
    return ClassificationConfig(accelerator=accelerator, num_workers=num_workers)


@pytest.mark.parametrize(
    ("accelerator", "workers", "dataset", "expected"),
    [
        ("gpu", 2, _Static(), {"num_workers": 2, "persistent_workers": True, "pin_memory": True}),
        ("gpu", 0, _Static(), {"num_workers": 0, "persistent_workers": False, "pin_memory": True}),
        # Persistent workers would keep serving the first epoch's copy of a dataset that changes per epoch.
        ("gpu", 2, _PerEpoch(), {"num_workers": 2, "persistent_workers": False, "pin_memory": True}),
        ("tpu", 2, _Static(), {"num_workers": 2, "persistent_workers": False, "pin_memory": False}),
        ("cpu", 0, _Static(), {"num_workers": 0, "persistent_workers": False, "pin_memory": False}),
    ],
)
@pytest.mark.filterwarnings("ignore:.*pin_memory.*")  # no CUDA here: pinning is skipped with a warning
def test_dataloader_options(accelerator: str, workers: int, dataset: Any, expected: dict[str, Any]) -> None:
    options = dataloader_options(_config(accelerator, workers), dataset)
    assert options == expected
    loader = DataLoader(dataset, batch_size=4, **options)  # keywords DataLoader accepts together
    for _ in range(2):  # a second epoch reuses persistent workers
        assert [batch.tolist() for batch in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_max_time_parses_and_a_typo_fails_in_resolve_config() -> None:
    assert parse_max_time("") is None
    assert parse_max_time("00:11:30:00").total_seconds() == 11.5 * 3600
    assert parse_max_time(" 1:00:00:05 ").total_seconds() == 86405
    for bad in ("11:30", "00:11:30", "0:1:2:3", "eleven hours"):
        with pytest.raises(ValueError, match="DD:HH:MM:SS"):
            parse_max_time(bad)
    with pytest.raises(ValueError, match="max_time='11h'"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_MAX_TIME": "11h"}, show=False)
    config = resolve_config(ClassificationConfig(), env={"NBHELPERS_MAX_TIME": "00:11:00:00"}, show=False)
    assert config.max_time == "00:11:00:00"


def test_make_trainer_passes_max_time(tmp_path: Path) -> None:
    config = ClassificationConfig(downstream_model_dir=str(tmp_path), accelerator="cpu", devices=1,
                                  precision="32-true", max_time="00:11:30:00")
    timers = [c for c in make_trainer(config, monitor="val_acc").callbacks if isinstance(c, Timer)]
    assert len(timers) == 1 and isinstance(timers[0], SessionTimer)
    assert timers[0].time_remaining() == 11.5 * 3600
    unlimited = make_trainer(dataclasses.replace(config, max_time=""), monitor="val_acc")
    assert not [c for c in unlimited.callbacks if isinstance(c, Timer)]


class _SlowTask(ClassificationTask):
    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        time.sleep(0.3)
        return super().training_step(batch, batch_idx)


def test_max_time_stops_a_session_cleanly_and_a_resumed_session_gets_its_own_time(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    rows = [dict(tokenizer(f"리뷰 {i}"), labels=i % 2) for i in range(40)]
    train = DataLoader(rows, batch_size=2, collate_fn=DataCollatorWithPadding(tokenizer))
    val = DataLoader(rows[:4], batch_size=4, collate_fn=DataCollatorWithPadding(tokenizer))
    config = ClassificationConfig(downstream_model_dir=str(tmp_path), accelerator="cpu", devices=1,
                                  precision="32-true", epochs=50, max_time="00:00:00:01")
    torch.manual_seed(0)
    task = _SlowTask(BertForSequenceClassification(tiny_bert_config(len(tokenizer))), learning_rate=1e-3)
    steps = []
    for _ in range(2):
        trainer = make_trainer(config, monitor=task.monitor, mode=task.mode, logger=False)
        trainer.fit(task, train_dataloaders=train, val_dataloaders=val, ckpt_path=last_checkpoint(config))
        steps.append(trainer.global_step)
        # Stopped long before 50 epochs, with a checkpoint of the step it stopped at to resume from.
        assert 0 < trainer.global_step < 20 and trainer.current_epoch < config.epochs
        saved = torch.load(tmp_path / "last.ckpt", map_location="cpu", weights_only=True)
        assert saved["global_step"] == trainer.global_step
    # Lightning's own Timer restores the time already spent and would stop the resumed session at once.
    assert steps[1] > steps[0]
