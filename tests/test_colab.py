from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nbhelpers.colab import is_colab, mount_drive, setup_tpu
from nbhelpers.runtime import setup_logging


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
    with pytest.raises(RuntimeError, match="already contains files"):
        mount_drive(str(tmp_path), colab=True, mount=lambda p: None)


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

    with pytest.raises(RuntimeError, match="could not be mounted"):
        mount_drive(str(tmp_path / "other"), colab=True, mount=broken, retries=1)


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
    with pytest.raises(RuntimeError, match="does not match torch"):
        setup_tpu(colab=True, tpu_runtime=True, install=commands.append)


def test_logging_setup_does_not_duplicate_handlers() -> None:
    setup_logging()
    logger = setup_logging()
    assert len([h for h in logger.handlers if getattr(h, "_nbhelpers", False)]) == 1
    assert logger.level == logging.INFO
