"""BERT pretraining (chapter 1) as a LightningModule: masked language modelling plus next sentence prediction.

The two losses are computed here rather than taken from ``BertForPreTraining``'s summed ``loss`` so
that each can be logged on its own, and so that the MLM head runs only where it is needed: the
vocabulary projection (hidden size x vocabulary, the largest matrix of a small BERT) is applied to
the about 15 % of positions that are masked, gathered first, as the original BERT does, not to every
position of the batch. The loss is the same; a training step is about twice as fast at chapter 1's
sizes (``tests/test_pretrain_model.py`` checks the loss, ``bench/mlm_head.py`` measures the speed).
On a TPU the full projection is kept: gathering gives every batch a new shape, and XLA would compile
each one anew.

Validation metrics are sums over the whole validation set divided once at the end (token-weighted
MLM loss and accuracy over masked positions, perplexity ``exp`` of that loss), not means of
per-batch means, which would over-weight batches with few masked tokens. A batch with no masked
position (short inputs can draw none) adds nothing to the MLM sums, where a mean over zero positions
would be NaN and turn the whole epoch's loss into NaN.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from transformers import BertForPreTraining

from nbhelpers.task import TaskBase

IGNORE_INDEX = -100
"""Label of positions that are not masked (and of padding): no MLM loss there."""


def mlm_nsp_outputs(
    model: BertForPreTraining, batch: dict[str, torch.Tensor], gather: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """MLM loss summed over the masked positions, their number, how many are predicted right, and NSP logits.

    ``gather=True`` runs the prediction head on the masked positions only; ``False`` on every position
    (static shapes, for XLA). Both give the same numbers.
    """
    output = model.bert(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
    )
    labels = batch["labels"]
    masked = labels != IGNORE_INDEX
    if gather:
        logits = model.cls.predictions(output.last_hidden_state[masked]).float()
        targets = labels[masked]
        mlm_sum = F.cross_entropy(logits, targets, reduction="sum")  # 0, not NaN, when nothing is masked
        correct = (logits.argmax(dim=-1) == targets).sum()
    else:
        logits = model.cls.predictions(output.last_hidden_state).float()
        mlm_sum = F.cross_entropy(
            logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORE_INDEX, reduction="sum"
        )
        correct = ((logits.argmax(dim=-1) == labels) & masked).sum()
    nsp_logits = model.cls.seq_relationship(output.pooler_output).float()
    return mlm_sum, masked.sum(), correct, nsp_logits


class PretrainingTask(TaskBase):
    """MLM + NSP on ``BertForPreTraining``; the best checkpoint has the lowest validation MLM loss."""

    monitor = "val_mlm_loss"
    mode = "min"

    def __init__(self, model: BertForPreTraining, learning_rate: float, **hparams: Any) -> None:
        super().__init__(model, learning_rate, **hparams)
        self._sums = torch.zeros(6)

    def _outputs(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return mlm_nsp_outputs(self.model, batch, gather=self.device.type != "xla")

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        mlm_sum, masked, _, nsp_logits = self._outputs(batch)
        mlm_loss = mlm_sum / masked.clamp(min=1)
        nsp_loss = F.cross_entropy(nsp_logits, batch["next_sentence_label"])
        loss = mlm_loss + nsp_loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=False)
        self.log("train_mlm_loss", mlm_loss, prog_bar=True, on_step=True, on_epoch=False)
        self.log("train_nsp_loss", nsp_loss, on_step=True, on_epoch=False)
        return loss

    def on_validation_epoch_start(self) -> None:
        self._sums = torch.zeros(6, device=self.device)  # float32: XLA has no fast float64

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        mlm_sum, masked, mlm_correct, nsp_logits = self._outputs(batch)
        nsp_labels = batch["next_sentence_label"]
        nsp_sum = F.cross_entropy(nsp_logits, nsp_labels, reduction="sum")
        nsp_correct = (nsp_logits.argmax(dim=-1) == nsp_labels).sum()
        self._sums += torch.stack(
            [
                mlm_sum.detach(),
                masked.float(),
                mlm_correct.float(),
                nsp_sum.detach(),
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
