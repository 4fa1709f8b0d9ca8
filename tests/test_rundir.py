"""Nothing a learner made is deleted or adopted by the wrong run (issue 17 items 2 and 6, issue 20 items 1-6).

Each test goes through the notebooks' own calls (``resolve_config``, ``make_trainer``, ``last_checkpoint``,
``finish_training``, ``export_model``) and checks the files on disk. File and folder names are spelt out
(``run.previous-…``, ``.nbhelpers-session.lock``, ``.export.old``) because they are what a learner sees on
Drive; a disconnect in the middle of a move or an export is simulated by leaving its intermediate state
on disk, exactly as a killed process leaves it.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytorch_lightning as pl
from resume_run import pieces, run_config
from test_resume import StopAfterEpochs
from transformers import AutoTokenizer, BertForSequenceClassification

import nbhelpers.config as config_module
from nbhelpers.checkpoints import load_checkpoint_file, write_json
from nbhelpers.classification.config import ClassificationConfig, PairClassificationConfig
from nbhelpers.config import resolve_config
from nbhelpers.ner.config import NERConfig
from nbhelpers.predictor import export_model
from nbhelpers.rundir import fingerprint, run_settings
from nbhelpers.runtime import Accelerator
from nbhelpers.training import last_checkpoint, make_trainer

LOCK = ".nbhelpers-session.lock"


def session(config: ClassificationConfig, tiny_model_dir: Path, *callbacks: pl.Callback) -> pl.Trainer:
    """The notebook's training cell: ``make_trainer``, then ``fit`` from ``last_checkpoint``.

    Without the task, as before it could be given: the task's checks have tests of their own below.
    """
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.extend(callbacks)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config))
    return trainer


def aside(model_dir: Path) -> list[Path]:
    """Folders beside ``model_dir`` that hold moved-aside runs (``run.previous``, ``run.previous-…``)."""
    return sorted(p for p in model_dir.parent.iterdir() if p.name.startswith(model_dir.name + ".previous"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes), leaving out the session's lock."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != LOCK}


def contents(root: Path) -> set[tuple[str, bytes]]:
    """(file name, bytes) of every file anywhere under ``root``: what is kept, wherever it went."""
    return {(p.name, p.read_bytes()) for p in root.rglob("*") if p.is_file() and p.name != LOCK}


@pytest.fixture(scope="module")
def one_epoch_run(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    """A real run of chapter 2's tiny model, stopped after its first epoch (3 epochs planned)."""
    model_dir = tmp_path_factory.mktemp("trained") / "run"
    session(run_config(model_dir), tiny_model_dir, StopAfterEpochs(1))
    (model_dir / LOCK).unlink(missing_ok=True)
    return model_dir


