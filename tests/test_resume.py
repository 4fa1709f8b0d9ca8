"""Resume, fresh starts, damaged checkpoints and the Drive budget (issue 9 items 1-4, issue 17 items 4-5).

The kill test runs chapter 2's training cells as a subprocess (``resume_run.py``) that SIGKILLs itself,
as a Colab disconnect does; the rest train the same tiny model in this process. A resumed run must train
every step on exactly the examples of the uninterrupted run, and end with its weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import pytorch_lightning as pl
import resume_run
import torch
from resume_run import BATCH_SIZE, EPOCHS, TRAIN_EXAMPLES, Trace, pieces, run_config, trained_steps

from nbhelpers.checkpoints import LAST, PREVIOUS, atomic_save, load_checkpoint_file, read_run_file
from nbhelpers.predictor import export_model
from nbhelpers.rundir import (
    directory_size,
    aside_runs,
    print_footprint,
    run_footprint,
)
from nbhelpers.training import (
    SessionTimer,
    finish_training,
    last_checkpoint,
    make_trainer,
    read_logged_metrics,
)

STEPS_PER_EPOCH = TRAIN_EXAMPLES // BATCH_SIZE
TOTAL_STEPS = STEPS_PER_EPOCH * EPOCHS
SCRIPT = Path(__file__).with_name("resume_run.py")
EVERY_STEP = "0.000000001"
"""``checkpoint_every_minutes`` that saves ``last.ckpt`` after every step (as 20 minutes do on Colab), whatever a step lasts."""


class StopAfterEpochs(pl.Callback):
    """End a session cleanly after ``epochs`` epochs, before the run's end (like a time limit)."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.current_epoch + 1 >= self.epochs:
            trainer.should_stop = True


class FailAt(pl.Callback):
    """Fail at a step (out of GPU memory, say): ``fit`` raises and Lightning marks the run interrupted."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer: pl.Trainer, *args: object) -> None:
        if trainer.global_step == self.step:
            raise RuntimeError("CUDA out of memory (simulated)")


class StepClock(SessionTimer):
    """The session timer (``max_time``) on a clock that advances one second per training step, not with real time."""

    def __init__(self, seconds: int) -> None:
        super().__init__(duration=timedelta(seconds=seconds), interval="step")
        self.ticks = 0

    def on_train_batch_end(self, trainer: pl.Trainer, *args: object, **kwargs: object) -> None:
        self.ticks += 1
        super().on_train_batch_end(trainer, *args, **kwargs)

    def time_elapsed(self, stage: str = "train") -> float:
        return float(self.ticks)


def session(model_dir: Path, tiny_model_dir: Path, *callbacks: pl.Callback, **fields: str):
    """One run of the notebook's training cells in this process: (config, trainer, task, val loader)."""
    config = run_config(model_dir, **fields)
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.extend(callbacks)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    return config, trainer, task, val_dl


def saved_step(path: Path) -> int:
    return int(load_checkpoint_file(path)["global_step"])


