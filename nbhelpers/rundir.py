"""The run directory on Drive: which run it holds, whether to resume it, and how much room it takes.

A chapter's ``model_dir`` holds one run: its checkpoints, CSV logs, ``metrics.json`` and export.
Lightning alone mixes runs there: with ``resume=False`` (or new settings) the old ``last.ckpt`` stays,
new files come out as ``last-v1.ckpt`` and ``best-...-v1.ckpt``, the next default run resumes the OLD
run, and the training curves draw both runs on top of each other.

:func:`prepare_run` decides once per resolved config, before anything of the new run is written:

* same settings as the stored run (``run.json`` holds a fingerprint of the fields that change what is
  trained) and ``resume=True``: resume from ``last.ckpt``, or from ``last.previous.ckpt`` when the
  newest file is damaged (a disconnect while Drive was syncing), saying which and why;
* otherwise a fresh start: the old run is moved aside whole into ``<model_dir>.previous`` (one such
  folder per chapter, replaced by the next one, so Drive does not fill up), and the message says so.

:func:`print_footprint` shows what the run occupies, so a learner can see that chapters 2-5 fit a free
15 GB Drive (about 2.2 GB each for kcbert-base once finished; see the README).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from nbhelpers.checkpoints import (
    LAST,
    PREVIOUS,
    RUN_FILE,
    checkpoint_problem,
    read_run_file,
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
interval do not change the model; everything else (model, data, sequence length, batch size, learning
rate, schedule, epochs, seed, a chapter's own fields) does, and a change starts a new run.
"""

PREVIOUS_RUN_SUFFIX = ".previous"

RUN_ARTIFACTS = (
    "*.ckpt", "logs", "metrics.json", RUN_FILE, "export", "predictions.json", "tokenizer", "pretrained", ".*.tmp",
)
"""What runs write into ``model_dir`` (checkpoints, CSV logs, results, exports, chapter 1's tokenizer).

Only these move aside on a fresh start: a ``model_dir`` pointed at a folder that also holds other files
(a learner's own data) keeps them where they are.
"""


def run_settings(config: BaseConfig) -> dict[str, Any]:
    """The config fields that define what a run trains (see :data:`NOT_IN_FINGERPRINT`), as JSON values."""
    settings = {}
    for field in dataclasses.fields(config):
        if field.name in NOT_IN_FINGERPRINT or field.name.endswith("model_dir"):
            continue
        settings[field.name] = json.loads(json.dumps(getattr(config, field.name), default=str))
    return settings


def fingerprint(settings: dict[str, Any]) -> str:
    """A short hash of :func:`run_settings`: equal settings, equal fingerprint."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``"name: old -> new"`` for every field that differs."""
    names = sorted(set(old) | set(new))
    return [f"{name}: {old.get(name)!r} -> {new.get(name)!r}" for name in names if old.get(name) != new.get(name)]


def _is_worker_process() -> bool:
    # Processes a script-launched DDP run starts run the notebook's code again; only rank 0 moves files.
    return any(os.environ.get(name, "0") not in ("", "0") for name in ("RANK", "LOCAL_RANK", "NODE_RANK"))


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


def previous_run_dir(model_dir: str | Path) -> Path:
    """Where a replaced run is moved: ``<model_dir>.previous`` beside it."""
    model_dir = Path(model_dir)
    return model_dir.with_name(model_dir.name + PREVIOUS_RUN_SUFFIX)


