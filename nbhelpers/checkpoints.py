"""Checkpoint files that survive Colab: written whole or not at all, loaded without running code.

Three things go wrong with Lightning's defaults on Colab + Drive, and each is fixed here once for
every chapter:

* **A partial file under the final name.** Lightning's "atomic" save writes to a temp dir and moves the
  file, which from ``/tmp`` to Drive is a plain copy: a disconnect mid-copy leaves a truncated
  ``last.ckpt``. :func:`atomic_save` writes a temp file *in the target directory*, flushes it to disk
  and renames it over the final name (``os.replace`` is atomic within one file system), so a reader
  sees the old file or the new one, never half of one.
* **No true latest state.** With ``ModelCheckpoint(save_last=True, monitor=...)`` Lightning 2.6 writes
  ``last.ckpt`` only when a new best is saved (after 6 smoke epochs it held step 130 of 156).
  :class:`LatestCheckpoint` writes it at every epoch end and every ``checkpoint_every_minutes`` inside
  an epoch, and keeps the one before as ``last.previous.ckpt`` in case the newest is damaged.
* **Code execution on load.** ``torch.load`` without ``weights_only=True`` rebuilds arbitrary Python objects, so a
  crafted ``.ckpt`` runs code. Every load here is ``weights_only=True`` (:func:`load_checkpoint_file`);
  Lightning's own loads go through :class:`AtomicCheckpointIO`, which does the same.
"""

from __future__ import annotations

import json
import math
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytorch_lightning as pl
import torch
from lightning_fabric.utilities.apply_func import apply_to_collection
from pytorch_lightning.callbacks import Callback, Checkpoint
from pytorch_lightning.plugins.io import (
    CheckpointIO,
    TorchCheckpointIO,
    XLACheckpointIO,
)

LAST = "last.ckpt"
"""The state a re-run resumes from: weights, optimizer, scheduler, loop and callback states."""

PREVIOUS = "last.previous.ckpt"
"""The latest state before ``last.ckpt``: the fallback when ``last.ckpt`` is damaged."""