def run_script(model_dir: Path, tiny_model_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """``resume_run.py`` in a child whose environment is the caller's less anything that changes the run.

    The script sets its whole config itself; unbuffered output keeps what it printed before a SIGKILL.
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NBHELPERS_")
                   and key not in ("KILL_AT_STEP", "KILL_IN_SAVE", "CHECKPOINT_EVERY_MINUTES", "NUM_WORKERS")}
    environment.update({"HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false", **env})
    return subprocess.run([sys.executable, str(SCRIPT), str(model_dir), str(tiny_model_dir)],
                          check=False, capture_output=True, text=True, env=environment, timeout=600)


@pytest.mark.slow
def test_kill_9_at_any_point_then_the_same_command_ends_where_an_uninterrupted_run_ends(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    whole = run_script(tmp_path / "whole", tiny_model_dir)
    assert whole.returncode == 0, whole.stderr[-3000:]
    expected = json.loads(whole.stdout.strip().splitlines()[-1])
    assert expected["global_step"] == TOTAL_STEPS and (tmp_path / "whole" / "metrics.json").is_file()

    killed = tmp_path / "killed"
    often = {"CHECKPOINT_EVERY_MINUTES": EVERY_STEP}
    # The resumed sessions have a DataLoader worker process, whose first batches Lightning draws before the
    # resumed position is known (the uninterrupted run has none: batches do not depend on workers).
    worker = {"NUM_WORKERS": "1"}
    # 1. Killed right after step 9, inside the second epoch: the last time-interval save was at step 9.
    first = run_script(killed, tiny_model_dir, KILL_AT_STEP="9", **often)
    assert first.returncode == -9 and not (killed / "metrics.json").exists()
    assert saved_step(killed / LAST) == 9
    # 2. The same command resumes there and is killed again inside a save: the new last.ckpt is written to a
    #    temp file, the old one has become last.previous.ckpt, and last.ckpt does not exist at that moment.
    second = run_script(killed, tiny_model_dir, KILL_IN_SAVE="2", **often, **worker)
    assert second.returncode == -9 and "last.ckpt (global step 9)" in second.stdout
    assert not (killed / LAST).exists() and saved_step(killed / PREVIOUS) == 10
    assert list(killed.glob(".last.ckpt.*.tmp")), "the interrupted save should have left only a temp file"
    # 3. The same command again: resumes from the previous state and finishes at the uninterrupted run's step.
    third = run_script(killed, tiny_model_dir, **worker)
    assert third.returncode == 0, third.stderr[-3000:]
    result = json.loads(third.stdout.strip().splitlines()[-1])
    assert "last.previous.ckpt (global step 10)" in third.stdout
    assert result["global_step"] == expected["global_step"] == TOTAL_STEPS
    assert result["trained_batches"] == TOTAL_STEPS - 10
    metrics = json.loads((killed / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["global_step"] == TOTAL_STEPS and metrics["training_finished"] is True
    assert not list(killed.glob(".*.tmp")) and not (killed / PREVIOUS).exists()
    # Resumed twice inside the second epoch, the run trained every step on the uninterrupted run's examples:
    # the resumed epochs went on at their next batch (not from their first), and later epochs kept their order.
    steps = trained_steps(tmp_path / "batches-whole.txt")
    assert sorted(steps) == list(range(TOTAL_STEPS))
    assert trained_steps(killed.with_name("batches-killed.txt")) == steps
    # 4. A finished run started again does not train again.
    again = run_script(killed, tiny_model_dir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["trained_batches"] == 0


def test_damaged_last_checkpoint_is_named_and_the_previous_state_resumes(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    session(model_dir, tiny_model_dir, StopAfterEpochs(2))
    assert saved_step(model_dir / LAST) == 2 * STEPS_PER_EPOCH and saved_step(model_dir / PREVIOUS) == STEPS_PER_EPOCH
    data = (model_dir / LAST).read_bytes()
    (model_dir / LAST).write_bytes(data[: len(data) // 2])  # a disconnect while Drive was syncing
    capsys.readouterr()
    config = run_config(model_dir)
    assert last_checkpoint(config) == str(model_dir / PREVIOUS)
    out = capsys.readouterr().out
    assert f"{model_dir / LAST} 를 쓸 수 없습니다" in out and "이전 상태" in out
    assert not (model_dir / LAST).exists()
    _, trainer, _, _ = session(model_dir, tiny_model_dir)
    assert trainer.global_step == TOTAL_STEPS


def test_no_readable_checkpoint_starts_over_and_says_so(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    session(model_dir, tiny_model_dir, StopAfterEpochs(2))
    for name in (LAST, PREVIOUS):
        (model_dir / name).write_bytes(b"PK\x03\x04 not a whole checkpoint")
    capsys.readouterr()
    assert last_checkpoint(run_config(model_dir)) is None
    out = capsys.readouterr().out
    assert f"{model_dir / LAST} 를 쓸 수 없습니다" in out and f"{model_dir / PREVIOUS} 를 쓸 수 없습니다" in out
    assert "처음부터 새로 학습합니다" in out
    assert not list(model_dir.glob("*.ckpt")) and (aside_runs(model_dir)[-1] / "logs").is_dir()


def test_fresh_start_moves_the_old_run_aside_and_the_next_default_run_continues_the_new_one(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    session(model_dir, tiny_model_dir, StopAfterEpochs(2))
    capsys.readouterr()
    session(model_dir, tiny_model_dir, StopAfterEpochs(1), resume="false")
    assert "resume=False: 처음부터 새로 학습합니다" in capsys.readouterr().out
    names = sorted(p.name for p in model_dir.glob("*.ckpt"))
    assert not [name for name in names if "-v1" in name], names  # Lightning's versioned names never appear
    assert names == [names[0], LAST] and names[0].startswith("best-") and saved_step(model_dir / LAST) == STEPS_PER_EPOCH
    aside = aside_runs(model_dir)[-1]
    assert saved_step(aside / LAST) == 2 * STEPS_PER_EPOCH  # the old run is kept, whole, beside it
    # The training curves show the current run only.
    steps = [row["step"] for row in read_logged_metrics(run_config(model_dir)) if "train_loss" in row]
    assert steps and max(steps) < STEPS_PER_EPOCH
    # The next default run continues the NEW run, not the old one.
    capsys.readouterr()
    _, trainer, _, _ = session(model_dir, tiny_model_dir)
    assert f"{model_dir / LAST} (global step {STEPS_PER_EPOCH})" in capsys.readouterr().out
    assert trainer.global_step == TOTAL_STEPS


def test_changed_settings_start_a_new_run_and_name_the_change(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    session(model_dir, tiny_model_dir, StopAfterEpochs(1))
    capsys.readouterr()
    changed = run_config(model_dir, learning_rate="0.001")
    assert last_checkpoint(changed) is None
    out = capsys.readouterr().out
    assert "learning_rate: 0.002 -> 0.001" in out and "처음부터 새로 학습합니다" in out
    # How the run goes (here the worker count) is not part of its identity: the moved-aside run still resumes.
    assert last_checkpoint(run_config(aside_runs(model_dir)[-1], num_workers="0")) is not None


def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / LAST
    atomic_save({"global_step": 1}, path)

    def partial_save(obj: object, handle) -> None:
        handle.write(b"PK\x03\x04partial")
        raise OSError("disconnected")

    monkeypatch.setattr(torch, "save", partial_save)
    with pytest.raises(OSError, match="disconnected"):
        atomic_save({"global_step": 2}, path)
    monkeypatch.undo()
    assert load_checkpoint_file(path) == {"global_step": 1}
    assert [p.name for p in tmp_path.iterdir()] == [LAST]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):
    model_dir = tmp_path_factory.mktemp("finished") / "run"
    config, trainer, task, val_dl = session(model_dir, tiny_model_dir)
    metrics = finish_training(trainer, task, val_dl, config)
    export_model(task.model, _tokenizer(tiny_model_dir), model_dir / "export")
    return model_dir, metrics


def _tokenizer(path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def test_only_the_resume_checkpoint_keeps_optimizer_state_and_the_footprint_is_printed(
    finished_run: tuple[Path, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir, metrics = finished_run
    best = Path(metrics["best_checkpoint"])
    last = load_checkpoint_file(model_dir / LAST)
    assert "optimizer_states" in last and "lr_schedulers" in last
    assert "optimizer_states" not in load_checkpoint_file(best) and "hf_config" in load_checkpoint_file(best)
    assert best.stat().st_size < (model_dir / LAST).stat().st_size / 2  # AdamW keeps two moments per weight
    assert not (model_dir / PREVIOUS).exists()  # a finished run keeps one resumable state
    sizes = run_footprint(model_dir)
    assert sum(sizes.values()) == directory_size(model_dir)
    assert sizes["이어 학습용 체크포인트 (옵티마이저 상태 포함)"] == (model_dir / LAST).stat().st_size
    assert sizes["최고 모델 체크포인트 (가중치만)"] == best.stat().st_size
    capsys.readouterr()
    total = print_footprint(run_config(model_dir))
    out = capsys.readouterr().out
    assert total == directory_size(model_dir) and "이어 학습용 체크포인트" in out and "내보낸 모델" in out
    assert metrics["wall_time_seconds"] > 0 and metrics["global_step"] == TOTAL_STEPS


def test_an_interrupted_or_untrained_model_never_overwrites_metrics_or_the_export(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    model_dir = tmp_path / "run"
    config, trainer, task, val_dl = session(model_dir, tiny_model_dir, StopAfterEpochs(1))
    finish_training(trainer, task, val_dl, config)  # a validated model from the first session
    export_model(task.model, _tokenizer(tiny_model_dir), model_dir / "export")
    good_metrics = (model_dir / "metrics.json").read_bytes()
    good_export = (model_dir / "export" / "model.safetensors").read_bytes()
    # The next session fails halfway, and the learner runs the following cells anyway.
    config = run_config(model_dir)
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.append(FailAt(STEPS_PER_EPOCH + 2))
    with pytest.raises(RuntimeError, match="simulated"):
        trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    assert trainer.interrupted
    with pytest.raises(RuntimeError, match=r"학습이 global step \d+에서 중단되어 metrics\.json과 내보낸 모델은 그대로 둡니다"):
        finish_training(trainer, task, val_dl, config)
    with pytest.raises(RuntimeError, match="finish_training으로 검증되지 않았습니다"):
        export_model(task.model, _tokenizer(tiny_model_dir), model_dir / "export")
    assert (model_dir / "metrics.json").read_bytes() == good_metrics
    assert (model_dir / "export" / "model.safetensors").read_bytes() == good_export
    # No training at all in a new directory: nothing to validate, nothing written.
    fresh = run_config(tmp_path / "fresh")
    task, _, val_dl = pieces(fresh, tiny_model_dir)
    with pytest.raises(RuntimeError, match=r"학습과 검증을 마친 모델이 없어\(global step 0"):
        finish_training(make_trainer(fresh, monitor=task.monitor, mode=task.mode), task, val_dl, fresh)
    assert not (tmp_path / "fresh" / "metrics.json").exists()


def test_max_steps_inside_the_first_epoch_still_validates_and_keeps_a_best_model(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    config, trainer, task, val_dl = session(tmp_path / "run", tiny_model_dir, max_steps="4")
    assert trainer.global_step == 4 < STEPS_PER_EPOCH
    metrics = finish_training(trainer, task, val_dl, config)
    assert "step=4" in Path(metrics["best_checkpoint"]).name and metrics["training_finished"] is True
    assert saved_step(tmp_path / "run" / LAST) == 4


def test_curves_draw_each_step_once_when_a_session_resumed_inside_an_epoch(tmp_path: Path) -> None:
    # Session 1 logged steps 0-10 and was killed; session 2 resumed from the checkpoint at step 8.
    for version, steps in ((0, range(0, 11)), (1, range(8, 19))):
        folder = tmp_path / "logs" / f"version_{version}"
        folder.mkdir(parents=True)
        rows = "".join(f"{step},{version}\n" for step in steps)
        (folder / "metrics.csv").write_text("step,train_loss\n" + rows, encoding="utf-8")
    rows = read_logged_metrics(run_config(tmp_path))
    assert [row["step"] for row in rows] == list(range(19))
    assert [row["train_loss"] for row in rows] == [0.0] * 8 + [1.0] * 11  # the resumed session's values


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):
    """The whole run in one session: the examples of each step, and the final weights."""
    root = tmp_path_factory.mktemp("uninterrupted")
    _, trainer, task, _ = session(root / "run", tiny_model_dir, Trace(root / "trace.txt", -1))
    assert trainer.global_step == TOTAL_STEPS
    return trained_steps(root / "trace.txt"), {name: value.clone() for name, value in task.model.state_dict().items()}


def assert_same_weights(model: torch.nn.Module, expected: dict[str, torch.Tensor]) -> None:
    # Dropout drew the same masks only if the random state was restored: otherwise weights differ by ~1e-3.
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, expected[name], rtol=0, atol=1e-6, msg=name)


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_run_cut_inside_an_epoch_resumes_at_the_next_batch_and_ends_with_the_uninterrupted_weights(
    tmp_path: Path, tiny_model_dir: Path, uninterrupted: tuple, workers: str
) -> None:
    # With a worker process, Lightning's first iterator has drawn batches before the position is restored.
    steps, weights = uninterrupted
    model_dir, trace = tmp_path / "run", tmp_path / "trace.txt"
    with pytest.raises(RuntimeError, match="simulated"):  # fails inside the second epoch, after the save of step 9
        session(model_dir, tiny_model_dir, Trace(trace, -1), FailAt(9), num_workers=workers,
                checkpoint_every_minutes=EVERY_STEP)
    position = load_checkpoint_file(model_dir / LAST)["callbacks"]["ExactResume"]["position"]
    assert position == {"epoch": 1, "batches_done": 9 - STEPS_PER_EPOCH, "dataset_length": TRAIN_EXAMPLES,
                        "batch_size": BATCH_SIZE, "num_replicas": 1, "seed": run_config(model_dir).seed}
    _, trainer, task, _ = session(model_dir, tiny_model_dir, Trace(trace, -1), num_workers=workers)
    assert trainer.global_step == TOTAL_STEPS
    assert trained_steps(trace) == steps
    assert_same_weights(task.model, weights)


def test_max_time_inside_the_last_epoch_resumes_there_and_the_run_finishes_only_at_its_end(
    tmp_path: Path, tiny_model_dir: Path, uninterrupted: tuple
) -> None:
    steps, weights = uninterrupted
    model_dir, trace = tmp_path / "run", tmp_path / "trace.txt"
    stop = TOTAL_STEPS - 4  # the time is up after step 14, inside the last epoch (steps 12-17)
    config, trainer, task, val_dl = session(model_dir, tiny_model_dir, Trace(trace, -1), StepClock(stop))
    assert trainer.global_step == saved_step(model_dir / LAST) == stop
    assert trainer.optimizers[0].param_groups[0]["lr"] > 0
    assert read_run_file(model_dir)["finished"] is False
    assert finish_training(trainer, task, val_dl, config)["training_finished"] is False  # the stop's validation
    config, trainer, task, val_dl = session(model_dir, tiny_model_dir, Trace(trace, -1))
    assert trainer.global_step == TOTAL_STEPS and trained_steps(trace) == steps  # the last 4 batches, not 0
    assert trainer.optimizers[0].param_groups[0]["lr"] == 0.0  # the schedule reached its end
    assert_same_weights(task.model, weights)  # (finish_training then loads the best checkpoint into it)
    assert read_run_file(model_dir)["finished"] is True
    assert finish_training(trainer, task, val_dl, config)["training_finished"] is True


def test_a_saved_position_that_does_not_fit_the_data_is_named_and_not_used(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "run"
    with pytest.raises(RuntimeError, match="simulated"):
        session(model_dir, tiny_model_dir, FailAt(STEPS_PER_EPOCH + 3), checkpoint_every_minutes=EVERY_STEP)
    monkeypatch.setattr(resume_run, "TRAIN_EXAMPLES", TRAIN_EXAMPLES - 6)  # the training file lost 6 reviews
    capsys.readouterr()
    _, trainer, _, _ = session(model_dir, tiny_model_dir)
    out = capsys.readouterr().out
    assert ("이어 학습: 체크포인트의 위치(2번째 에폭에서 배치 3개까지 학습)가 지금 데이터로더와 맞지 않습니다"
            f"(dataset_length {TRAIN_EXAMPLES} -> {TRAIN_EXAMPLES - 6})") in out
    assert trainer.global_step == TOTAL_STEPS


def test_a_resumed_run_with_worker_processes_sees_each_later_epoch_in_the_uninterrupted_order(
    tmp_path: Path, tiny_model_dir: Path, uninterrupted: tuple
) -> None:
    # Lightning makes the first epoch's iterator before telling the sampler the epoch; with workers it
    # has drawn indices at once, which without ExactResume would give the resumed epoch epoch 0's order.
    steps, weights = uninterrupted
    trace = tmp_path / "trace.txt"
    session(tmp_path / "resumed", tiny_model_dir, StopAfterEpochs(1), num_workers="1")
    _, _, task, _ = session(tmp_path / "resumed", tiny_model_dir, Trace(trace, -1), num_workers="1")
    assert trained_steps(trace) == {step: steps[step] for step in range(STEPS_PER_EPOCH, TOTAL_STEPS)}
    assert_same_weights(task.model, weights)


def test_a_last_epoch_shorter_than_the_first_still_finishes_the_run(tmp_path: Path) -> None:
    """Chapter 1 draws new sentence pairs every epoch, so an epoch can have fewer batches than the first."""
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader, Sampler

    from nbhelpers.checkpoints import LatestCheckpoint, training_finished

    class FewerEachEpoch(Sampler):
        def __init__(self) -> None:
            self.epoch = 0

        def __len__(self) -> int:
            return 6 - 2 * self.epoch

        def __iter__(self):  # noqa: ANN204
            return iter([[i] for i in range(len(self))])

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)

        def training_step(self, batch, batch_idx):  # noqa: ANN001, ANN201
            return self.layer(batch.float().unsqueeze(-1)).sum()

        def configure_optimizers(self):  # noqa: ANN201
            return torch.optim.SGD(self.parameters(), lr=0.1)

    class NextEpoch(pl.Callback):  # before the epoch's loader is iterated, as chapter 1 sets its pairs' epoch
        def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
            sampler.epoch = trainer.current_epoch

    sampler = FewerEachEpoch()
    loader = DataLoader(torch.arange(6), batch_sampler=sampler)
    trainer = pl.Trainer(max_epochs=2, callbacks=[NextEpoch(), LatestCheckpoint(tmp_path, every_minutes=0)], logger=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(Tiny(), train_dataloaders=loader)
    assert trainer.global_step == 6 + 4
    assert training_finished(trainer)
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["finished"] is True
