"""The run directory on Drive: which run it holds, whether to resume it, and why nothing in it is ever lost.

A chapter's ``model_dir`` holds one run: its checkpoints, CSV logs, ``metrics.json`` and export.
Lightning alone mixes runs there: with ``resume=False`` (or new settings) the old ``last.ckpt`` stays,
new files come out as ``last-v1.ckpt`` and ``best-...-v1.ckpt``, the next default run resumes the OLD
run, and the training curves draw both runs on top of each other.

:func:`prepare_run` decides once per resolved config, before anything of the new run is written.
``run.json`` records whose run it is (the chapter's task), what the learner asked for (a fingerprint of
the fields that change what is trained; ``batch_size=0`` stays "auto"), what the machine filled in
(the batch size it trained with, the number of training processes) and which names the run writes
(its manifest):

* same chapter, same settings, same number of processes and ``resume=True``: resume from ``last.ckpt``,
  or from ``last.previous.ckpt`` when the newest file is damaged (a disconnect while Drive was
  syncing), saying which and why; a damaged file is renamed ``damaged-...``, not deleted;
* otherwise a fresh start: the old run's files (only the names in its manifest) are moved aside whole
  into ``<model_dir>.previous-YYYYMMDD-HHMMSS``, a new folder each time, and the message says so.

Nothing is ever deleted automatically: moved-aside runs stay until the learner deletes them, and
:func:`check_free_space` stops before training, naming them with their sizes, when Drive is short.
What would put a run at risk stops before training with a short message instead of being guessed at:
another chapter's run in the folder, files with a run's names but no ``run.json`` (a learner's own),
another live session on the folder (:func:`hold_session`), a ``last.ckpt`` that is a folder, a read-only
or full folder. A ``run.json`` that is not what this module wrote (garbage, wrong types, edited by
hand) is never read as "same run": that run is moved aside. Two multi-step changes can be cut by a
disconnect: moving a run aside keeps a journal and the next call undoes the half-done move, and
replacing a folder (``export_model``'s export) keeps a journal and the next call finishes or undoes it
(:func:`replace_folder`, :func:`recover_replacement`), so neither window loses a validated result.

:func:`print_footprint` shows what the run occupies, so a learner can see that chapters 2-5 fit a free
15 GB Drive (about 2.2 GB each for kcbert-base once finished; see the README).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import errno
import fnmatch
import hashlib
import json
import math
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning import Callback, LightningModule, Trainer

from nbhelpers.checkpoints import (
    LAST,
    PREVIOUS,
    RUN_FILE,
    checkpoint_problem,
    load_checkpoint_file,
    load_run_file,
    read_run_file,
    update_run_file,
    write_json,
)
from nbhelpers.config import BaseConfig

NOT_IN_FINGERPRINT = frozenset(
    {
        "accelerator", "devices", "precision", "strategy", "num_workers", "log_every_n_steps", "resume",
        "profile", "data_root", "checkpoint_every_minutes", "max_time", "allow_cpu",
    }
)
"""Fields that say how or where a run goes, not what it trains: changing them keeps resuming the run.