def copy_run(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(source, target)
    return target


# --- issue 17 item 2: a GPU -> CPU -> GPU runtime switch --------------------------------------------------------


def on_machine(monkeypatch: pytest.MonkeyPatch, model_dir: Path, kind: str) -> ClassificationConfig:
    """The config cell on a Colab runtime with a GPU or without (the batch size left to the machine: 0)."""
    monkeypatch.setattr(config_module, "detect_accelerator", lambda requested="auto": Accelerator(kind, 1))
    config = run_config(model_dir, batch_size="0")
    monkeypatch.undo()
    # This machine has no GPU: the "GPU" session trains on the CPU with everything else the GPU config chose.
    # None of these fields is part of what a run trains.
    config.accelerator, config.precision, config.num_workers = "cpu", "32-true", 0
    return config


def test_a_gpu_cpu_gpu_runtime_switch_keeps_training_the_same_run_and_deletes_nothing(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    gpu = on_machine(monkeypatch, model_dir, "gpu")
    assert gpu.batch_size == 32  # 96 examples: 3 steps an epoch
    assert session(gpu, tiny_model_dir, StopAfterEpochs(1)).global_step == 3
    capsys.readouterr()
    # The GPU limit is reached; the learner reconnects without a GPU and runs the notebook again.
    cpu = on_machine(monkeypatch, model_dir, "cpu")
    out = capsys.readouterr().out
    assert cpu.batch_size == 32 and "batch_size = 32" in out and "자동으로 고르면 8" in out  # said in one line
    assert session(cpu, tiny_model_dir, StopAfterEpochs(2)).global_step == 6
    assert "설정이 바뀌었습니다" not in capsys.readouterr().out
    # Back on a GPU the next day: the same run finishes.
    gpu = on_machine(monkeypatch, model_dir, "gpu")
    assert session(gpu, tiny_model_dir).global_step == 9
    assert aside(model_dir) == []  # nothing was moved aside, so nothing could be deleted
    assert load_checkpoint_file(model_dir / "last.ckpt")["global_step"] == 9


def test_a_run_json_of_nbhelpers_0_2_resumes_on_another_machine_with_its_own_batch_size(
    one_epoch_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # nbhelpers 0.2 wrote the batch size the machine chose (16 here) into the settings, without "format".
    model_dir = copy_run(one_epoch_run, tmp_path)
    settings = run_settings(run_config(model_dir))
    write_json(model_dir / "run.json", {"fingerprint": fingerprint(settings), "settings": settings, "global_step": 6})
    cpu = on_machine(monkeypatch, model_dir, "cpu")  # "auto" would be 8 here
    assert cpu.batch_size == 16
    assert last_checkpoint(cpu) == str(model_dir / "last.ckpt") and aside(model_dir) == []
    record = json.loads((model_dir / "run.json").read_text(encoding="utf-8"))
    assert record["settings"]["batch_size"] == 0 and record["batch_size"] == 16 and record["global_step"] == 6


def test_a_run_started_with_an_explicit_batch_size_is_a_new_run_when_it_changes(
    one_epoch_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the machine's choice is kept: a batch size the learner changes still starts a new run.
    model_dir = copy_run(one_epoch_run, tmp_path)
    capsys.readouterr()
    assert last_checkpoint(run_config(model_dir, batch_size="8")) is None
    assert "batch_size: 16 -> 8" in capsys.readouterr().out
    assert [p.name for p in aside(model_dir)[0].glob("last.ckpt")] == ["last.ckpt"]


# --- issue 17 item 6: another number of training processes ------------------------------------------------------


def test_another_number_of_processes_starts_a_new_run_and_keeps_the_old_one(
    one_epoch_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    before = snapshot(model_dir)
    same = run_config(model_dir)
    assert last_checkpoint(same) == str(model_dir / "last.ckpt")  # the same world size resumes
    capsys.readouterr()
    two = run_config(model_dir)
    two.devices = 2  # e.g. two GPUs in this session, one in the last
    assert last_checkpoint(two) is None
    out = capsys.readouterr().out
    assert "학습 프로세스 수가 1개에서 2개로" in out and "devices=1" in out and "처음부터 새로 학습합니다" in out
    [moved] = aside(model_dir)
    kept = snapshot(moved)
    assert all(kept[name] == data for name, data in before.items() if name != "run.json")


# --- issue 20 item 1: one folder, several chapters -------------------------------------------------------------


def chapter_config(config_class: type, model_dir: Path):  # noqa: ANN201
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(model_dir)}
    return resolve_config(config_class(), env=env, show=False)


def test_another_chapters_run_in_the_folder_is_never_moved_or_deleted(
    one_epoch_run: Path, tmp_path: Path
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    (model_dir / "metrics.json").write_text('{"val_acc": 0.9}', encoding="utf-8")
    (model_dir / "export").mkdir()
    (model_dir / "export" / "config.json").write_text("{}", encoding="utf-8")
    before = snapshot(model_dir)
    for config_class in (PairClassificationConfig, NERConfig):  # chapter 3, then chapter 4, on the same folder
        with pytest.raises(RuntimeError, match="다른 장의 실행이 있습니다: document-classification") as raised:
            last_checkpoint(chapter_config(config_class, model_dir))
        assert "고치는 법: downstream_model_dir" in str(raised.value)
    assert snapshot(model_dir) == before and aside(model_dir) == []
    assert last_checkpoint(run_config(model_dir)) == str(model_dir / "last.ckpt")  # chapter 2 still resumes


# --- issue 20 item 2: a learner's own files ---------------------------------------------------------------------


def learners_files(folder: Path) -> None:
    for name in ("logs/mine.csv", "export/config.json", "tokenizer/vocab.txt", "metrics.json"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"the learner's {name}", encoding="utf-8")


def test_a_folder_with_a_learners_files_but_no_run_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    learners_files(model_dir)
    (model_dir / "notes.ckpt").write_bytes(b"my own checkpoint")
    before = snapshot(model_dir)
    with pytest.raises(RuntimeError, match="run.json") as raised:
        last_checkpoint(run_config(model_dir))
    message = str(raised.value)
    assert "export/" in message and "logs/" in message and "옮기지도 지우지도" in message and "고치는 법" in message
    # Run again (twice), and with resume=False: still nothing moved, nothing deleted.
    for fields in ({}, {"resume": "false"}):
        with pytest.raises(RuntimeError, match="run.json"):
            last_checkpoint(run_config(model_dir, **fields))
    assert snapshot(model_dir) == before and aside(model_dir) == []


def test_only_what_the_run_wrote_moves_aside(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    model_dir.mkdir()
    (model_dir / "notes.ckpt").write_bytes(b"my own checkpoint")  # names no run writes: the run may start
    (model_dir / "data.tsv").write_text("text\tlabel\n", encoding="utf-8")
    config = run_config(model_dir)
    assert last_checkpoint(config) is None
    (model_dir / "best-epoch=0-step=6-val_acc=0.5000.ckpt").write_bytes(b"weights")
    (model_dir / "logs").mkdir()
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2)
    export_model(model, AutoTokenizer.from_pretrained(tiny_model_dir), model_dir / "my-export")
    assert last_checkpoint(run_config(model_dir, resume="false")) is None
    [moved] = aside(model_dir)
    assert sorted(p.name for p in moved.iterdir()) == [
        "best-epoch=0-step=6-val_acc=0.5000.ckpt", "logs", "my-export", "run.json"]
    assert (model_dir / "notes.ckpt").read_bytes() == b"my own checkpoint" and (model_dir / "data.tsv").is_file()


# --- issue 20 item 3: no automatic deletion; a disconnect while moving or exporting ----------------------------


def fake_run(model_dir: Path, tag: str) -> None:
    """A run's files with recognisable contents (no training needed to move them)."""
    (model_dir / "logs" / "version_0").mkdir(parents=True)
    (model_dir / "logs" / "version_0" / "metrics.csv").write_text(f"step\n{tag}\n", encoding="utf-8")
    (model_dir / f"best-{tag}.ckpt").write_bytes(f"best weights {tag}".encode())
    (model_dir / "last.ckpt").write_bytes(f"resume state {tag}".encode())
    (model_dir / "metrics.json").write_text(json.dumps({"run": tag}), encoding="utf-8")


def test_every_fresh_start_keeps_the_old_run_in_a_folder_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    for tag in ("first", "second", "third"):
        assert last_checkpoint(run_config(model_dir, resume="false")) is None
        fake_run(model_dir, tag)
    assert last_checkpoint(run_config(model_dir, resume="false")) is None
    out = capsys.readouterr().out
    assert "지웁니다" not in out and "지우지 않고" in out
    folders = aside(model_dir)
    assert len(folders) == 3 and len({p.name for p in folders}) == 3
    kept = sorted(json.loads((p / "metrics.json").read_text(encoding="utf-8"))["run"] for p in folders)
    assert kept == ["first", "second", "third"]


def test_a_disconnect_while_moving_a_run_aside_is_undone_and_nothing_is_lost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    config = run_config(model_dir)
    assert last_checkpoint(config) is None
    fake_run(model_dir, "old")
    everything = contents(model_dir)
    # The move aside (new settings) was cut after the checkpoints had moved: its journal is still there.
    half = model_dir.with_name("run.previous-20250101-000000")
    half.mkdir()
    names = ["best-old.ckpt", "last.ckpt", "logs", "metrics.json", "run.json"]
    for name in names[:2]:
        os.rename(model_dir / name, half / name)
    write_json(model_dir / ".nbhelpers-moving.json", {"target": half.name, "entries": names})
    # The learner runs the notebook again with the new settings.
    assert last_checkpoint(run_config(model_dir, learning_rate="0.001")) is None
    out = capsys.readouterr().out
    assert "되돌렸습니다" in out and "learning_rate: 0.002 -> 0.001" in out
    [moved] = aside(model_dir)
    assert contents(moved) == everything  # the whole old run, together, in one folder
    assert not half.exists() and not (model_dir / ".nbhelpers-moving.json").exists()


def test_an_older_versions_half_moved_run_is_never_deleted(tmp_path: Path) -> None:
    # nbhelpers 0.2 moved a run into <dir>.previous file by file and deleted that folder on the next move:
    # cut in between, the next fresh start deleted the run's checkpoints.
    model_dir = tmp_path / "run"
    config = run_config(model_dir)
    model_dir.mkdir()
    write_json(model_dir / "run.json", {"fingerprint": fingerprint(run_settings(config)),
                                        "settings": run_settings(config), "global_step": 6})
    fake_run(model_dir, "old")
    everything = contents(model_dir)
    half = model_dir.with_name("run.previous")
    half.mkdir()
    for name in ("best-old.ckpt", "last.ckpt"):
        os.rename(model_dir / name, half / name)
    assert last_checkpoint(run_config(model_dir, learning_rate="0.001")) is None
    assert everything <= contents(tmp_path)


def validated_export(folder: Path, tag: str) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"export": tag}), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(f"weights {tag}".encode())


def export_tag(folder: Path) -> str:
    return json.loads((folder / "config.json").read_text(encoding="utf-8"))["export"]


def untrained_model(tiny_model_dir: Path) -> tuple[BertForSequenceClassification, object]:
    return (BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2),
            AutoTokenizer.from_pretrained(tiny_model_dir))


def test_an_export_cut_between_its_renames_is_put_back_before_anything_replaces_it(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    out = tmp_path / "export"
    # Killed after the validated export became .export.old and before the new one took its name.
    validated_export(tmp_path / ".export.old", "validated")
    validated_export(tmp_path / ".export.tmp", "half-written")
    model, tokenizer = untrained_model(tiny_model_dir)  # e.g. the next session's training failed
    with pytest.raises(RuntimeError, match="finish_training으로 검증되지 않았습니다"):
        export_model(model, tokenizer, out)
    assert export_tag(out) == "validated"
    assert not (tmp_path / ".export.old").exists() and not (tmp_path / ".export.tmp").exists()


def test_an_export_cut_after_it_was_complete_is_finished(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "export"
    validated_export(tmp_path / ".export.old", "validated before")
    validated_export(tmp_path / ".export.tmp", "validated now")
    write_json(tmp_path / ".export.swap.json", {"replacing": "export"})  # the new export was complete
    model, tokenizer = untrained_model(tiny_model_dir)
    with pytest.raises(RuntimeError, match="finish_training으로 검증되지 않았습니다"):
        export_model(model, tokenizer, out)
    assert export_tag(out) == "validated now"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_a_new_run_keeps_an_export_that_was_cut_between_its_renames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "run"
    assert last_checkpoint(run_config(model_dir)) is None
    fake_run(model_dir, "old")
    validated_export(model_dir / ".export.old", "validated")
    validated_export(model_dir / ".export.tmp", "half-written")
    assert last_checkpoint(run_config(model_dir, learning_rate="0.001")) is None
    [moved] = aside(model_dir)
    assert export_tag(moved / "export") == "validated"


def test_too_little_space_stops_before_training_and_names_what_could_be_deleted(
    one_epoch_run: Path, tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    assert last_checkpoint(run_config(model_dir, resume="false")) is None  # the old run is moved aside
    [moved] = aside(model_dir)
    config = run_config(model_dir)
    task, _, _ = pieces(config, tiny_model_dir)
    weights = sum(p.numel() for p in task.parameters()) * 4
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=weights))
    with pytest.raises(OSError, match="남은 공간") as raised:
        last_checkpoint(config, task)
    assert str(moved) in str(raised.value) and "고치는 법" in str(raised.value)
    assert moved.is_dir() and (moved / "last.ckpt").is_file()  # the learner decides what to delete
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=100 * weights))
    assert last_checkpoint(config, task) is None


# --- issue 20 item 4: a run.json that is not what a run wrote ---------------------------------------------------


def _hand_edited(record: dict) -> dict:
    # The fingerprint edited to match new settings (learning_rate 0.001); the settings still say 0.002.
    record["fingerprint"] = fingerprint({**record["settings"], "learning_rate": 0.001})
    return record


RUN_JSON_CASES = {
    "garbage": lambda record: b"\x00\x9c not json",
    "a list": lambda record: b"[1, 2]",
    "settings of the wrong type": lambda record: {**record, "settings": ["learning_rate", 0.002]},
    "a step of the wrong type": lambda record: {**record, "global_step": "six"},
    "edited by hand": _hand_edited,
}


@pytest.mark.parametrize("case", sorted(RUN_JSON_CASES))
def test_a_damaged_or_edited_run_json_is_never_read_as_the_same_run(
    case: str, one_epoch_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    record = json.loads((model_dir / "run.json").read_text(encoding="utf-8"))
    edited = RUN_JSON_CASES[case](record)
    data = edited if isinstance(edited, bytes) else json.dumps(edited).encode()
    (model_dir / "run.json").write_bytes(data)
    checkpoint = (model_dir / "last.ckpt").read_bytes()
    capsys.readouterr()
    config = run_config(model_dir, learning_rate="0.001") if case == "edited by hand" else run_config(model_dir)
    for _ in range(2):  # and again: no error on any rerun
        assert last_checkpoint(config) is None
        config = dataclasses.replace(config)
    out = capsys.readouterr().out
    assert "run.json 를 믿을 수 없어" in out and "처음부터 새로 학습합니다" in out
    [moved] = aside(model_dir)
    assert (moved / "last.ckpt").read_bytes() == checkpoint and (moved / "run.json").read_bytes() == data


def test_a_run_json_edited_to_match_new_settings_is_caught_by_the_checkpoint(
    one_epoch_run: Path, tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    config = run_config(model_dir, learning_rate="0.001")
    record = json.loads((model_dir / "run.json").read_text(encoding="utf-8"))
    record["settings"] = run_settings(config)
    record["fingerprint"] = fingerprint(record["settings"])
    write_json(model_dir / "run.json", record)
    task, _, _ = pieces(config, tiny_model_dir)
    capsys.readouterr()
    assert last_checkpoint(config, task) is None
    assert "learning_rate가 체크포인트 0.002, 이 task 0.001" in capsys.readouterr().out
    [moved] = aside(model_dir)
    assert (moved / "last.ckpt").is_file()


def test_checkpoints_without_a_run_json_are_not_adopted(one_epoch_run: Path, tmp_path: Path) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    (model_dir / "run.json").unlink()
    before = snapshot(model_dir)
    with pytest.raises(RuntimeError, match="run.json"):
        last_checkpoint(run_config(model_dir, learning_rate="0.001"))
    assert snapshot(model_dir) == before


# --- issue 20 item 5: two sessions on one folder ----------------------------------------------------------------


def foreign_lock(model_dir: Path, age_seconds: float, host: str = "another-colab-vm", pid: int = 4242) -> Path:
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / LOCK
    beat = time.time() - age_seconds
    write_json(path, {"host": host, "boot_id": "", "pid": pid, "session": "other", "started_at": "2025-01-01 09:00:00",
                      "heartbeat_at": beat})
    os.utime(path, (beat, beat))
    return path


def test_a_second_session_on_the_folder_stops_before_writing(tmp_path: Path) -> None:
    model_dir = tmp_path / "run"
    foreign_lock(model_dir, age_seconds=20)
    with pytest.raises(RuntimeError, match="다른 세션이 이 폴더를 쓰고 있습니다") as raised:
        last_checkpoint(run_config(model_dir))
    assert "another-colab-vm" in str(raised.value) and "고치는 법" in str(raised.value)
    assert sorted(p.name for p in model_dir.iterdir()) == [LOCK]


def test_a_lock_left_by_a_session_that_is_gone_is_taken_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another machine whose heartbeat stopped an hour ago (a disconnected Colab VM).
    model_dir = tmp_path / "stale"
    foreign_lock(model_dir, age_seconds=3600)
    assert last_checkpoint(run_config(model_dir)) is None
    assert "넘겨받습니다" in capsys.readouterr().out
    # This machine, a process that has ended (a restarted kernel): taken over at once.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    model_dir = tmp_path / "restarted"
    path = foreign_lock(model_dir, age_seconds=1, host=socket.gethostname(), pid=int(ended.stdout))
    boot = Path("/proc/sys/kernel/random/boot_id")
    lock = json.loads(path.read_text(encoding="utf-8"))
    write_json(path, {**lock, "boot_id": boot.read_text(encoding="ascii").strip() if boot.exists() else ""})
    assert last_checkpoint(run_config(model_dir)) is None
    assert "끝났습니다" in capsys.readouterr().out
    assert json.loads(path.read_text(encoding="utf-8"))["pid"] == os.getpid()


class TakenOverAt(pl.Callback):
    """Another session takes the folder over (its lock, fresh) after step ``step``."""

    def __init__(self, model_dir: Path, step: int) -> None:
        self.model_dir, self.step = model_dir, step

    def on_train_batch_end(self, trainer: pl.Trainer, *args: object) -> None:
        if trainer.global_step == self.step:
            foreign_lock(self.model_dir, age_seconds=0)


def test_training_refreshes_its_lock_and_stops_when_another_session_took_the_folder(
    tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbhelpers.rundir.HEARTBEAT_SECONDS", 0.0)
    model_dir = tmp_path / "run"
    started = time.time()
    session(run_config(model_dir), tiny_model_dir, StopAfterEpochs(1))
    lock = json.loads((model_dir / LOCK).read_text(encoding="utf-8"))
    assert lock["pid"] == os.getpid() and lock["heartbeat_at"] >= started
    with pytest.raises(RuntimeError, match="넘겨받았습니다"):
        session(run_config(model_dir), tiny_model_dir, TakenOverAt(model_dir, 8))
    assert load_checkpoint_file(model_dir / "last.ckpt")["global_step"] == 6  # no save after the takeover


# --- issue 20 item 6: a checkpoint of another model; a folder named last.ckpt; read-only, full -----------------


def test_a_checkpoint_of_another_model_shape_starts_a_new_run_with_a_message(
    one_epoch_run: Path, tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    config = run_config(model_dir)
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    vocabulary = task.model.config.vocab_size
    task.model.resize_token_embeddings(vocabulary + 8)  # the tokenizer changed under the same name
    capsys.readouterr()
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.callbacks.append(StopAfterEpochs(1))
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=last_checkpoint(config, task))
    out = capsys.readouterr().out
    assert "이 모델과 맞지 않아" in out and f"({vocabulary}, " in out and f"({vocabulary + 8}, " in out
    assert trainer.global_step == 6  # a new run's first epoch
    [moved] = aside(model_dir)
    assert load_checkpoint_file(moved / "last.ckpt")["global_step"] == 6


def test_a_folder_named_last_ckpt_gets_one_message(one_epoch_run: Path, tmp_path: Path) -> None:
    model_dir = copy_run(one_epoch_run, tmp_path)
    os.replace(model_dir / "last.ckpt", model_dir / "last.previous.ckpt")
    (model_dir / "last.ckpt").mkdir()
    with pytest.raises(IsADirectoryError, match="폴더입니다. 고치는 법"):
        last_checkpoint(run_config(model_dir))
    assert (model_dir / "last.previous.ckpt").is_file()


@pytest.mark.parametrize(("code", "kind", "words"), [
    (errno.EROFS, PermissionError, "쓸 수 없습니다"),
    (errno.EACCES, PermissionError, "쓸 수 없습니다"),
    (errno.ENOSPC, OSError, "쓸 공간이 없습니다"),
])
def test_a_read_only_or_full_folder_gets_one_message(
    code: int, kind: type, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path, data: object) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr("nbhelpers.rundir.write_json", refuse)
    with pytest.raises(kind, match=words) as raised:
        last_checkpoint(run_config(tmp_path / "run"))
    assert "고치는 법" in str(raised.value) and "Errno" not in str(raised.value)
