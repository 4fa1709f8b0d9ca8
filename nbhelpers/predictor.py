"""Loading a trained model for inference and exporting it as a Hugging Face directory.

A learner ends a chapter either with a Lightning checkpoint on Drive or with an exported directory
that ``from_pretrained`` and ``pipeline`` load; both routes give the same model here.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from nbhelpers.task import TaskBase


def export_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path) -> Path:
    """Save model and tokenizer with ``save_pretrained`` so ``from_pretrained(out_dir)`` reloads both."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    print(f"모델과 토크나이저를 {out_dir} 에 저장했습니다.")
    return out_dir


def load_trained_model(
    path: str | Path, auto_class: type
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Model and tokenizer from a ``.ckpt`` (tokenizer from the task's ``pretrained_model_name``) or an exported dir."""
    path = Path(path)
    if path.suffix == ".ckpt":
        model = TaskBase.load_model_from_checkpoint(path, auto_class)
        hparams = torch.load(path, map_location="cpu", weights_only=False).get("hyper_parameters", {})
        source = hparams.get("pretrained_model_name")
        if not source:
            raise ValueError(
                f"{path}: the checkpoint does not say which tokenizer it was trained with. How to fix: export the "
                "model with export_model() and load that directory instead."
            )
        tokenizer = AutoTokenizer.from_pretrained(source)
    else:
        model = auto_class.from_pretrained(path).eval()
        tokenizer = AutoTokenizer.from_pretrained(path)
    return model, tokenizer
