"""BERT pretraining (chapter 1) as a LightningModule: masked language modelling plus next sentence prediction.

The two losses are computed here rather than taken from ``BertForPreTraining``'s summed ``loss`` so
that each can be logged on its own. Validation metrics are sums over the whole validation set divided
once at the end (token-weighted MLM loss and accuracy over masked positions, perplexity ``exp`` of that
loss), not means of per-batch means, which would over-weight batches with few masked tokens.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from transformers import BertForPreTraining

from nbhelpers.task import TaskBase


class PretrainingTask(TaskBase):
    """MLM + NSP on ``BertForPreTraining``; the best checkpoint has the lowest validation MLM loss."""

    monitor = "val_mlm_loss"
    mode = "min"

    def __init__(self, model: BertForPreTraining, learning_rate: float, **hparams: Any) -> None:
        super().__init__(model, learning_rate, **hparams)
        self._sums = torch.zeros(6)

    def _losses(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, Any]:
        output = self.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
        )
        mlm_logits = output.prediction_logits.float()
        nsp_logits = output.seq_relationship_logits.float()
        labels = batch["labels"]
        mlm_loss = F.cross_entropy(mlm_logits.view(-1, mlm_logits.size(-1)), labels.view(-1), ignore_index=-100)
        nsp_loss = F.cross_entropy(nsp_logits, batch["next_sentence_label"])
        return mlm_loss, nsp_loss, (mlm_logits, nsp_logits)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        mlm_loss, nsp_loss, _ = self._losses(batch)
        loss = mlm_loss + nsp_loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        self.log("train_mlm_loss", mlm_loss, prog_bar=True, on_step=True, on_epoch=False)
        self.log("train_nsp_loss", nsp_loss, on_step=True, on_epoch=False)
        return loss

    def on_validation_epoch_start(self) -> None:
        self._sums = torch.zeros(6, device=self.device)  # float32: XLA has no fast float64

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        mlm_loss, nsp_loss, (mlm_logits, nsp_logits) = self._losses(batch)
        labels = batch["labels"]
        masked = labels != -100
        masked_count = masked.sum()
        mlm_correct = (mlm_logits.argmax(dim=-1)[masked] == labels[masked]).sum()
        nsp_labels = batch["next_sentence_label"]
        nsp_correct = (nsp_logits.argmax(dim=-1) == nsp_labels).sum()
        self._sums += torch.stack(
            [
                mlm_loss.detach() * masked_count,
                masked_count.float(),
                mlm_correct.float(),
                nsp_loss.detach() * len(nsp_labels),
                torch.tensor(float(len(nsp_labels)), device=self.device),
                nsp_correct.float(),
            ]
        )

    def on_validation_epoch_end(self) -> None:
        sums = self.trainer.strategy.reduce(self._sums, reduce_op="sum")
        mlm_sum, masked, mlm_correct, nsp_sum, pairs, nsp_correct = (float(value) for value in sums)
        mlm_loss = mlm_sum / max(masked, 1.0)
        nsp_loss = nsp_sum / max(pairs, 1.0)
        metrics = {
            "val_mlm_loss": mlm_loss,
            "val_nsp_loss": nsp_loss,
            "val_loss": mlm_loss + nsp_loss,
            "val_mlm_acc": mlm_correct / max(masked, 1.0),
            "val_nsp_acc": nsp_correct / max(pairs, 1.0),
            "val_ppl": math.exp(min(mlm_loss, 50.0)),
        }
        for name, value in metrics.items():
            self.log(name, value, prog_bar=name in ("val_mlm_loss", "val_mlm_acc", "val_ppl"))