def run_artifacts(model_dir: str | Path) -> list[Path]:
    """The entries of ``model_dir`` a run wrote (:data:`RUN_ARTIFACTS`), sorted."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(p for p in model_dir.iterdir() if any(fnmatch.fnmatch(p.name, pattern) for pattern in RUN_ARTIFACTS))


def move_run_aside(model_dir: str | Path) -> Path | None:
    """Move the run's files in ``model_dir`` into ``<model_dir>.previous`` (replacing an older one); None if none.

    Temp files of interrupted saves are deleted, not moved: they are partial by construction.
    """
    model_dir = Path(model_dir)
    entries = []
    for entry in run_artifacts(model_dir):
        if fnmatch.fnmatch(entry.name, ".*.tmp"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        else:
            entries.append(entry)
    if not entries:
        return None
    target = previous_run_dir(model_dir)
    if target.exists():
        print(f"전에 옮겨 둔 실행 {target} ({human_size(directory_size(target))})를 지웁니다.")
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for entry in entries:
        shutil.move(str(entry), str(target / entry.name))
    return target


def prepare_run(config: BaseConfig) -> str | None:
    """The checkpoint to resume from, or None after making ``model_dir`` ready for a fresh run.

    The old run is moved aside at most once per resolved config object (the notebook asks in
    ``make_trainer`` and ``last_checkpoint``, chapter 1 also before training its tokenizer); a later call
    with the same object only looks for the newest readable ``last.ckpt``, which then belongs to the new
    run (re-running an interrupted training cell resumes it).
    """
    settings = run_settings(config)
    print_ = fingerprint(settings)
    model_dir = Path(config.model_dir)
    cached = getattr(config, "_nbhelpers_run", None)
    if cached is not None and cached[0] == print_:
        resume_from, _ = _readable_latest(model_dir)
        if resume_from is not None and resume_from != cached[1]:
            print(f"{resume_from} 에서 이어서 학습합니다.")
        object.__setattr__(config, "_nbhelpers_run", (print_, resume_from))
        return resume_from
    if _is_worker_process():
        path = model_dir / LAST
        return str(path) if config.resume and path.is_file() else None
    stored = read_run_file(model_dir)
    resume_from = None
    reason = ""
    if not config.resume:
        reason = "resume=False"
    elif stored.get("fingerprint") not in (None, print_):
        changes = changed_settings(stored.get("settings", {}), settings)
        reason = "설정이 바뀌었습니다 (" + "; ".join(changes or ["알 수 없는 필드"]) + ")"
    else:
        resume_from, reason = _readable_latest(model_dir)
    if resume_from is None:
        _start_fresh(model_dir, reason)
        write_json(model_dir / RUN_FILE, {
            "fingerprint": print_, "settings": settings, "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "global_step": 0, "finished": False,
        })
    else:
        if not stored:  # a run from before run.json existed: adopt it
            write_json(model_dir / RUN_FILE, {"fingerprint": print_, "settings": settings})
        step = stored.get("global_step")
        where = f" (global step {step})" if step is not None else ""
        print(f"{resume_from}{where} 에서 이어서 학습합니다. 처음부터 하려면 resume=False로 실행하세요.")
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
    """The newest readable resume checkpoint; damaged ones are reported by name and deleted."""
    for leftover in model_dir.glob(".*.ckpt.*.tmp"):  # a save cut short: never a checkpoint
        leftover.unlink(missing_ok=True)
    damaged: list[str] = []
    for name in (LAST, PREVIOUS):
        path = model_dir / name
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
        print(f"체크포인트 {path} 를 쓸 수 없습니다: {problem}. 이 파일을 지웁니다.")
        path.unlink()
        damaged.append(name)
    if damaged:
        return None, "이어서 학습할 수 있는 체크포인트가 없습니다"
    return None, ""


def _start_fresh(model_dir: Path, reason: str) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    moved = move_run_aside(model_dir)
    if moved is not None:
        reason = reason or "이어서 학습할 last.ckpt가 없습니다"
        print(
            f"{reason}: 처음부터 새로 학습합니다. 이전 실행(체크포인트, 로그, metrics.json)은 {moved} "
            f"({human_size(directory_size(moved))})로 옮겼습니다. 필요 없으면 지워서 Drive 용량을 아끼세요."
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
    aside = previous_run_dir(config.model_dir)
    if aside.is_dir():
        print(f"  (옮겨 둔 이전 실행 {aside}: {human_size(directory_size(aside))}, 필요 없으면 지우세요)")
    return total
