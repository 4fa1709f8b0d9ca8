from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

import nbhelpers.colab
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.colab import is_colab, mount_drive, setup_tpu
from nbhelpers.config import ConfigError, resolve_config
from nbhelpers.runtime import Accelerator, setup_logging

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0*.ipynb"))


def test_off_colab_everything_is_a_printed_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert not is_colab()
    assert mount_drive(local_root=tmp_path) == tmp_path
    assert setup_tpu() is False
    out = capsys.readouterr().out
    assert "Colab이 아니므로" in out and "TPU" in out


def test_drive_already_mounted(tmp_path: Path) -> None:
    (tmp_path / "MyDrive").mkdir()
    calls: list[str] = []
    assert mount_drive(str(tmp_path), colab=True, mount=calls.append) == tmp_path / "MyDrive"
    assert calls == []


def test_drive_mount_point_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "stray.txt").write_text("x")
    with pytest.raises(RuntimeError, match="Mountpoint must not already contain files") as info:
        mount_drive(str(tmp_path), colab=True, mount=lambda p: None)
    assert "고치는 법" in str(info.value) and "use_drive" in str(info.value)


def test_drive_mount_retries_then_explains(tmp_path: Path) -> None:
    point = tmp_path / "drive"
    attempts: list[str] = []

    def flaky(path: str) -> None:
        attempts.append(path)
        if len(attempts) == 1:
            raise TimeoutError("mount timed out")
        (Path(path) / "MyDrive").mkdir(parents=True)

    assert mount_drive(str(point), colab=True, mount=flaky) == point / "MyDrive"
    assert len(attempts) == 2

    def broken(path: str) -> None:
        raise ValueError("mount failed")

    with pytest.raises(RuntimeError, match="연결하지 못했습니다") as info:
        mount_drive(str(tmp_path / "other"), colab=True, mount=broken, retries=1)
    # The way on: the message names the notebook's form switch, and says what is lost without Drive.
    assert "mount failed" in str(info.value) and "use_drive" in str(info.value) and "사라집니다" in str(info.value)


def test_drive_switch_off_continues_on_the_session_disk_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(path: str) -> None:
        raise AssertionError("Drive must not be mounted when use_drive is off")

    root = mount_drive(str(tmp_path / "drive"), use_drive=False, local_root=tmp_path / "session", colab=True,
                       mount=never)
    assert root == tmp_path / "session"
    out = capsys.readouterr().out
    assert "경고" in out and "세션" in out and "사라지" in out and "use_drive" in out
    # Off Colab the switch changes nothing: the home folder, as before.
    assert mount_drive(use_drive=False, local_root=tmp_path, colab=False) == tmp_path
    assert "경고" not in capsys.readouterr().out


@pytest.fixture
def colab_cpu(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Colab faked, and accelerator detection faked to a CPU-only machine; the list takes other kinds."""
    kinds = ["cpu"]
    monkeypatch.setattr(nbhelpers.colab, "is_colab", lambda: True)
    monkeypatch.setattr("nbhelpers.config.detect_accelerator", lambda requested="auto": Accelerator(kinds[0], 1))
    return kinds


def test_a_real_run_on_a_colab_cpu_runtime_stops_in_the_config_cell(colab_cpu: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_config(ClassificationConfig(), env={}, show=False)
    message = str(info.value)
    assert "CPU 런타임" in message and "런타임 유형 변경" in message and "allow_cpu" in message
    assert "고치는 법" in message and len(message) < 300
    # The learner's explicit choice goes through, as do the smoke and dryrun profiles and a GPU runtime.
    assert resolve_config(ClassificationConfig(allow_cpu=True), env={}, show=False).accelerator == "cpu"
    assert resolve_config(ClassificationConfig(), env={"NBHELPERS_ALLOW_CPU": "1"}, show=False).allow_cpu
    assert resolve_config(ClassificationConfig(accelerator="cpu"), env={}, show=False).accelerator == "cpu"
    for profile in ("smoke", "dryrun"):
        assert resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": profile}, show=False).profile == profile
    colab_cpu[0] = "gpu"
    assert resolve_config(ClassificationConfig(), env={}, show=False).accelerator == "gpu"


def test_off_colab_a_cpu_run_is_not_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nbhelpers.colab, "is_colab", lambda: False)
    monkeypatch.setattr("nbhelpers.config.detect_accelerator", lambda requested="auto": Accelerator("cpu", 1))
    assert resolve_config(ClassificationConfig(), env={}, show=False).accelerator == "cpu"


def test_allow_cpu_is_not_part_of_a_runs_settings() -> None:
    # Ticking the switch on a CPU session and unticking it back on a GPU must keep resuming the same run.
    from nbhelpers.rundir import run_settings

    assert "allow_cpu" not in run_settings(ClassificationConfig(allow_cpu=True))


def _code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_notebook_has_the_drive_and_cpu_switches_and_keeps_corpora_on_drive(notebook: Path) -> None:
    cells = _code_cells(notebook)
    [drive] = [cell for cell in cells if "mount_drive(" in cell]
    assert re.search(r'^use_drive = True  #@param \{type:"boolean"\}$', drive, re.M)
    assert "mount_drive(use_drive=use_drive)" in drive
    [settings] = [cell for cell in cells if "resolve_config(config)" in cell]
    assert re.search(r'^allow_cpu = False  #@param \{type:"boolean"\}$', settings, re.M)
    assert "allow_cpu=allow_cpu," in settings
    assert 'data_root=str(drive_root / "Korpora"),' in settings


def test_tpu_setup_installs_only_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata as metadata

    versions = {"torch": "2.9.0+cu126"}

    def version(name: str) -> str:
        if name not in versions:
            raise metadata.PackageNotFoundError(name)
        return versions[name]

    monkeypatch.setattr(metadata, "version", version)
    monkeypatch.delenv("PJRT_DEVICE", raising=False)
    commands: list[list[str]] = []
    assert setup_tpu(colab=True, tpu_runtime=True, install=commands.append)
    assert commands and commands[0][-1] == "torch_xla[tpu]~=2.9.0"
    import os

    assert os.environ["PJRT_DEVICE"] == "TPU"
    versions["torch_xla"] = "2.9.0"
    commands.clear()
    assert setup_tpu(colab=True, tpu_runtime=True, install=commands.append) and commands == []
    versions["torch_xla"] = "2.8.0"
    with pytest.raises(RuntimeError, match=r"torch_xla 2\.8\.0이\(가\) torch .*과\(와\) 맞지 않습니다.*torch_xla\[tpu\]~="):
        setup_tpu(colab=True, tpu_runtime=True, install=commands.append)


def test_logging_setup_does_not_duplicate_handlers() -> None:
    setup_logging()
    logger = setup_logging()
    assert len([h for h in logger.handlers if getattr(h, "_nbhelpers", False)]) == 1
    assert logger.level == logging.INFO