RUN_FILE = "run.json"
"""The run's settings fingerprint and progress (global step, finished or not), beside the checkpoints."""


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used: damaged, not a checkpoint, or holding more than tensors.

    Attributes:
        path: The file.
        reason: What is wrong with it, in a few words.
        unsafe: True when the file holds Python objects that ``weights_only=True`` refuses to build
            (possibly code); False when it is damaged or not a checkpoint.
    """

    def __init__(self, path: str | Path, reason: str, fix: str, unsafe: bool = False) -> None:
        self.path = str(path)
        self.reason = reason
        self.unsafe = unsafe
        super().__init__(f"{path}: {reason}. 고치는 법: {fix}")


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], None]) -> None:
    """Run ``write`` on a temp file beside ``path``, flush it to disk, then rename it to ``path``.

    The temp file is in the same directory, so the rename never turns into a copy across file systems
    (``/tmp`` to Drive), and an interruption leaves at most a stray temp file, never a partial ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_save(obj: Any, path: str | Path) -> None:
    """``torch.save(obj)`` to ``path`` through :func:`atomic_write`."""
    atomic_write(path, lambda handle: torch.save(obj, handle))


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON (UTF-8, Korean kept readable) through :func:`atomic_write`."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def load_checkpoint_file(path: str | Path, mmap: bool = False) -> dict[str, Any]:
    """A checkpoint's contents, loaded with ``weights_only=True`` onto the CPU.

    Raises :class:`CheckpointError` naming the file: ``unsafe`` when the file holds objects other than
    tensors and plain values (nothing in it is executed), otherwise damaged or not a checkpoint.
    """
    path = Path(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
    except FileNotFoundError:
        raise
    except Exception as error:  # noqa: BLE001 (torch raises RuntimeError, UnpicklingError, EOFError, ...)
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if "weights only load failed" in str(error).lower():
            raise CheckpointError(
                path,
                "불러오기를 거부했습니다: 텐서와 단순한 값 말고도 파이썬 객체가 들어 있어, 만들다가 코드가 실행될 수 "
                "있습니다",
                "이 프로젝트가 쓴 체크포인트만 불러오세요. 다른 곳에서 온 모델은 내보낸 폴더(save_pretrained)로 "
                "불러옵니다",
                unsafe=True,
            ) from None
        raise CheckpointError(
            path,
            f"손상되었거나 체크포인트가 아닙니다({first_line})",
            "이 파일을 지우거나 다른 실행의 멀쩡한 파일을 복사해 오세요. Drive 동기화 중에 잘린 파일은 고칠 수 "
            "없습니다",
        ) from None
    if not isinstance(loaded, dict):
        raise CheckpointError(path, f"체크포인트 사전이 아니라 {type(loaded).__name__}이(가) 들어 있습니다",
                              "이 프로젝트가 쓴 .ckpt 파일의 경로를 주세요")
    return loaded


def checkpoint_problem(path: str | Path, resumable: bool = True) -> str | None:
    """Why ``path`` cannot be resumed from (or loaded, with ``resumable=False``); None when it is fine.

    Every stored record's CRC is checked (a file cut short or damaged in the middle fails here), then the
    contents are parsed without reading the tensors (``mmap``) and checked for what Lightning needs.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
        if broken is not None:
            return f"레코드 {broken}이(가) CRC 검사를 통과하지 못합니다"
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"온전한 체크포인트 압축 파일이 아닙니다({error})"
    try:
        contents = load_checkpoint_file(path, mmap=True)
    except CheckpointError as error:
        return error.reason
    needed = ("state_dict", "loops", "optimizer_states", "lr_schedulers") if resumable else ("state_dict",)
    missing = [key for key in needed if key not in contents]
    if missing:
        return f"{', '.join(missing)}이(가) 없습니다(가중치만 든 체크포인트로는 학습을 이어 갈 수 없습니다)"
    return None


class _AtomicIO:
    """Save through :func:`atomic_save` (tensors moved to the CPU first), load with ``weights_only=True``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("storage_options는 지원하지 않습니다: 체크포인트는 로컬(또는 Drive를 연결한) 경로에 씁니다. 고치는 법: storage_options 없이 저장하세요.")
        atomic_save(apply_to_collection(checkpoint, torch.Tensor, lambda tensor: tensor.detach().cpu()), path)

    def load_checkpoint(self, path: Any, map_location: Any | None = None, weights_only: bool | None = None) -> Any:
        # weights_only is True whatever Lightning asks for: a resumed .ckpt may come from anywhere.
        return load_checkpoint_file(path)


class AtomicCheckpointIO(_AtomicIO, TorchCheckpointIO):
    """Lightning's checkpoint I/O for CPU and GPU runs, writing atomically and loading weights only."""


class AtomicXLACheckpointIO(_AtomicIO, XLACheckpointIO):
    """The same for TPU runs (Lightning's XLA strategy accepts only an ``XLACheckpointIO``)."""


def checkpoint_io_for(accelerator: str) -> CheckpointIO:
    """The checkpoint I/O plugin for ``Trainer(plugins=[...])`` on this accelerator."""
    return AtomicXLACheckpointIO() if accelerator == "tpu" else AtomicCheckpointIO()


RUN_FIELDS: dict[str, str] = {
    "format": "count", "task": "text", "config_class": "text", "fingerprint": "text", "settings": "object",
    "batch_size": "count", "world_size": "count", "files": "names", "started_at": "text", "saved_at": "text",
    "global_step": "count", "epoch": "count", "finished": "flag", "train_seconds": "seconds",
}
"""The fields of ``run.json`` and what each must hold; a value of another type makes the file untrustworthy."""


def _well_typed(value: Any, kind: str) -> bool:
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "seconds":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    if kind == "names":
        return isinstance(value, list) and all(isinstance(item, str) and item for item in value)
    return isinstance(value, {"text": str, "object": dict, "flag": bool}[kind])


def load_run_file(model_dir: str | Path) -> tuple[dict[str, Any], str | None]:
    """``run.json``'s well-typed fields, and what is wrong with the file (None when it is missing or sound).

    Garbage, a JSON value that is not an object, or a field of the wrong type (``"global_step": "abc"``)
    is reported, in Korean, for ``nbhelpers.rundir`` to say why it does not resume that run; the fields
    returned are only those of the right type, so no reader fails on them.
    """
    path = Path(model_dir) / RUN_FILE
    if not (path.exists() or path.is_symlink()):
        return {}, None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        return {}, f"JSON으로 읽을 수 없습니다: {type(error).__name__}"
    if not isinstance(raw, dict):
        return {}, f"JSON 객체가 아니라 {type(raw).__name__}입니다"
    data = {key: value for key, value in raw.items() if key not in RUN_FIELDS or _well_typed(value, RUN_FIELDS[key])}
    wrong = [key for key in raw if key not in data]
    return data, (f"{', '.join(wrong)} 값의 형식이 잘못되었습니다" if wrong else None)


def read_run_file(model_dir: str | Path) -> dict[str, Any]:
    """``run.json`` of a run directory without its ill-typed fields; ``{}`` when it is missing or unreadable."""
    return load_run_file(model_dir)[0]


def update_run_file(model_dir: str | Path, **values: Any) -> dict[str, Any]:
    """Merge ``values`` into ``run.json`` (written atomically) and return the result."""
    data = read_run_file(model_dir)
    data.update(values)
    write_json(Path(model_dir) / RUN_FILE, data)
    return data


def max_steps_reached(trainer: pl.Trainer) -> bool:
    """Whether ``max_steps`` is set and reached."""
    return trainer.max_steps is not None and 0 < trainer.max_steps <= trainer.global_step


def epoch_cut_short(trainer: pl.Trainer) -> bool:
    """Whether the current epoch stopped before its last batch (``max_time``, a stop request), not at ``max_steps``.

    Lightning's ``is_last_batch`` (the loader ran out) decides, not ``num_training_batches``: Lightning
    counts that once, and chapter 1 draws new sentence pairs every epoch, so an epoch can be shorter.
    """
    batches = trainer.num_training_batches
    if not isinstance(batches, int) or max_steps_reached(trainer):
        return False
    progress = trainer.fit_loop.epoch_loop.batch_progress
    return not progress.is_last_batch and progress.current.ready < batches


def training_finished(trainer: pl.Trainer) -> bool:
    """Whether the run reached its planned end: ``max_steps``, or every batch of all ``max_epochs`` epochs.

    A stop inside the last epoch (``max_time``) is not the end, although Lightning then counts that epoch.
    """
    if max_steps_reached(trainer):
        return True
    max_epochs = trainer.max_epochs
    if max_epochs is None or max_epochs < 0:
        return False
    return trainer.fit_loop.epoch_progress.current.processed >= max_epochs and not epoch_cut_short(trainer)


def _as_inside_the_epoch(loops: dict[str, Any]) -> None:
    """Make a checkpoint's loop state say "inside the epoch, after its last trained batch".

    Lightning counts an epoch cut short by a stop request as processed before ``on_train_epoch_end`` (and
    completed after it); resumed from that state it would skip the epoch's remaining batches. Counted as
    started but not processed, Lightning resumes it as it does a checkpoint written inside an epoch.
    """
    for counts in loops["fit_loop"]["epoch_progress"].values():
        counts["processed"] = counts["completed"] = counts["started"] - 1


class LatestCheckpoint(Checkpoint):
    """``last.ckpt`` always holds the latest state: at every epoch end and every ``every_minutes`` inside one.

    A session stopped inside an epoch (``max_time``) saves after the stop's validation, as a state inside
    that epoch, so the next session trains the epoch's remaining batches; the run is finished only when it
    reaches its planned end (:func:`training_finished`).

    The previous ``last.ckpt`` becomes ``last.previous.ckpt`` before each save (a fallback if the new one
    turns out damaged), and is deleted when the run reaches its end, so a finished chapter keeps one
    resumable state on Drive. After each save ``run.json`` records the global step, whether training is
    finished and the seconds spent training (summed over sessions, up to each one's last save): after a
    forked multi-process ``fit`` the notebook process reads them there.

    Attributes:
        dirpath: The run directory.
        every_seconds: Seconds of training between two saves inside an epoch (0: only at epoch ends).
    """

    def __init__(self, dirpath: str | Path, every_minutes: float) -> None:
        self.dirpath = Path(dirpath)
        self.every_seconds = max(0.0, every_minutes * 60.0)
        self._last_save = time.monotonic()
        self._saved_step = -1
        self._session_start = time.monotonic()
        self._earlier_seconds = 0.0
        self._inside_epoch = False

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._last_save = self._session_start = time.monotonic()
        self._saved_step = trainer.global_step
        self._earlier_seconds = float(read_run_file(self.dirpath).get("train_seconds") or 0.0)

    def _train_seconds(self) -> float:
        return round(self._earlier_seconds + time.monotonic() - self._session_start, 1)

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        # A stop request (set before this callback: Lightning runs checkpoint callbacks last) saves at the
        # epoch's end hook, after the stop's validation.
        if not self.every_seconds or trainer.should_stop:
            return
        due = time.monotonic() - self._last_save >= self.every_seconds
        # Every process must take part in a save; rank 0's clock decides for all of them.
        if trainer.strategy.broadcast(due) and trainer.global_step != self._saved_step:
            self.save(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Called after the epoch's validation and the best checkpoint, so their state is in this file.
        self.save(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.global_step != self._saved_step:
            self.save(trainer)
        finished = training_finished(trainer)
        if trainer.is_global_zero:
            if finished:
                (self.dirpath / PREVIOUS).unlink(missing_ok=True)
            update_run_file(self.dirpath, finished=finished, global_step=trainer.global_step,
                            train_seconds=self._train_seconds())

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]) -> None:
        if self._inside_epoch:
            _as_inside_the_epoch(checkpoint["loops"])

    def save(self, trainer: pl.Trainer) -> None:
        """Write ``last.ckpt`` now (every process calls this; the global-zero process writes).

        Weights that hold a NaN or an infinity are never saved: the loss is checked only on logged steps
        (``TaskBase.on_before_backward``), so a timed save in between could otherwise replace the last good
        state with a broken one. Training stops instead, and ``last.ckpt`` keeps the last good state.
        """
        module = trainer.lightning_module
        if not _weights_finite(module):
            from nbhelpers.task import NonFiniteLossError

            if getattr(module, "nonfinite_loss_step", None) is None:
                module.nonfinite_loss_step = trainer.global_step
            kept = (f"{self.dirpath / LAST}에는 마지막 정상 상태를 그대로 둡니다" if (self.dirpath / LAST).is_file()
                    else "망가진 가중치는 저장하지 않았습니다")
            raise NonFiniteLossError(
                f"{trainer.global_step}번째 스텝까지 학습한 가중치에 NaN이나 무한대가 생겨 학습을 멈췄습니다. {kept}. "
                "고치는 법: learning_rate를 낮추고(미세 조정은 보통 5e-5) gradient_clip_val을 1.0으로 둔 뒤 "
                "설정 셀부터 다시 실행하세요."
            )
        last, previous = self.dirpath / LAST, self.dirpath / PREVIOUS
        if trainer.is_global_zero and last.is_file():
            os.replace(last, previous)
        # After a stop inside an epoch Lightning has already counted the epoch (see _as_inside_the_epoch).
        epochs = trainer.fit_loop.epoch_progress.current
        self._inside_epoch = epoch_cut_short(trainer) and epochs.processed >= epochs.started
        try:
            trainer.save_checkpoint(last)
        finally:
            self._inside_epoch = False
        self._last_save = time.monotonic()
        self._saved_step = trainer.global_step
        if trainer.is_global_zero:
            update_run_file(
                self.dirpath, global_step=trainer.global_step, epoch=trainer.current_epoch, finished=False,
                saved_at=time.strftime("%Y-%m-%d %H:%M:%S"), train_seconds=self._train_seconds(),
            )


def _weights_finite(module: torch.nn.Module) -> bool:
    """Whether every parameter is finite (one device-to-host read for the whole model)."""
    checks = [torch.isfinite(p.detach()).all() for p in module.parameters()]
    return bool(torch.stack(checks).all()) if checks else True


class ValidateAtMaxSteps(Callback):
    """Validate the last model when ``max_steps`` ends training inside an epoch.

    Lightning stops at ``max_steps`` without validating when that step is not an epoch's last, so a short
    run (``max_steps`` under one epoch) would end with no best checkpoint. Asking to stop at that step
    makes Lightning validate first, and the best checkpoint and ``last.ckpt`` are written as usual.
    """

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if max_steps_reached(trainer):
            trainer.should_stop = True
