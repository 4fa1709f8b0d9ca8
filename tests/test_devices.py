"""GPU, several GPUs and TPU without the hardware (issue 9 items 6 and 7): fork safety, TPU detection, precision."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from nbhelpers import colab, runtime
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.colab import runtime_advice
from nbhelpers.config import resolve_config
from nbhelpers.runtime import default_precision, detect_accelerator, probe_tpu
from nbhelpers.training import make_trainer

ROOT = Path(__file__).resolve().parent.parent
CORE = ("config", "runtime", "colab", "training", "checkpoints", "rundir")

CUDA_INITIALISING = (
    "get_device_name", "get_device_properties", "get_device_capability", "init", "_lazy_init", "current_device",
    "set_device", "synchronize", "mem_get_info", "memory_allocated", "get_arch_list",
)
"""``torch.cuda`` calls that create a CUDA context: after one, ``ddp_notebook`` can no longer fork."""


def test_two_gpus_are_set_up_without_initialising_cuda(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # NVML-based queries only: a notebook that has touched CUDA cannot fork its ddp_notebook workers.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    for name in CUDA_INITIALISING:
        def forbidden(*args: object, _name: str = name, **kwargs: object) -> None:
            raise AssertionError(f"torch.cuda.{_name}() initialises CUDA before ddp_notebook forks")

        monkeypatch.setattr(torch.cuda, name, forbidden)
    monkeypatch.setattr(runtime, "probe_tpu", lambda: (0, "torch_xla is not installed"))
    config = resolve_config(ClassificationConfig(downstream_model_dir=str(tmp_path / "run")), env={}, show=True)
    assert (config.accelerator, config.devices, config.strategy, config.precision) == ("gpu", 2, "ddp_notebook", "16-mixed")
    assert "GPU" in runtime_advice(config.accelerator)
    trainer = make_trainer(config, monitor="val_acc")  # the callbacks, checkpoint I/O and run directory too
    assert trainer.max_epochs == config.epochs and not torch.cuda.is_initialized()


def test_core_modules_call_no_cuda_function_that_initialises_cuda() -> None:
    allowed = {"is_available", "device_count", "is_initialized"}
    for module in CORE:
        text = (ROOT / "nbhelpers" / f"{module}.py").read_text(encoding="utf-8")
        used = set(re.findall(r"torch\.cuda\.(\w+)\(", text))
        assert used <= allowed, f"nbhelpers/{module}.py calls torch.cuda.{sorted(used - allowed)}"


def test_tpu_trains_in_32_bit_by_default() -> None:
    # bf16-true keeps weights and AdamW state in bf16 on XLA, and most 5e-5 updates round to zero.
    assert default_precision("tpu") == "32-true"
    assert default_precision("gpu") == "16-mixed" and default_precision("cpu") == "32-true"
    assert "32-true" in runtime_advice("tpu")


def test_a_colab_tpu_runtime_without_chips_stops_with_the_reason_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "RuntimeError: Failed to connect to the GCE metadata server"
    monkeypatch.setattr(runtime, "probe_tpu", lambda: (0, reason))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    # Off Colab, no TPU simply means the next accelerator.
    monkeypatch.setattr(colab, "is_colab", lambda: False)
    assert detect_accelerator("auto").kind == "cpu"
    # On a Colab TPU runtime it would mean training on the CPU without noticing.
    monkeypatch.setattr(colab, "is_colab", lambda: True)
    monkeypatch.setattr(colab, "is_tpu_runtime", lambda: True)
    with pytest.raises(RuntimeError) as raised:
        detect_accelerator("auto")
    message = str(raised.value)
    assert reason in message and "setup_tpu()" in message and "accelerator='cpu'" in message
    assert detect_accelerator("cpu").kind == "cpu"  # asked for knowingly
    with pytest.raises(RuntimeError, match="metadata server"):
        detect_accelerator("tpu")


def test_probe_tpu_names_why_there_is_no_tpu_here() -> None:
    chips, reason = probe_tpu()
    assert chips == 0 and reason  # this machine has no TPU; the reason is never empty then


def test_a_batch_looked_at_before_a_forked_fit_is_not_pinned() -> None:
    # Pinned memory needs a CUDA context: every notebook takes one batch before training, and with
    # ddp_notebook that would initialise CUDA in the process that fit then forks.
    from nbhelpers.batching import dataloader_options

    forked = ClassificationConfig(accelerator="gpu", devices=2, strategy="ddp_notebook", num_workers=2)
    assert dataloader_options(forked, [0, 1])["pin_memory"] is False
    one_gpu = ClassificationConfig(accelerator="gpu", devices=1, strategy="auto", num_workers=2)
    assert dataloader_options(one_gpu, [0, 1])["pin_memory"] is True
