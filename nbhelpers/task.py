"""What every chapter's LightningModule shares: the optimizer, the schedule and reloadable checkpoints.

The old book returned its scheduler under the key ``scheduler``, which Lightning silently drops, so
the learning rate never moved. Here AdamW (no decay on biases and LayerNorm) and a linear warm-up and
decay are returned under ``lr_scheduler`` with ``interval="step"``, once, for every chapter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from transformers import AutoConfig, PreTrainedModel, get_linear_schedule_with_warmup

BOOKKEEPING_KEYS = ("feature_index",)
"""Batch entries the collators add for putting predictions back on their examples; not model inputs."""

NO_DECAY = ("bias", "LayerNorm.weight", "LayerNorm.bias", "layer_norm.weight", "layer_norm.bias")


class TaskBase(pl.LightningModule):
    """A Hugging Face model trained with AdamW and a linear warm-up/decay schedule.

    Subclasses implement ``training_step`` and ``validation_step``; ``monitor``/``mode`` name the
    validation metric that picks the best checkpoint.
    """

    monitor: str = "val_loss"
    mode: str = "min"

    def __init__(
        self,
        model: PreTrainedModel,
        learning_rate: float,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        **hparams: Any,
    ) -> None:
        super().__init__()
        self.model = model
        self.save_hyperparameters(ignore=["model"])

    def on_fit_start(self) -> None:
        # from_pretrained returns the model in eval mode and Lightning 2.x keeps submodule modes as it
        # finds them: without this, dropout would stay off during fine-tuning.
        self.model.train()

    def forward(self, **inputs: torch.Tensor) -> Any:
        return self.model(**inputs)

    @staticmethod
    def model_inputs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The batch without bookkeeping entries, ready for ``self.model(**...)``."""
        return {key: value for key, value in batch.items() if key not in BOOKKEEPING_KEYS}

    def configure_optimizers(self) -> dict[str, Any]:
        decay, no_decay = [], []
        for name, parameter in self.model.named_parameters():
            if parameter.requires_grad:
                (no_decay if any(key in name for key in NO_DECAY) else decay).append(parameter)
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": self.hparams.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=self.hparams.learning_rate,
        )
        total_steps = max(1, int(self.trainer.estimated_stepping_batches))
        scheduler = get_linear_schedule_with_warmup(
            optimizer,
            num_warmup_steps=int(total_steps * self.hparams.warmup_ratio),
            num_training_steps=total_steps,
        )
        # "lr_scheduler", not "scheduler": Lightning ignores unknown keys and the schedule would never step.
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1}}

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # Logged so a learner can see the warm-up and decay really happen.
        self.log("lr", self.trainer.optimizers[0].param_groups[0]["lr"], on_step=True, on_epoch=False)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # The model itself is not a hyperparameter; its config lets the checkpoint be rebuilt offline.
        checkpoint["hf_config"] = self.model.config.to_dict()
        checkpoint["hf_architecture"] = type(self.model).__name__

    @staticmethod
    def load_model_from_checkpoint(path: str | Path, auto_class: type) -> PreTrainedModel:
        """The trained Hugging Face model inside a Lightning checkpoint, built without the hub."""
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        config_dict = dict(checkpoint["hf_config"])
        model_type = config_dict.pop("model_type")
        config = AutoConfig.for_model(model_type, **config_dict)
        model = auto_class.from_config(config)
        state = {k.removeprefix("model."): v for k, v in checkpoint["state_dict"].items() if k.startswith("model.")}
        model.load_state_dict(state)
        return model.eval()
