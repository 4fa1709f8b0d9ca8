"""Every config field is range-checked in the settings cell, and a NaN loss stops training (issue 20 item 8).

``learning_rate=inf`` used to train a NaN model and write a finished ``metrics.json``; a negative batch size,
``max_steps=0``, a seed NumPy refuses, a misspelt strategy or another chapter's corpus failed minutes later
in a traceback, or never.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
import torch

import nbhelpers.config as config_module
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.config import resolve_config, validate_config
from nbhelpers.errors import ConfigError
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.qa.config import QAConfig
from nbhelpers.runtime import Accelerator
from nbhelpers.training import finish_training, last_checkpoint, make_trainer

RANGE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"learning_rate": math.inf}, "learning_rate=inf"),
    ({"learning_rate": math.nan}, "learning_rate=nan"),
    ({"learning_rate": 0.0}, "learning_rate=0.0"),
    ({"learning_rate": -5e-5}, "learning_rate=-5e-05"),
    ({"weight_decay": -0.01}, "weight_decay=-0.01"),
    ({"max_seq_length": 0}, "max_seq_length=0"),
    ({"batch_size": -8}, "batch_size=-8"),
    ({"max_steps": 0}, "max_steps=0"),
    ({"max_steps": -2}, "max_steps=-2"),
    ({"gradient_clip_val": -1.0}, "gradient_clip_val=-1.0"),
    ({"seed": -1}, "seed=-1"),
    ({"seed": 2**32}, "seed=4294967296"),
    ({"log_every_n_steps": 0}, "log_every_n_steps=0"),
    ({"checkpoint_every_minutes": math.nan}, "checkpoint_every_minutes=nan"),
    ({"num_workers": -2}, "num_workers=-2"),
    ({"strategy": "ddp_notebok"}, "strategy='ddp_notebok'"),
    ({"max_time": "11 hours"}, "max_time='11 hours'"),
    ({"downstream_corpus_name": "korquad-v1"}, "downstream_corpus_name='korquad-v1'"),
    ({"downstream_corpus_name": "nsmcc"}, "downstream_corpus_name='nsmcc'"),
    ({"pretrained_model_name": " "}, "pretrained_model_name=' '"),
    ({"data_root": ""}, "data_root=''"),
]


@pytest.mark.parametrize(("values", "field"), RANGE_CASES, ids=[c[1] for c in RANGE_CASES])
def test_each_value_that_cannot_work_is_named_with_its_fix(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve_config(ClassificationConfig(**values), env={}, show=False)
    message = str(error.value)
    line = next(line for line in message.splitlines() if field in line)
    assert "고치는 법:" in line and message.startswith("설정 값 1개를 쓸 수 없습니다"), message


def test_the_same_values_from_environment_variables_are_refused() -> None:
    env = {"NBHELPERS_LEARNING_RATE": "inf", "NBHELPERS_SEED": "-3", "NBHELPERS_MAX_STEPS": "0"}
    with pytest.raises(ConfigError) as error:
        resolve_config(ClassificationConfig(), env=env, show=False)
    assert all(words in str(error.value) for words in ("learning_rate=inf", "seed=-3", "max_steps=0"))


def test_every_problem_is_listed_in_one_error() -> None:
    with pytest.raises(ConfigError) as error:
        validate_config(ClassificationConfig(learning_rate=math.nan, batch_size=-1, seed=2**40, epochs=0,
                                             downstream_corpus_name="ner"))
    message = str(error.value)
    assert message.startswith("설정 값 5개를 쓸 수 없습니다")
    assert message.count("고치는 법:") == 5 and message.count("\n- ") == 5


def test_corpus_names_suggest_this_chapters_corpora() -> None:
    with pytest.raises(ConfigError, match=r"'korquad-v11'.*'korquad-v1'의 오타"):
        validate_config(QAConfig(downstream_corpus_name="korquad-v11"))
    with pytest.raises(ConfigError, match=r"corpus_name='nsmc': 다른 장의 말뭉치입니다.*'kowikitext'"):
        validate_config(PretrainConfig(corpus_name="nsmc"))
    # Chapter 1 trains from scratch: no pretrained model name is right there.
    validate_config(PretrainConfig(pretrained_model_name=""))


def test_a_model_folder_that_cannot_be_written_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "checkpoint.txt"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"폴더가 있어야 할 자리에 파일이 있습니다\\({blocker}\\)"):
        validate_config(ClassificationConfig(downstream_model_dir=str(blocker / "run")))
    read_only = tmp_path / "shared"
    read_only.mkdir()
    real_access = os.access
    # Simulated: the tests may run as root, for whom file permissions do not apply.
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == read_only else real_access(path, mode))
    with pytest.raises(ConfigError, match=f"쓸 권한이 없어 체크포인트를 저장할 수 없습니다\\({read_only}\\)"):
        validate_config(ClassificationConfig(downstream_model_dir=str(read_only / "nlpbook" / "run")))
    assert not (read_only / "nlpbook").exists()


def test_more_devices_than_the_machine_has_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "detect_accelerator", lambda requested="auto": Accelerator("gpu", 1))
    with pytest.raises(ConfigError, match=r"devices=4: 이 런타임에는 GPU가 1개뿐입니다"):
        resolve_config(ClassificationConfig(devices=4), env={}, show=False)
    assert resolve_config(ClassificationConfig(devices=1), env={}, show=False).devices == 1


def test_edge_values_that_do_work_pass() -> None:
    config = ClassificationConfig(learning_rate=1e-9, weight_decay=0.0, batch_size=0, max_steps=-1, seed=2**32 - 1,
                                  gradient_clip_val=0.0, checkpoint_every_minutes=0.0, num_workers=-1,
                                  strategy="ddp_notebook", devices=0)
    validate_config(config)
    validate_config(ClassificationConfig(max_steps=1, seed=0, strategy="auto"))


# --- a NaN loss stops the run ---------------------------------------------------------------------------------


def test_a_nan_loss_stops_training_and_no_finished_metrics_are_written(tmp_path: Path, tiny_model_dir: Path) -> None:
    from resume_run import pieces, run_config

    config = run_config(tmp_path / "run", max_steps="5")
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    with torch.no_grad():  # what a far too high learning rate leaves behind after a step or two
        task.model.bert.embeddings.word_embeddings.weight[5:] = math.nan
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    with pytest.raises(FloatingPointError) as error:
        trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    message = str(error.value)
    assert "학습 손실이 NaN이 되어 1번째 스텝에서" in message and "고치는 법: learning_rate" in message
    with pytest.raises(RuntimeError, match="NaN 또는 무한대"):
        finish_training(trainer, task, val_dl, config)
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_weights_broken_between_logged_steps_never_replace_the_last_good_checkpoint(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The loss is read only on logged steps; a timed save of NaN weights in between must not happen."""
    from pytorch_lightning.callbacks import Callback

    from resume_run import pieces, run_config

    config = run_config(tmp_path / "run", max_steps="8", log_every_n_steps="1000", checkpoint_every_minutes="0.000001")
    task, train_dl, val_dl = pieces(config, tiny_model_dir)

    class BreakAfterStep3(Callback):  # what a far too high learning rate does between two logged steps
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:  # noqa: ANN001
            if trainer.global_step == 3:
                with torch.no_grad():
                    pl_module.model.bert.embeddings.word_embeddings.weight[5:] = math.nan

    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.insert(0, BreakAfterStep3())
    with pytest.raises(FloatingPointError, match="가중치에 NaN이나 무한대가 생겨 학습을 멈췄습니다.*마지막 정상 상태"):
        trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    saved = torch.load(tmp_path / "run" / "last.ckpt", map_location="cpu", weights_only=False)
    assert saved["global_step"] == 2
    assert all(torch.isfinite(value).all() for value in saved["state_dict"].values() if value.is_floating_point())
    with pytest.raises(RuntimeError, match="NaN 또는 무한대"):
        finish_training(trainer, task, val_dl, config)
