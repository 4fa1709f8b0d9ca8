"""The Lightning Trainer every chapter uses: checkpoints on Drive, resume, logs and ``metrics.json``.

Colab disconnects. Two kinds of checkpoint go to ``model_dir`` on Drive (``nbhelpers.checkpoints``):
the best model by the chapter's validation metric, as weights only (``best-...ckpt``), and the latest
state with the optimizer (``last.ckpt``), written at every epoch end and every ``checkpoint_every_minutes``
inside an epoch, always whole (temp file, then rename). Run the notebook again with the same settings
and ``last_checkpoint`` resumes from the latest state; a finished run is not trained again; changed
settings or ``resume=False`` move the old run aside first (``nbhelpers.rundir``).

After training, ``finish_training`` validates the best checkpoint once more, in the notebook's own
process (a multi-process ``fit`` forks, and what the task computes in the forked processes does not come
back), then evaluates it once on the reported set (the corpus's dev or test file; the validation set that
picked the checkpoint is held out from the training data, ``nbhelpers.holdout``), and writes both sets'
metrics under their own names, the config, the library versions and the training time to ``metrics.json``
so that a run can be compared with the published scores. It refuses when training did not produce a
validated model, so an interrupted run never overwrites the results of a good one.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.metadata
import os
import platform
import random
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import (
    Callback,
    ModelCheckpoint,
    Timer,
    TQDMProgressBar,
)
from pytorch_lightning.loggers import CSVLogger
from torch.utils.data import DataLoader, RandomSampler

from nbhelpers.batching import set_replicas
from nbhelpers.checkpoints import (
    LatestCheckpoint,
    ValidateAtMaxSteps,
    checkpoint_io_for,
    epoch_cut_short,
    read_run_file,
    write_json,
)
from nbhelpers.config import BaseConfig, parse_max_time
from nbhelpers.predictor import mark_validated
from nbhelpers.rundir import SessionHeartbeat, hold_session, prepare_run, print_footprint
from nbhelpers.runtime import quiet_libraries

LOG_DIR_NAME = "logs"


def capture_rng(cuda_device: int | None = None) -> dict[str, Any]:
    """The global random state of this process: torch, numpy, Python, and CUDA's on ``cuda_device`` if it is in use.

    Kept as tensors, lists and tuples of ints, which a ``weights_only`` load accepts (a numpy array is not).
    CUDA is only read where it is already initialised: reading it would otherwise create a CUDA context.
    """
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": (kind, keys.tolist(), int(position), int(has_gauss), float(cached)),
        "python": random.getstate(),
    }
    if cuda_device is not None and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.default_generators[cuda_device].get_state()
    return state


def restore_rng(state: dict[str, Any], cuda_device: int | None = None) -> None:
    """Set the random state :func:`capture_rng` returned (CUDA's where it was saved and ``cuda_device`` is in use)."""
    torch.set_rng_state(state["torch"])
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and cuda_device is not None and torch.cuda.is_initialized():
        torch.cuda.default_generators[cuda_device].set_state(state["cuda"])


def _cuda_device(trainer: pl.Trainer) -> int | None:
    """The index of the GPU this process trains on, or None off a GPU."""
    device = trainer.strategy.root_device
    return (device.index or 0) if device.type == "cuda" else None


_NOT_RESUMABLE_WARNING = "You're resuming from a checkpoint that ended before the epoch ended"


class ExactResume(Callback):
    """A resumed run trains on exactly what the uninterrupted run would have: the same batches, the same random state.

    Lightning restores the weights, the optimizer, the schedule and its loop counters, but not where the
    training DataLoader stood inside an epoch, nor the random state. So every ``last.ckpt`` also holds:

    * the position of the chapters' ``LengthGroupedBatchSampler`` (epoch, batches trained, dataset length,
      batch size, processes, seed; see ``nbhelpers.batching``): a run resumed inside an epoch starts that
      epoch at its next batch, where Lightning, which counts the trained batches as done, expects it.
      A position that does not fit the current loader is not used, and one Korean line says so;
    * the random state after the last trained batch (torch, numpy, Python; the process's GPU), so
      dropout and chapter 1's masking draw what they would have drawn (on a CPU the resumed run's weights
      equal the uninterrupted run's). Every process continues from the first process's state, as every
      process of a ``ddp_notebook`` run starts from the notebook's. Random draws inside DataLoader worker
      processes and on a TPU (XLA's own generator) are not restored.

    Every epoch's order comes from ``seed + epoch``: the chapters' sampler seeds each epoch itself
    (Lightning calls its ``set_epoch``); a learner's own ``DataLoader(shuffle=True)`` gets a generator
    seeded with ``seed + epoch`` here (such a loader restarts a cut epoch from its first batch).

    One gap is Lightning's: it makes the first epoch's iterator when ``fit`` starts, before it tells any
    sampler the epoch or this callback the position, and with worker processes that iterator draws its
    first batches at once. So at the start of training the sampler is told the epoch and the position,
    and the iterator is made again.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._trainer: pl.Trainer | None = None
        self._loaded: dict[str, Any] | None = None
        self._rng_after_batch: dict[str, Any] | None = None

    @staticmethod
    def _batch_sampler(trainer: pl.Trainer) -> Any:
        """The training loader's resumable batch sampler, or None for a loader without one."""
        batch_sampler = getattr(trainer.train_dataloader, "batch_sampler", None)
        return batch_sampler if callable(getattr(batch_sampler, "resume_at", None)) else None

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._trainer = trainer

    def state_dict(self) -> dict[str, Any]:
        trainer = self._trainer
        if trainer is None or trainer.train_dataloader is None:
            return {}
        done = trainer.fit_loop.epoch_loop.batch_progress.current.ready
        sampler = self._batch_sampler(trainer)
        # Inside an epoch the state after its last trained batch, before a stop's validation drew from it.
        inside = epoch_cut_short(trainer) and self._rng_after_batch is not None
        return {
            "position": sampler.position(done) if sampler is not None else None,
            "rng": self._rng_after_batch if inside else capture_rng(_cuda_device(trainer)),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._loaded = dict(state_dict)

    def _reseed(self, trainer: pl.Trainer) -> None:
        sampler = getattr(trainer.train_dataloader, "sampler", None)
        if type(sampler) is RandomSampler:
            sampler.generator = torch.Generator().manual_seed(self.seed + trainer.current_epoch)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        loader = trainer.train_dataloader
        batch_sampler = getattr(loader, "batch_sampler", None)
        samplers = {id(s): s for s in (getattr(loader, "sampler", None), batch_sampler,
                                       getattr(batch_sampler, "sampler", None)) if s is not None}
        for sampler in samplers.values():
            if callable(getattr(sampler, "set_epoch", None)):
                sampler.set_epoch(trainer.current_epoch)
        self._reseed(trainer)
        loaded, self._loaded = self._loaded or {}, None
        position, rng = loaded.get("position"), loaded.get("rng")
        # Lightning resumes inside an epoch when it restored an epoch started but not processed, after some
        # but not all of its batches.
        epochs, done = trainer.fit_loop.epoch_progress.current, trainer.fit_loop.epoch_loop.batch_progress.current.ready
        inside = epochs.processed < epochs.started and 0 < done < trainer.num_training_batches
        if position is not None and position["epoch"] != trainer.current_epoch:
            position = None
        resumable = self._batch_sampler(trainer)
        notice = resumable.resume_at(position if inside else None) if resumable is not None else None
        if inside and notice is None and (resumable is None or position is None):
            notice = (
                f"이어 학습: {trainer.current_epoch + 1}번째 에폭의 남은 배치를 에폭의 처음 순서부터 읽습니다(앞쪽 배치 일부는 "
                "두 번 보고 뒤쪽 일부는 이 에폭에서 보지 못합니다). "
                + ("고치는 법: DataLoader(batch_sampler=make_batch_sampler(...))로 만들면 끊긴 다음 배치부터 이어 갑니다."
                   if resumable is None else "체크포인트에 에폭 안의 위치가 없었기 때문이며, 다음 저장부터는 함께 저장됩니다.")
            )
        if notice and trainer.is_global_zero:
            print(notice)
        if inside:
            # Lightning's own warning says in English what the line above says, or is wrong: the loader continues.
            warnings.filterwarnings("ignore", message=_NOT_RESUMABLE_WARNING)
        fetcher = getattr(trainer.fit_loop, "_data_fetcher", None)  # Lightning 2.x; absent: nothing to redo
        cuda = _cuda_device(trainer)
        if rng is not None and not inside:
            # At an epoch's start the uninterrupted run made the epoch's iterator after this state, and making
            # one draws a seed from it.
            restore_rng(rng, cuda)
            if fetcher is not None:
                iter(fetcher)
        elif fetcher is not None and (getattr(loader, "num_workers", 0) > 0 or rng is not None):
            # Inside an epoch (or in a new run) it made none: this one must not move the random state.
            state = rng if rng is not None else capture_rng(cuda)
            iter(fetcher)
            restore_rng(state, cuda)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._reseed(trainer)

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        self._rng_after_batch = capture_rng(_cuda_device(trainer))

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        resumable = self._batch_sampler(trainer)
        if resumable is not None:
            resumable.resume_at(None)  # a later pass over the loader (a notebook cell) reads whole epochs
        self._rng_after_batch = None


class SessionTimer(Timer):
    """``Trainer(max_time=...)`` that counts this session only.

    Lightning's own timer stores the elapsed time in the checkpoint, so after a resume the budget is
    already spent and training stops at once. Here the limit is there to end a session cleanly before
    Colab's runtime limit, so a resumed session starts its clock at zero, and nothing is stored (a session
    without ``max_time`` then resumes without Lightning asking for the timer). A stop inside an epoch
    resumes inside it (``nbhelpers.checkpoints.LatestCheckpoint``).
    """

    def state_dict(self) -> dict[str, Any]:
        return {}

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
    """A Trainer wired to ``config``: devices, precision, checkpoints, CSV logs, clipping, step limits.

    The run directory is prepared first (``nbhelpers.rundir.prepare_run``: a fresh start moves the old
    run aside), so nothing of a new run is written beside an old one.
    """
    quiet_libraries()  # Lightning's banner and tips would otherwise open every training cell
    prepare_run(config)
    model_dir = Path(config.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    # The best model keeps weights only (a third of a file with AdamW state: 0.44 of 1.3 GB for kcbert-base);
    # only last.ckpt, which resuming needs, holds the optimizer. No "-v1" names: one run per directory.
    checkpoint = ModelCheckpoint(
        dirpath=model_dir,
        filename=f"best-{{epoch}}-{{step}}-{{{monitor}:.4f}}",
        monitor=monitor,
        mode=mode,
        save_top_k=1,
        save_last=False,
        save_weights_only=True,
        auto_insert_metric_name=True,
        enable_version_counter=False,
    )
    callbacks: list[Callback] = [
        checkpoint,
        LatestCheckpoint(model_dir, config.checkpoint_every_minutes),
        ValidateAtMaxSteps(),
        ExactResume(config.seed),
        ShareBatches(),
        SessionHeartbeat(model_dir),
    ]
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
        "enable_model_summary": False,  # step 6 of every notebook prints the model's summary in Korean
        "deterministic": False,
        "num_sanity_val_steps": 0,
        "use_distributed_sampler": False,  # the batch samplers share the data among processes (ShareBatches)
        # Atomic writes (never a partial file under the final name) and weights_only loads.
        "plugins": [checkpoint_io_for(config.accelerator)],
    }
    options.update(overrides)
    return pl.Trainer(**options)


def last_checkpoint(config: BaseConfig, task: pl.LightningModule | None = None) -> str | None:
    """The checkpoint to resume from (``last.ckpt``, or ``last.previous.ckpt`` if that is damaged), or None.

    None means a fresh start: with ``resume=False`` or changed settings the old run has been moved aside
    (see ``nbhelpers.rundir.prepare_run``). A finished run resumes at its end and is not trained again.
    With the ``task``, a checkpoint of another model shape (the tokenizer's vocabulary changed under the
    same name) starts a new run instead of failing in ``fit``, and a disk too full for the run stops here.
    """
    return prepare_run(config, task)


def evaluation_trainer(config: BaseConfig) -> pl.Trainer:
    """A one-device Trainer in this process for validating a checkpoint: nothing forked, nothing logged."""
    return pl.Trainer(
        accelerator=config.accelerator,
        devices=1,
        precision=config.precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=show_progress_bar(config),
        enable_model_summary=False,
        use_distributed_sampler=False,
        callbacks=[ShareBatches()],
        plugins=[checkpoint_io_for(config.accelerator)],
    )


def best_checkpoint_path(trainer: pl.Trainer, config: BaseConfig) -> str:
    """The best checkpoint of the run: the Trainer's, else the one ``best-*.ckpt`` in ``model_dir``; "" if none."""
    best = next((c.best_model_path for c in trainer.checkpoint_callbacks if isinstance(c, ModelCheckpoint)), "")
    if best and Path(best).is_file():
        return best
    found = sorted(Path(config.model_dir).glob("best-*.ckpt"), key=lambda p: p.stat().st_mtime)
    return str(found[-1]) if found else ""


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("torch", "transformers", "tokenizers", "pytorch-lightning", "torch_xla", "nbhelpers"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _example_count(loader: DataLoader) -> int:
    """Examples (not windows or pairs of windows) behind a DataLoader: its dataset's ``examples`` when it has them."""
    dataset = loader.dataset
    examples = getattr(dataset, "examples", None)
    return len(examples) if examples is not None else len(dataset)  # type: ignore[arg-type]


def _renamed(metrics: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``val_acc`` -> ``test_acc``: the task logs every evaluation under ``val_``; other names get the prefix."""
    return {f"{prefix}{key.removeprefix('val_')}": value for key, value in metrics.items()}


def finish_training(
    trainer: pl.Trainer,
    task: pl.LightningModule,
    val_dataloader: DataLoader,
    config: BaseConfig,
    extra: dict[str, Any] | None = None,
    aliases: dict[str, str] | None = None,
    test_dataloader: DataLoader | None = None,
    val_set: str = "검증 데이터",
    test_set: str = "평가 데이터",
) -> dict[str, Any]:
    """Validate the best checkpoint in this process, evaluate it on the reported set, write ``metrics.json``.

    The validation runs here on one device, not through ``trainer``: after a forked multi-process fit
    (``ddp_notebook``) only the best path, the last weights, ``callback_metrics`` and the trainer state
    come back, so what a task fills during validation (NER's per-type report, QA's predictions) and
    everything the notebook shows afterwards is computed again here, from the best checkpoint. Its
    weights are then in ``task.model`` (on the CPU; the predictors move it to the accelerator).

    ``val_dataloader`` is the set that picked the checkpoint; its metrics keep the names the task logs
    (``val_acc``). ``test_dataloader`` is the reported set, evaluated once here after the validation, so
    the task's state afterwards (NER's ``scores``, QA's ``predictions``) is the reported set's; its metrics
    are named ``test_...`` (``test_acc``). ``selected_on`` and ``reported_on`` in the record name both sets
    (``val_set``, ``test_set``) with their numbers of examples. Without ``test_dataloader`` the validation
    set is also the reported one, and the record says so.

    ``extra`` is a dict the task fills during validation (QA's official scores): read after each pass, it
    is merged as it is without ``test_dataloader``, else as ``val_...`` and ``test_...``. ``aliases``
    copies metrics of the record under the names a field reports (``{"test_mlm_loss": "mlm_loss"}``).

    Raises instead of writing when training produced no validated model (interrupted, no step taken,
    no best checkpoint): ``metrics.json`` and the export of an earlier good run are never overwritten.
    """
    hold_session(config.model_dir)  # another session that took the folder over keeps its results
    run = read_run_file(config.model_dir)
    global_step = max(trainer.global_step, int(run.get("global_step") or 0))
    best = best_checkpoint_path(trainer, config)
    nonfinite = getattr(task, "nonfinite_loss_step", None)
    if nonfinite is not None:
        raise RuntimeError(
            f"학습 손실이 {nonfinite + 1}번째 스텝에서 NaN 또는 무한대가 되어 멈춘 학습이라, metrics.json과 내보낸 모델을 그대로 "
            "둡니다. 고치는 법: learning_rate를 낮추고 설정 셀부터 다시 실행하세요."
        )
    if trainer.interrupted:
        raise RuntimeError(
            f"학습이 global step {global_step}에서 중단되어 metrics.json과 내보낸 모델은 그대로 둡니다. "
            "고치는 법: 노트북을 다시 실행하세요. last.ckpt부터 이어서 학습합니다."
        )
    if global_step == 0 or not best:
        raise RuntimeError(
            f"{config.model_dir}에 학습과 검증을 마친 모델이 없어(global step {global_step}, 최고 체크포인트: "
            f"{best or '없음'}) metrics.json과 내보낸 모델은 그대로 둡니다. 고치는 법: 학습 셀을 끝까지 "
            "실행한 다음(max_steps와 epochs를 확인하세요) 이 셀을 실행하세요."
        )

    def evaluate(loader: DataLoader) -> dict[str, Any]:
        results = evaluation_trainer(config).validate(
            task, dataloaders=loader, ckpt_path=best, verbose=False, weights_only=True
        )
        return {key: float(value) for key, value in (results[0] if results else {}).items()}

    metrics = evaluate(val_dataloader)
    selected_on = {"set": val_set, "examples": _example_count(val_dataloader)}
    if test_dataloader is None:
        metrics.update(extra or {})
        reported_on = {**selected_on, "same_as_selection": True}
    else:
        metrics.update(_renamed(dict(extra or {}), "val_"))
        test_metrics = evaluate(test_dataloader)
        metrics.update(_renamed(test_metrics, "test_"))
        metrics.update(_renamed(dict(extra or {}), "test_"))
        reported_on = {"set": test_set, "examples": _example_count(test_dataloader), "same_as_selection": False}
    mark_validated(task.model)
    for source, target in (aliases or {}).items():
        if source in metrics:
            metrics[target] = metrics[source]
    seconds = run.get("train_seconds")
    record = {
        **metrics,
        "selected_on": selected_on,
        "reported_on": reported_on,
        "best_checkpoint": best,
        "global_step": global_step,
        "training_finished": bool(run.get("finished", True)),
        "wall_time_seconds": round(float(seconds), 1) if seconds is not None else None,
        "config": dataclasses.asdict(config),
        "versions": library_versions(),
    }
    path = Path(config.model_dir) / "metrics.json"
    write_json(path, record)
    if test_dataloader is None:
        print(f"검증 지표를 {path} 에 저장했습니다.")
    else:
        print(f"체크포인트를 고른 {val_set} {selected_on['examples']:,}개와 보고하는 {test_set} "
              f"{reported_on['examples']:,}개의 지표를 {path} 에 저장했습니다.")
    if not record["training_finished"]:
        print("학습이 끝까지 가지 않고 멈췄습니다(max_time 등). 노트북을 다시 실행하면 last.ckpt에서 이어서 학습합니다.")
    print_footprint(config)
    return record


def read_logged_metrics(config: BaseConfig) -> list[dict[str, float]]:
    """Rows of the run's CSV logs by step; a resumed session's log replaces what it repeats.

    Each session writes a new ``logs/version_N``. A session resumed from a checkpoint inside an epoch
    logs again the steps between that checkpoint and the disconnect: the earlier session's rows from
    the resumed session's first step on are dropped, so every step is drawn once. Earlier runs in the
    directory are never mixed in: a fresh start moves them aside (``nbhelpers.rundir``).
    """
    def version(path: Path) -> int:
        suffix = path.parent.name.removeprefix("version_")
        return int(suffix) if suffix.isdigit() else -1

    rows: list[dict[str, float]] = []
    for path in sorted((Path(config.model_dir) / LOG_DIR_NAME).glob("version_*/metrics.csv"), key=version):
        with path.open(encoding="utf-8") as handle:
            session = [{key: float(value) for key, value in row.items() if value not in ("", None)}
                       for row in csv.DictReader(handle)]
        if session:
            first = min(row.get("step", 0.0) for row in session)
            rows = [row for row in rows if row.get("step", 0.0) < first] + session
    return sorted(rows, key=lambda row: row.get("step", 0.0))
