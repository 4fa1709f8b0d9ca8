"""What every chapter's LightningModule shares: training step, optimizer, schedule and reloadable checkpoints.

The old book returned its scheduler under the key ``scheduler``, which Lightning silently drops, so
the learning rate never moved. Here AdamW and a linear warm-up and decay are returned under
``lr_scheduler`` with ``interval="step"``, once, for every chapter. Weight decay is chosen by a
parameter's shape, as nanoGPT does, not by its name: matrices (linear layers, embeddings) are
decayed, 1-D tensors (biases, LayerNorm scales and shifts) are not, whatever a model calls them
(``LayerNorm``, ``layer_norm``, ``ln_1``, ``norm``).

A loss that turns NaN or infinite (a learning rate far too high, an overflow) would ruin the weights at
the next optimizer step and train a broken model for hours; every task stops there instead, before the
backward pass, with :class:`NonFiniteLossError` and the fix, and ``finish_training`` refuses to report it.
"""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from transformers import PreTrainedModel, get_linear_schedule_with_warmup

BOOKKEEPING_KEYS = ("feature_index",)
"""Batch entries the collators add for putting predictions back on their examples; not model inputs."""


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """AdamW's two groups: trainable tensors of 2 or more dimensions decayed, 1-D ones (biases, norms) not."""
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def describe_groups(groups: list[dict[str, Any]]) -> str:
    """How many tensors and parameters each group holds, for the learner to check the rule did what it says."""
    decayed, kept = ((len(g["params"]), sum(p.numel() for p in g["params"])) for g in groups)
    return (
        f"AdamW 가중치 감쇠 {groups[0]['weight_decay']}: 2차원 이상 텐서 {decayed[0]}개(파라미터 {decayed[1]:,}개)에 적용, "
        f"1차원 텐서(편향, LayerNorm) {kept[0]}개(파라미터 {kept[1]:,}개)에는 적용하지 않습니다."
    )


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite: the run stops before the weights are updated with it."""


class TaskBase(pl.LightningModule):
    """A Hugging Face model trained with AdamW and a linear warm-up/decay schedule.

    Subclasses implement ``validation_step`` (and ``training_step`` when the model's own ``loss`` is not
    the whole story, as in classification and pretraining); ``monitor``/``mode`` name the validation
    metric that picks the best checkpoint.
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

    nonfinite_loss_step: int | None = None
    """Global step at which a NaN or infinite training loss was found (training stopped there), else None."""

    def on_before_backward(self, loss: torch.Tensor) -> None:
        # Reading the loss makes the CPU wait for the GPU or TPU before it queues the backward pass, so it is
        # read only on the steps that are logged anyway: NaN weights stay NaN, so a late check still stops the
        # run, a few steps later, before anything is reported.
        if self.trainer.global_step % max(1, self.trainer.log_every_n_steps):
            return
        if bool(torch.isfinite(loss.detach()).all()):
            return
        self.nonfinite_loss_step = self.trainer.global_step
        kind = "NaN이" if bool(torch.isnan(loss.detach()).any()) else "무한대가"
        raise NonFiniteLossError(
            f"학습 손실이 {kind} 되어 {self.trainer.global_step + 1}번째 스텝에서 학습을 멈췄습니다(이대로 두면 가중치가 모두 "
            "망가집니다). "
            f"고치는 법: learning_rate(지금 {self.hparams.learning_rate:g})를 낮추고(미세 조정은 보통 5e-5), "
            "gradient_clip_val을 1.0으로 두고 설정 셀부터 다시 실행하세요."
        )

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

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        """The model's own loss (token classification, question answering), logged every step."""
        output = self.model(**self.model_inputs(batch))
        self.log("train_loss", output.loss, prog_bar=True, on_step=True, on_epoch=False)
        return output.loss

    def configure_optimizers(self) -> dict[str, Any]:
        groups = parameter_groups(self.model, self.hparams.weight_decay)
        if self.trainer.is_global_zero:
            print(describe_groups(groups))
        optimizer = torch.optim.AdamW(groups, lr=self.hparams.learning_rate)
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