The machine may differ between Colab sessions (another GPU type, a TPU), and a time limit or a log
interval do not change the model; everything else (model, data, sequence length, batch size as asked
for, learning rate, schedule, epochs, seed, a chapter's own fields) does, and a change starts a new run.
The number of training processes is not a field the learner sets but it changes the schedule's length:
:func:`prepare_run` compares it separately (``world_size`` in ``run.json``).
"""

RUN_FORMAT = 2
"""Version of ``run.json`` written here; files without ``format`` come from nbhelpers 0.2 (read too)."""

MANIFEST = (
    "best-*.ckpt", LAST, PREVIOUS, "damaged-*.ckpt", "logs", "metrics.json", RUN_FILE, "export",
    "predictions.json", "tokenizer", "pretrained",
)
"""Names a run writes into ``model_dir`` (checkpoints, CSV logs, results, exports, chapter 1's tokenizer).

Recorded in ``run.json`` (``files``) when a run starts; ``export_model`` adds the name of an export made
elsewhere in the folder. Only entries with these names move aside with the run: a learner's own files
beside them stay where they are, and a folder that holds such names without a ``run.json`` is refused.
"""

PREVIOUS_RUN_MARK = ".previous"
LOCK_FILE = ".nbhelpers-session.lock"
MOVE_JOURNAL = ".nbhelpers-moving.json"
BOOKKEEPING = (LOCK_FILE, MOVE_JOURNAL, ".*.tmp", ".*.old", ".*.swap.json")
"""This module's own files in ``model_dir``: never a run's output, never a learner's."""

HEARTBEAT_SECONDS = 60.0
"""How often a training session refreshes its lock (one small JSON write to Drive)."""

STALE_AFTER_SECONDS = 300.0
"""A lock not refreshed for this long belongs to a session that is gone (a disconnected VM): taken over.

Five missed heartbeats: Drive's sync delay between two machines is seconds to a minute, and a session
that is idle between cells (no heartbeat) loses nothing by being taken over: it checks its lock again
before it writes.
"""

CHECKPOINT_COPIES = 7
"""Peak bytes of a run in fp32 weights: ``last.previous.ckpt`` and the next ``last.ckpt`` being written (3 each:
weights and AdamW's two moments) and the best model (weights only)."""

SESSION_ID = uuid.uuid4().hex
"""This Python process's session; forked training processes (``ddp_notebook``) inherit it."""

SESSION_PID = os.getpid()
"""The session's process, written in its lock also by the training process it forks (which ends with ``fit``)."""


class RunDirError(RuntimeError):
    """``model_dir`` holds something a new run must not touch (another chapter's run, a learner's files)."""


class SessionLockError(RunDirError):
    """Another live session uses ``model_dir`` (two Colab tabs on one folder)."""


class NotEnoughSpaceError(OSError):
    """The disk (Drive) has less room than the run will write; the message names what could be deleted."""


def _requested_batch_size(config: BaseConfig) -> int:
    # resolve_config keeps what the learner asked for (0: auto) before it fills in the machine's value.
    requested = getattr(config, "_requested_batch_size", None)
    return int(requested) if requested is not None else config.batch_size


def run_settings(config: BaseConfig) -> dict[str, Any]:
    """The config fields that define what a run trains (see :data:`NOT_IN_FINGERPRINT`), as JSON values.

    ``batch_size`` is what the learner asked for: 0 ("auto") on every machine, not the 32 of a GPU or 8
    of a CPU, so a GPU -> CPU -> GPU runtime switch keeps the same run.
    """
    settings = {}
    for field in dataclasses.fields(config):
        if field.name in NOT_IN_FINGERPRINT or field.name.endswith("model_dir"):
            continue
        settings[field.name] = json.loads(json.dumps(getattr(config, field.name), default=str))
    settings["batch_size"] = _requested_batch_size(config)
    return settings


def fingerprint(settings: dict[str, Any]) -> str:
    """A short hash of :func:`run_settings`: equal settings, equal fingerprint."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``"name: old -> new"`` for every field that differs."""
    names = sorted(set(old) | set(new))
    return [f"{name}: {old.get(name)!r} -> {new.get(name)!r}" for name in names if old.get(name) != new.get(name)]


def _dir_field(config: BaseConfig) -> str:
    return "downstream_model_dir" if hasattr(config, "downstream_model_dir") else "model_dir"


def _is_worker_process() -> bool:
    # Processes a script-launched DDP run starts run the notebook's code again; only rank 0 moves files.
    return any(os.environ.get(name, "0") not in ("", "0") for name in ("RANK", "LOCAL_RANK", "NODE_RANK"))


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def directory_size(path: str | Path) -> int:
    """Bytes of every file under ``path`` (0 when it does not exist)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0


def human_size(size: float) -> str:
    """``1.3 GB``, ``440.0 MB``, ``12.0 KB`` (powers of 1000, as Drive shows them)."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def run_entries(model_dir: str | Path, patterns: Sequence[str] = MANIFEST) -> list[Path]:
    """The entries of ``model_dir`` with a run's names (``patterns``: a manifest), sorted."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(p for p in model_dir.iterdir() if _matches(p.name, patterns) and not _matches(p.name, BOOKKEEPING))


def aside_runs(model_dir: str | Path) -> list[Path]:
    """Runs moved aside from ``model_dir``: ``<model_dir>.previous-YYYYMMDD-HHMMSS`` folders, oldest first.

    ``<model_dir>.previous``, where nbhelpers 0.2 kept one, is listed too (first).
    """
    model_dir = Path(model_dir)
    if not model_dir.parent.is_dir():
        return []
    base = model_dir.name + PREVIOUS_RUN_MARK
    found = [p for p in model_dir.parent.iterdir()
             if p.is_dir() and (p.name == base or p.name.startswith(base + "-"))]
    return sorted(found, key=lambda p: (p.name != base, p.name))


def _new_aside_dir(model_dir: Path) -> Path:
    stem = f"{model_dir.name}{PREVIOUS_RUN_MARK}-{time.strftime('%Y%m%d-%H%M%S')}"
    target, number = model_dir.with_name(stem), 1
    while target.exists():
        number += 1
        target = model_dir.with_name(f"{stem}-{number}")
    return target


# --- moving a run aside, undone when it was cut --------------------------------------------------------------


def move_run_aside(model_dir: str | Path, patterns: Sequence[str] = MANIFEST) -> Path | None:
    """Move the entries of ``model_dir`` named in ``patterns`` into a new ``<model_dir>.previous-...``; None if none.

    A journal (:data:`MOVE_JOURNAL`) lists the entries before the first one moves and is removed after
    the last: a disconnect in between leaves it, and the next :func:`prepare_run` moves them back
    (:func:`recover_interrupted_move`) before deciding again, so the run is never split in two.
    ``run.json`` moves last. Temp files of interrupted saves move with the run (nothing is deleted).
    """
    model_dir = Path(model_dir)
    entries = run_entries(model_dir, patterns)
    entries += sorted(p for p in model_dir.glob(".*.tmp") if not p.name.startswith(".nbhelpers-"))
    if not entries:
        return None
    entries.sort(key=lambda p: p.name == RUN_FILE)
    target = _new_aside_dir(model_dir)
    journal = model_dir / MOVE_JOURNAL
    write_json(journal, {"target": target.name, "entries": [p.name for p in entries], "started_at": _now()})
    target.mkdir()
    for entry in entries:
        shutil.move(str(entry), str(target / entry.name))
    journal.unlink()
    return target


def recover_interrupted_move(model_dir: str | Path) -> None:
    """Undo a move aside that a disconnect cut short: every entry goes back, then the journal is removed."""
    model_dir = Path(model_dir)
    journal = model_dir / MOVE_JOURNAL
    if not journal.is_file():
        return
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        target = model_dir.with_name(str(data["target"]))
        names = [str(name) for name in data["entries"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise RunDirError(
            f"{journal} 를 읽을 수 없어, 끊긴 '이전 실행 옮기기'를 되돌릴 수 없습니다. 고치는 법: {model_dir} 와 옆의 "
            f"{model_dir.name}{PREVIOUS_RUN_MARK}-… 폴더를 확인해 실행 파일을 한 폴더에 모은 뒤 이 파일을 지우세요."
        ) from None
    if target.parent != model_dir.parent or not target.name.startswith(model_dir.name + PREVIOUS_RUN_MARK):
        raise RunDirError(f"{journal} 가 엉뚱한 폴더 {target} 를 가리킵니다. 고치는 법: 폴더를 확인하고 이 파일을 지우세요.")
    back = []
    for name in names:
        if "/" in name or name in ("", ".", ".."):
            continue
        source, destination = target / name, model_dir / name
        if (source.exists() or source.is_symlink()) and not destination.exists():
            shutil.move(str(source), str(destination))
            back.append(name)
    with contextlib.suppress(OSError):
        target.rmdir()  # only when empty: anything left there stays
    journal.unlink()
    print(f"이전 실행을 옮기던 도중에 끊겼습니다. 옮기던 파일 {len(back)}개를 {model_dir} 로 되돌렸습니다.")


# --- replacing a folder (an export), finished or undone when it was cut --------------------------------------


def _swap_paths(out_dir: Path) -> tuple[Path, Path, Path]:
    return (out_dir.with_name(f".{out_dir.name}.tmp"), out_dir.with_name(f".{out_dir.name}.old"),
            out_dir.with_name(f".{out_dir.name}.swap.json"))


def replace_folder(new: Path, out_dir: Path) -> None:
    """Put the complete folder ``new`` (``out_dir``'s temp folder) in place of ``out_dir``.

    A journal marks ``new`` complete before the first rename; ``out_dir`` becomes ``.<name>.old``, ``new``
    becomes ``out_dir``, and only then is the old folder removed (replaced by the new one, as asked).
    Cut anywhere, :func:`recover_replacement` finishes the swap on the next call.
    """
    temp, old, journal = _swap_paths(out_dir)
    if new != temp:
        raise ValueError(f"replace_folder expects the temp folder {temp}, not {new}")
    write_json(journal, {"replacing": out_dir.name, "started_at": _now()})
    if out_dir.exists():
        os.rename(out_dir, old)
    os.rename(temp, out_dir)
    journal.unlink()
    if old.exists():
        shutil.rmtree(old)


def recover_replacement(out_dir: str | Path) -> None:
    """Finish or undo a :func:`replace_folder` that a disconnect cut short; remove a temp folder left half-written.

    With the journal, the new folder was complete: the swap is finished. Without it, a ``.<name>.old`` and
    no ``out_dir`` means the swap was cut (by this or an older version): the old folder is put back. A
    ``.<name>.tmp`` without the journal was being written when the session ended: it is removed.
    """
    out_dir = Path(out_dir)
    temp, old, journal = _swap_paths(out_dir)
    if journal.is_file():
        if temp.is_dir():
            if out_dir.exists() and not old.exists():
                os.rename(out_dir, old)
            if not out_dir.exists():
                os.rename(temp, out_dir)
                print(f"{out_dir} 로 내보내기가 도중에 끊겼습니다. 새로 내보낸 모델로 바꾸는 일을 마쳤습니다.")
        journal.unlink()
    if old.exists() and not out_dir.exists():
        os.rename(old, out_dir)
        print(f"{out_dir} 로 내보내기가 도중에 끊겼습니다. 전에 내보낸 모델을 그대로 되돌려 놓았습니다.")
    if old.is_dir() and out_dir.is_dir():
        shutil.rmtree(old)  # the swap had finished: the new folder replaced it
    if temp.is_dir() and not journal.exists():
        shutil.rmtree(temp)  # written only partly: the export runs again


def _recover_replacements(model_dir: Path) -> None:
    """:func:`recover_replacement` for the run's exports: the standard names, those in its manifest, any journal's."""
    files = read_run_file(model_dir).get("files") or []
    names = {"export", "pretrained"} | {name for name in files if not any(c in name for c in "*?[")}
    names |= {path.name[1 : -len(".swap.json")] for path in model_dir.glob(".*.swap.json")}
    for name in sorted(names):
        if name and "/" not in name and name not in (".", "..", RUN_FILE):
            recover_replacement(model_dir / name)


def record_output(path: str | Path) -> None:
    """Add ``path``'s name to the manifest of the run in its folder (an export made under another name)."""
    path = Path(path)
    data = read_run_file(path.parent)
    files = data.get("files")
    if isinstance(files, list) and not _matches(path.name, files):
        update_run_file(path.parent, files=[*files, path.name])


# --- one session per folder ----------------------------------------------------------------------------------


_HELD: set[str] = set()
"""Lock files this process holds (removed when it exits)."""


def _machine() -> tuple[str, str]:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    return socket.gethostname(), boot


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _lock_age(path: Path, data: dict[str, Any]) -> float:
    beat, now = data.get("heartbeat_at"), time.time()
    times = [path.stat().st_mtime]
    if isinstance(beat, (int, float)) and math.isfinite(beat) and beat < now + STALE_AFTER_SECONDS:
        times.append(float(beat))  # a time far in the future (a wrong clock) would keep the lock forever
    return now - min(max(times), now)


def _describe_lock(data: dict[str, Any]) -> str:
    return f"호스트 {data.get('host', '?')}, pid {data.get('pid', '?')}, 시작 {data.get('started_at', '?')}"


def _why_stale(path: Path, data: dict[str, Any]) -> str | None:
    host, boot = _machine()
    pid = data.get("pid")
    if data.get("host") == host and data.get("boot_id") == boot and isinstance(pid, int) and not _pid_alive(pid):
        return f"그 세션의 프로세스(pid {pid})가 끝났습니다"
    age = _lock_age(path, data)
    if age > STALE_AFTER_SECONDS:
        return f"{age / 60:.0f}분 동안 신호가 없었습니다"
    return None


def _is_ours(data: dict[str, Any]) -> bool:
    host, boot = _machine()
    same_process = data.get("host") == host and data.get("boot_id") == boot and data.get("pid") == SESSION_PID
    return data.get("session") == SESSION_ID or same_process


def _write_lock(path: Path, started_at: str) -> None:
    host, boot = _machine()
    write_json(path, {"host": host, "boot_id": boot, "pid": SESSION_PID, "session": SESSION_ID,
                      "started_at": started_at, "heartbeat_at": time.time()})


def hold_session(model_dir: str | Path) -> None:
    """Take or refresh this session's lock on ``model_dir``; stop when another live session holds it.

    The lock file (:data:`LOCK_FILE`) names the machine, the process and when the session took it; a
    training session refreshes it every minute (:class:`SessionHeartbeat`). A lock whose process is gone
    (same machine) or that was not refreshed for :data:`STALE_AFTER_SECONDS` (another machine: a
    disconnected Colab VM) is taken over, with a note.
    """
    path = Path(model_dir) / LOCK_FILE
    data = _read_lock(path) if path.exists() else None
    started_at = _now()
    if data is not None and _is_ours(data):
        started_at = str(data.get("started_at") or started_at)
    elif data is not None:
        stale = _why_stale(path, data)
        if stale is None:
            if str(path) in _HELD:
                problem = "이 세션이 잠시 멈춘 사이에 다른 세션이 이 폴더를 넘겨받았습니다"
            else:
                problem = "다른 세션이 이 폴더를 쓰고 있습니다"
            age = _lock_age(path, data)
            wait = max(1, math.ceil((STALE_AFTER_SECONDS - age) / 60))
            raise SessionLockError(
                f"{problem}: {_describe_lock(data)}, 마지막 신호 {age:.0f}초 전 ({path}). 두 세션이 한 폴더에 쓰면 "
                "체크포인트가 섞입니다. 고치는 법: 다른 탭의 세션을 끝내거나(런타임 > 런타임 연결 해제 및 삭제) 폴더를 "
                f"바꾸세요. 그 세션이 이미 끊겼다면 약 {wait}분 뒤에 다시 실행하거나, 이 잠금 파일을 지우고 다시 실행하세요."
            )
        print(f"이전 세션의 잠금({_describe_lock(data)})을 넘겨받습니다: {stale}.")
    elif path.exists():
        print(f"읽을 수 없는 잠금 파일 {path} 를 이 세션의 것으로 바꿉니다.")
    _write_lock(path, started_at)
    if not _HELD:
        atexit.register(_release_all)
    _HELD.add(str(path))


def release_session(model_dir: str | Path) -> None:
    """Remove this session's lock on ``model_dir`` (a folder it will not write to after all)."""
    path = Path(model_dir) / LOCK_FILE
    data = _read_lock(path)
    if data is not None and _is_ours(data):
        with contextlib.suppress(OSError):
            path.unlink()
    _HELD.discard(str(path))


def _release_all() -> None:
    for name in list(_HELD):
        release_session(Path(name).parent)


class SessionHeartbeat(Callback):
    """Refreshes the session's lock on ``model_dir`` while training and validating (global-zero process).

    If another session took the folder over meanwhile, training stops with :class:`SessionLockError`
    before this session writes another checkpoint over the other's (Lightning ends the other processes).

    Attributes:
        model_dir: The run directory.
    """

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        self._last = 0.0

    def _beat(self, trainer: Trainer, force: bool = False) -> None:
        if not trainer.is_global_zero:
            return
        now = time.monotonic()
        if force or now - self._last >= HEARTBEAT_SECONDS:
            self._last = now
            hold_session(self.model_dir)

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._beat(trainer, force=True)

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        self._beat(trainer)

    def on_validation_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        self._beat(trainer)


# --- what run.json says ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class StoredRun:
    """The run recorded in ``run.json``, as :func:`prepare_run` trusts it.

    Attributes:
        problem: Why the file cannot be trusted (garbage, wrong types, edited by hand); None when sound.
        task: The chapter's task (``document-classification``, ``pretraining``, ...); "" when unknown.
        settings: What the learner asked for (:func:`run_settings`).
        batch_size: The batch size it trained with (the machine's choice when ``settings`` says 0).
        world_size: The number of training processes; None in files of nbhelpers 0.2.
        files: Its manifest (:data:`MANIFEST` when the file does not say).
        global_step: The step of its latest checkpoint.
        started_at: When it started.
        legacy: Written by nbhelpers 0.2 (its ``settings`` hold the batch size the machine chose).
    """

    problem: str | None
    task: str = ""
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    batch_size: int | None = None
    world_size: int | None = None
    files: tuple[str, ...] = MANIFEST
    global_step: int | None = None
    started_at: str = ""
    legacy: bool = False


def _legacy_task(settings: dict[str, Any]) -> str:
    if isinstance(settings.get("downstream_task_name"), str):
        return settings["downstream_task_name"]
    return "pretraining" if "vocab_size" in settings else ""


def read_stored_run(model_dir: str | Path) -> StoredRun | None:
    """The run ``model_dir/run.json`` records; None without the file."""
    path = Path(model_dir) / RUN_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    data, problem = load_run_file(model_dir)
    files = data.get("files")
    files = tuple(files) if isinstance(files, list) and files else MANIFEST
    files = tuple(name for name in files if "/" not in name and name not in ("", ".", "..")) or MANIFEST
    if problem is not None:
        return StoredRun(problem=problem, files=files)
    legacy = "format" not in data
    required = ("fingerprint", "settings") if legacy else ("fingerprint", "settings", "task", "batch_size", "world_size")
    missing = [key for key in required if key not in data]
    if missing:
        return StoredRun(problem=f"{', '.join(missing)} 항목이 없습니다", files=files)
    if data.get("format") not in (None, RUN_FORMAT):
        return StoredRun(problem=f"이 nbhelpers가 모르는 형식 {data.get('format')!r}입니다", files=files)
    settings = data["settings"]
    if data["fingerprint"] != fingerprint(settings):
        return StoredRun(problem="fingerprint가 settings와 맞지 않습니다(손으로 고친 흔적)", files=files)
    batch_size = data.get("batch_size", settings.get("batch_size") if legacy else None)
    task = _legacy_task(settings) if legacy else data["task"]
    if not task:
        return StoredRun(problem="어느 장의 실행인지 알 수 없습니다", files=files)
    return StoredRun(
        problem=None, task=task, settings=settings, batch_size=batch_size if isinstance(batch_size, int) else None,
        world_size=data.get("world_size"), files=files, global_step=data.get("global_step"),
        started_at=str(data.get("started_at", "")), legacy=legacy,
    )


def _settings_changes(stored: StoredRun, settings: dict[str, Any]) -> list[str]:
    old, new = dict(stored.settings), dict(settings)
    if stored.legacy and new.get("batch_size") == 0:
        # nbhelpers 0.2 stored the machine's batch size; "auto" now resumes it (the run's own value is used).
        old.pop("batch_size", None)
        new.pop("batch_size", None)
    return changed_settings(old, new)


def _resume_problem(stored: StoredRun, config: BaseConfig, settings: dict[str, Any]) -> str | None:
    """Why ``config`` starts a new run instead of resuming ``stored`` (a sound run of this chapter)."""
    if not config.resume:
        return "resume=False"
    changes = _settings_changes(stored, settings)
    if changes:
        return "설정이 바뀌었습니다 (" + "; ".join(changes) + ")"
    if stored.world_size is not None and stored.world_size != config.devices:
        return (f"학습 프로세스 수가 {stored.world_size}개에서 {config.devices}개로 바뀌어 학습률 스케줄의 길이가 달라지므로 "
                f"새 실행으로 봅니다(이전 실행을 이어 가려면 devices={stored.world_size})")
    if stored.batch_size is not None and stored.batch_size != config.batch_size:
        return f"batch_size가 바뀌었습니다 ({stored.batch_size} -> {config.batch_size})"
    return None


def resumed_batch_size(config: BaseConfig) -> int | None:
    """The batch size of the run ``config`` would resume, when ``config`` asks for "auto"; None otherwise.

    ``resolve_config`` calls this after choosing a batch size for the machine (32 on a GPU, 8 on a CPU):
    a run started on a GPU and resumed on a CPU keeps its 32, so its steps and schedule stay the same.
    Only reads ``run.json``; nothing is moved or written.
    """
    if not config.resume or _requested_batch_size(config) > 0 or not config.model_dir:
        return None
    try:
        stored = read_stored_run(Path(config.model_dir))
    except OSError:
        return None
    if stored is None or stored.problem is not None or stored.task != config.task_name or stored.batch_size is None:
        return None
    if _settings_changes(stored, run_settings(config)):
        return None
    if stored.world_size is not None and stored.world_size != config.devices:
        return None
    return stored.batch_size


# --- deciding: resume or start a new run ---------------------------------------------------------------------


@contextlib.contextmanager
def _explained_os_errors(config: BaseConfig) -> Iterator[None]:
    """A read-only or full ``model_dir`` stops with one short message instead of an OSError traceback."""
    model_dir = config.model_dir
    try:
        yield
    except (RunDirError, NotEnoughSpaceError, IsADirectoryError, NotADirectoryError):
        raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise NotEnoughSpaceError(
                f"{model_dir} 에 쓸 공간이 없습니다(디스크가 가득 찼습니다). 고치는 법: {_deletable(Path(model_dir))}"
            ) from None
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise PermissionError(
                f"{model_dir} 에 쓸 수 없습니다(읽기 전용이거나 권한이 없습니다: {error.filename}). 고치는 법: "
                f"{_dir_field(config)}를 쓸 수 있는 폴더로 바꾸세요(Colab에서는 Drive가 연결되어 있는지 확인하세요)."
            ) from None
        raise


def _deletable(model_dir: Path) -> str:
    aside = aside_runs(model_dir)
    listed = ", ".join(f"{p} ({human_size(directory_size(p))})" for p in aside)
    where = f"옮겨 둔 이전 실행 {listed} 처럼 " if aside else ""
    return f"{where}필요 없는 폴더를 직접 지우고 Drive 휴지통을 비운 뒤 다시 실행하세요."


def _new_record(config: BaseConfig, settings: dict[str, Any]) -> dict[str, Any]:
    """What ``run.json`` says about a run: its chapter, what was asked for, what the machine chose, its manifest."""
    return {"format": RUN_FORMAT, "task": config.task_name, "config_class": type(config).__name__,
            "fingerprint": fingerprint(settings), "settings": settings, "batch_size": config.batch_size,
            "world_size": config.devices, "files": list(MANIFEST)}


def _begin_run(config: BaseConfig, settings: dict[str, Any], model_dir: Path) -> None:
    write_json(model_dir / RUN_FILE, {**_new_record(config, settings), "started_at": _now(), "global_step": 0,
                                      "finished": False})


def _start_fresh(model_dir: Path, patterns: Sequence[str], reason: str) -> None:
    """Move the old run aside (unless it is only a ``run.json``: no step was saved) and say why."""
    entries = run_entries(model_dir, patterns)
    moved = move_run_aside(model_dir, patterns) if [p for p in entries if p.name != RUN_FILE] else None
    reason = reason or "이어서 학습할 last.ckpt가 없습니다"
    if moved is not None:
        print(
            f"{reason}: 처음부터 새로 학습합니다. 이전 실행(체크포인트, 로그, metrics.json)은 지우지 않고 {moved} "
            f"({human_size(directory_size(moved))})로 옮겼습니다. 필요 없으면 직접 지워 Drive 용량을 아끼세요."
        )
    elif entries:
        print(f"{reason}: 처음부터 새로 학습합니다.")


def _refuse_foreign(config: BaseConfig, model_dir: Path) -> None:
    foreign = run_entries(model_dir)
    if foreign:
        release_session(model_dir)
        names = ", ".join(p.name + ("/" if p.is_dir() else "") for p in foreign[:6]) + (" 등" if len(foreign) > 6 else "")
        raise RunDirError(
            f"{model_dir} 에 실행 기록({RUN_FILE}) 없이 실행이 쓰는 이름의 파일이 있습니다: {names}. 실행이 만든 것이 아닐 수 "
            f"있어 옮기지도 지우지도 않고 멈춥니다. 고치는 법: {_dir_field(config)}를 비어 있는 다른 폴더로 바꾸거나, "
            "이 파일들을 직접 다른 곳으로 옮긴 뒤 다시 실행하세요."
        )


def _refuse_other_chapter(config: BaseConfig, model_dir: Path, stored: StoredRun) -> None:
    step = f", global step {stored.global_step}" if stored.global_step is not None else ""
    release_session(model_dir)
    raise RunDirError(
        f"{model_dir} 에는 다른 장의 실행이 있습니다: {stored.task} (시작 {stored.started_at or '?'}{step}). 그 실행을 옮기거나 "
        f"지우지 않도록 여기서 멈춥니다. 고치는 법: {_dir_field(config)}를 이 장만의 폴더로 바꾸세요(예: "
        f"~/nlpbook/checkpoint-{config.task_name})."
    )


def _decide(config: BaseConfig, settings: dict[str, Any], model_dir: Path) -> str | None:
    if model_dir.exists() and not model_dir.is_dir():
        raise NotADirectoryError(
            f"{model_dir} 는 폴더가 아니라 파일입니다. 고치는 법: {_dir_field(config)}를 폴더 경로로 바꾸세요."
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    hold_session(model_dir)
    recover_interrupted_move(model_dir)
    _recover_replacements(model_dir)
    stored = read_stored_run(model_dir)
    if stored is None:
        _refuse_foreign(config, model_dir)
        _begin_run(config, settings, model_dir)
        return None
    if stored.problem is not None:
        reason = f"{model_dir / RUN_FILE} 를 믿을 수 없어({stored.problem}) 그 실행을 이어 가지 않습니다"
        _start_fresh(model_dir, stored.files, reason)
        _begin_run(config, settings, model_dir)
        return None
    if stored.task != config.task_name:
        _refuse_other_chapter(config, model_dir, stored)
    reason = _resume_problem(stored, config, settings)
    if reason is None:
        resume_from, reason = _readable_latest(model_dir)
        if resume_from is not None:
            if stored.legacy:  # nbhelpers 0.2's run.json: rewritten in this format, progress kept
                update_run_file(model_dir, **{**_new_record(config, settings), "started_at": stored.started_at})
            where = f" (global step {stored.global_step})" if stored.global_step is not None else ""
            print(f"{resume_from}{where} 에서 이어서 학습합니다. 처음부터 하려면 resume=False로 실행하세요.")
            return resume_from
    _start_fresh(model_dir, stored.files, reason)
    _begin_run(config, settings, model_dir)
    return None


def prepare_run(config: BaseConfig, task: torch.nn.Module | None = None) -> str | None:
    """The checkpoint to resume from, or None after making ``model_dir`` ready for a fresh run.

    The decision is made at most once per resolved config object (the notebook asks in ``make_trainer``
    and ``last_checkpoint``, chapter 1 also before training its tokenizer); a later call with the same
    object checks the session's lock and looks for the newest readable ``last.ckpt``, which then belongs
    to the new run (re-running an interrupted training cell resumes it). Given the ``task``, the
    checkpoint is also checked against its model (:func:`checkpoint_mismatch`; another shape starts a new
    run) and the free space against what the run will write (:func:`check_free_space`).
    """
    settings = run_settings(config)
    print_ = fingerprint(settings)
    model_dir = Path(config.model_dir)
    if _is_worker_process():
        path = model_dir / LAST
        return str(path) if config.resume and path.is_file() else None
    cached = getattr(config, "_nbhelpers_run", None)
    with _explained_os_errors(config):
        if cached is not None and cached[0] == print_:
            hold_session(model_dir)
            resume_from, _ = _readable_latest(model_dir)
            if resume_from is not None and resume_from != cached[1]:
                print(f"{resume_from} 에서 이어서 학습합니다.")
        else:
            resume_from = _decide(config, settings, model_dir)
        if task is not None and resume_from is not None:
            mismatch = checkpoint_mismatch(resume_from, task)
            if mismatch is not None:
                stored = read_stored_run(model_dir)
                _start_fresh(model_dir, stored.files if stored else MANIFEST,
                             f"{resume_from} 는 이 모델과 맞지 않아({mismatch}) 이어서 학습할 수 없습니다")
                _begin_run(config, settings, model_dir)
                resume_from = None
        if task is not None:
            check_free_space(config, task)
    object.__setattr__(config, "_nbhelpers_run", (print_, resume_from))
    return resume_from


_CHECKED: dict[tuple[str, int, int], str | None] = {}
"""Problems found per (file, mtime, size): a 1.3 GB checkpoint on Drive is CRC-checked once, not per call."""


def _problem(path: Path) -> str | None:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CHECKED:
        _CHECKED[key] = checkpoint_problem(path)
    return _CHECKED[key]


def _readable_latest(model_dir: Path) -> tuple[str | None, str]:
    """The newest readable resume checkpoint; damaged ones are reported by name and renamed ``damaged-...``."""
    for leftover in model_dir.glob(".*.ckpt.*.tmp"):  # a save cut short: never a checkpoint
        leftover.unlink(missing_ok=True)
    damaged: list[str] = []
    for name in (LAST, PREVIOUS):
        path = model_dir / name
        if path.is_dir():
            raise IsADirectoryError(
                f"{path} 는 체크포인트 파일이 아니라 폴더입니다. 고치는 법: 그 폴더의 이름을 바꾸거나 다른 곳으로 옮긴 뒤 "
                "다시 실행하세요."
            )
        if not path.is_file():
            if name == LAST and (model_dir / PREVIOUS).is_file():
                print(f"{path} 가 없습니다(저장하는 도중에 끊겼습니다).")
                damaged.append(name)
            continue
        problem = _problem(path)
        if problem is None:
            if damaged:
                print(f"대신 이전 상태 {path} 에서 이어서 학습합니다.")
            return str(path), ""
        kept = path.with_name(f"damaged-{time.strftime('%Y%m%d-%H%M%S')}-{name}")
        os.replace(path, kept)
        print(f"체크포인트 {path} 를 쓸 수 없습니다: {problem}. 이 파일은 지우지 않고 {kept.name} 로 이름을 바꿔 두었습니다"
              "(필요 없으면 지우세요).")
        damaged.append(name)
    if damaged:
        return None, "이어서 학습할 수 있는 체크포인트가 없습니다"
    return None, ""


def checkpoint_mismatch(path: str | Path, task: torch.nn.Module) -> str | None:
    """How the checkpoint at ``path`` differs from ``task``'s model (weights' names and shapes, learning
    rate, weight decay, warm-up); None when ``fit`` can resume from it. Reads the file with ``mmap``."""
    contents = load_checkpoint_file(path, mmap=True)
    saved = contents.get("state_dict")
    if not isinstance(saved, dict):
        return "state_dict가 없습니다"
    expected = task.state_dict()
    for key, tensor in expected.items():
        if key in saved and tuple(saved[key].shape) != tuple(tensor.shape):
            others = sum(1 for k, t in expected.items() if k in saved and tuple(saved[k].shape) != tuple(t.shape)) - 1
            more = f" 외 {others}개" if others else ""
            return f"{key}의 모양이 체크포인트 {tuple(saved[key].shape)}, 모델 {tuple(tensor.shape)}{more}"
    missing = [key for key in expected if key not in saved]
    extra = [key for key in saved if key not in expected]
    if missing or extra:
        key = (missing or extra)[0]
        return f"가중치 {key}가 {'체크포인트에' if missing else '모델에'} 없습니다(모두 {len(missing) + len(extra)}개가 다름)"
    saved_hparams = contents.get("hyper_parameters") or {}
    hparams = getattr(task, "hparams", {})
    for key in ("learning_rate", "weight_decay", "warmup_ratio"):
        old, new = saved_hparams.get(key), hparams.get(key)
        if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not math.isclose(old, new, rel_tol=1e-9):
            return f"{key}가 체크포인트 {old}, 이 task {new}"
    return None


def check_free_space(config: BaseConfig, task: torch.nn.Module) -> None:
    """Stop before training when the disk (Drive) has less room than the run will still write.

    The run peaks at :data:`CHECKPOINT_COPIES` times its fp32 weights; what its files in ``model_dir``
    already take is subtracted. The message gives both sizes and the moved-aside runs a learner may delete.
    """
    model_dir = Path(config.model_dir)
    weights = sum(p.numel() for p in task.parameters()) * 4
    present = sum(directory_size(p) for p in run_entries(model_dir))
    needed = max(0, CHECKPOINT_COPIES * weights - present)
    usage = shutil.disk_usage(model_dir)
    free = usage.free
    if usage.total and free < needed:  # a file system that reports no size at all is not judged
        raise NotEnoughSpaceError(
            f"{model_dir} 가 있는 디스크(Drive)에 남은 공간 {human_size(free)}이 이 실행이 더 쓸 약 {human_size(needed)}"
            f"(last.ckpt 약 {human_size(3 * weights)} 두 벌과 최고 모델 {human_size(weights)})보다 적습니다. 고치는 법: "
            + _deletable(model_dir)
        )


FOOTPRINT_GROUPS = (
    ("이어 학습용 체크포인트 (옵티마이저 상태 포함)", lambda p: p.suffix == ".ckpt" and p.name.startswith("last")),
    ("최고 모델 체크포인트 (가중치만)", lambda p: p.suffix == ".ckpt" and p.name.startswith("best")),
    ("내보낸 모델", lambda p: p.parts[0] in ("export", "pretrained")),
    ("로그와 지표", lambda p: p.parts[0] == "logs" or p.suffix == ".json"),
)


def run_footprint(model_dir: str | Path) -> dict[str, int]:
    """Bytes per kind of file in a run directory (the groups of :data:`FOOTPRINT_GROUPS`, then ``기타``)."""
    model_dir = Path(model_dir)
    sizes = {label: 0 for label, _ in FOOTPRINT_GROUPS} | {"기타": 0}
    if not model_dir.is_dir():
        return sizes
    for path in model_dir.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(model_dir)
        label = next((label for label, matches in FOOTPRINT_GROUPS if matches(relative)), "기타")
        sizes[label] += path.stat().st_size
    return sizes


def print_footprint(config: BaseConfig) -> int:
    """Print what the run occupies (on Drive, on Colab) by kind of file; returns the total in bytes."""
    sizes = run_footprint(config.model_dir)
    total = sum(sizes.values())
    print(f"{config.model_dir} 용량: 모두 {human_size(total)}")
    for label, size in sizes.items():
        if size:
            print(f"  {label}: {human_size(size)}")
    for aside in aside_runs(config.model_dir):
        print(f"  (옮겨 둔 이전 실행 {aside}: {human_size(directory_size(aside))}, 필요 없으면 직접 지우세요)")
    return total
