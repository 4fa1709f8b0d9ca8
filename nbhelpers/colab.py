"""Colab plumbing: detect Colab, mount Drive, set up a TPU runtime.

Every function here is safe to call anywhere: off Colab it says so and does nothing, so the same
notebook runs unchanged on Colab, in a local Jupyter and under nbval in CI.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

COLAB_MOUNTPOINT = "/content/drive"


def is_colab() -> bool:
    """True inside a Google Colab kernel."""
    if "google.colab" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:  # no "google" package at all
        return False


def is_drive_path(path: str | Path) -> bool:
    """Whether ``path`` lies on the Google Drive that :func:`mount_drive` mounts (``/content/drive``)."""
    try:
        Path(path).resolve().relative_to(Path(COLAB_MOUNTPOINT).resolve())
    except ValueError:
        return False
    return True


DRIVE_SWITCH_HINT = (
    "Drive 없이 계속하려면 이 셀의 use_drive 체크를 끄고 다시 실행하세요(체크포인트와 결과는 세션이 끝나면 사라집니다)."
)


def mount_drive(
    mountpoint: str = COLAB_MOUNTPOINT,
    *,
    use_drive: bool = True,
    local_root: str | Path = "~",
    colab: bool | None = None,
    mount: Callable[[str], None] | None = None,
    retries: int = 2,
) -> Path:
    """Mount Google Drive on Colab and return the folder that holds ``nlpbook/``.

    On Colab that is ``/content/drive/MyDrive``: checkpoints there survive a disconnect. Elsewhere it
    is ``local_root`` (the home directory), and a note says so. On Colab with ``use_drive=False`` (the
    notebooks' form switch, for when Drive cannot be mounted) it is ``local_root`` on the session's disk,
    with a warning that everything there vanishes with the session; a failed mount says to untick it.
    """
    colab = is_colab() if colab is None else colab
    if not colab:
        root = Path(os.path.expanduser(str(local_root)))
        print(f"Colab이 아니므로 Google Drive 대신 로컬 폴더 {root} 를 사용합니다.")
        return root
    if not use_drive:
        root = Path(os.path.expanduser(str(local_root)))
        print(
            f"경고: use_drive를 껐으므로 Google Drive 대신 이 세션의 디스크 {root} 에 저장합니다. 체크포인트, 학습 결과, "
            "내려받은 말뭉치는 Colab 연결이 끊기거나 세션이 끝나면 모두 사라지고, 이어서 학습할 수 없습니다. "
            "Drive를 쓰려면 use_drive를 체크하고 이 셀을 다시 실행하세요."
        )
        return root
    my_drive = Path(mountpoint) / "MyDrive"
    if my_drive.is_dir():
        print(f"Google Drive가 이미 {mountpoint} 에 연결되어 있습니다.")
        return my_drive
    point = Path(mountpoint)
    if point.is_dir() and any(point.iterdir()):
        raise RuntimeError(
            f"{mountpoint} 에 이미 파일이 있어 Drive를 연결할 수 없습니다('Mountpoint must not already contain files'). "
            "고치는 법: 그 파일들(Drive가 아니라 런타임 디스크에 있습니다)을 다른 곳으로 옮기거나, 런타임 > 연결 해제 및 "
            f"런타임 삭제 뒤 이 셀을 다시 실행하세요. {DRIVE_SWITCH_HINT}"
        )
    if mount is None:
        from google.colab import drive  # type: ignore[import-not-found]

        def mount(path: str) -> None:
            drive.mount(path, force_remount=False, timeout_ms=120000)

    for attempt in range(1, retries + 1):
        try:
            mount(mountpoint)
            break
        except Exception as error:  # noqa: BLE001 (google.colab raises plain exceptions)
            if attempt == retries:
                raise RuntimeError(
                    f"Google Drive를 {mountpoint} 에 연결하지 못했습니다({str(error)[:200]}). 고치는 법: 뜨는 창에서 Drive "
                    "접근을 허용하고 이 셀을 다시 실행하세요. 계속 실패하면 런타임 > 연결 해제 및 런타임 삭제 뒤 다시 하세요. "
                    + DRIVE_SWITCH_HINT
                ) from error
            time.sleep(3)
    print(f"Google Drive를 {mountpoint} 에 연결했습니다.")
    return my_drive


def is_tpu_runtime() -> bool:
    """A Colab/Cloud TPU VM: TPU environment variables, TPU device files, or libtpu installed."""
    if any(os.environ.get(name) for name in ("TPU_ACCELERATOR_TYPE", "TPU_NAME", "COLAB_TPU_ADDR")):
        return True
    if Path("/dev/accel0").exists() or Path("/dev/vfio/0").exists():
        return True
    return importlib.util.find_spec("libtpu") is not None


def _minor(version: str) -> str:
    return ".".join(version.split("+")[0].split(".")[:2])


def setup_tpu(
    *,
    colab: bool | None = None,
    tpu_runtime: bool | None = None,
    install: Callable[[list[str]], None] | None = None,
) -> bool:
    """Prepare torch_xla on a Colab TPU runtime; returns whether a TPU runtime was set up.

    torch_xla must match torch's minor version exactly (otherwise ``_XLAC`` fails with an undefined
    symbol). The Colab TPU image ships a matching pair; ``torch_xla[tpu]`` is installed only when missing,
    and a mismatch is reported with the fix instead of reinstalling torch behind the learner's back.
    """
    colab = is_colab() if colab is None else colab
    tpu_runtime = is_tpu_runtime() if tpu_runtime is None else tpu_runtime
    if not (colab and tpu_runtime):
        print("TPU 런타임이 아니므로 TPU 설정을 건너뜁니다.")
        return False
    torch_version = importlib.metadata.version("torch")
    try:
        xla_version: str | None = importlib.metadata.version("torch_xla")
    except importlib.metadata.PackageNotFoundError:
        xla_version = None
    if xla_version is None:
        requirement = f"torch_xla[tpu]~={_minor(torch_version)}.0"
        print(f"torch_xla가 없어 {requirement} 를 설치합니다.")
        command = [sys.executable, "-m", "pip", "install", "-q", requirement]
        (install or (lambda cmd: subprocess.run(cmd, check=True)))(command)
    elif _minor(xla_version) != _minor(torch_version):
        raise RuntimeError(
            f"torch_xla {xla_version}이(가) torch {torch_version}과(와) 맞지 않습니다(마이너 버전이 같아야 합니다). "
            f"고치는 법: pip install 'torch_xla[tpu]~={_minor(torch_version)}.0'을 실행하거나, 런타임 > "
            "런타임 연결 해제 및 삭제를 골라 Colab의 짝이 맞는 버전으로 되돌리세요."
        )
    os.environ["PJRT_DEVICE"] = "TPU"
    print(f"TPU 준비 완료: torch {torch_version}, torch_xla {xla_version or 'installed'}, PJRT_DEVICE=TPU")
    return True


def runtime_advice(accelerator_kind: str) -> str:
    """What the first cell tells the learner about the runtime they picked."""
    return {
        "gpu": "GPU 런타임입니다. 이 장의 권장 설정입니다.",
        "tpu": "TPU 런타임입니다. 32비트(32-true) 정밀도로 학습합니다. bf16-true는 AdamW의 작은 갱신을 잃습니다.",
    }.get(
        accelerator_kind,
        "CPU 런타임입니다. 전체 데이터 학습은 몇 시간 이상 걸립니다. "
        "Colab에서는 런타임 > 런타임 유형 변경 > T4 GPU를 고르세요.",
    )
