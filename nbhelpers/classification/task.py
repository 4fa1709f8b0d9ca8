"""Single-sentence and sentence-pair classification (chapters 2 and 3) as one LightningModule.

Both chapters train the ``AutoModelForSequenceClassification`` of their pretrained model (BERT, RoBERTa,
ELECTRA) with its own cross-entropy; a pair differs from a single text only in its inputs (two segments,
and ``token_type_ids`` for models that have them), so one task serves both and logs accuracy per step and,
weighted by batch size, per validation epoch.
"""

from __future__ import annotations

import torch

from nbhelpers.task import TaskBase


class ClassificationTask(TaskBase):
    """Cross-entropy of a sequence-classification model (``BertForSequenceClassification`` and the like); accuracy."""

    monitor = "val_acc"
    mode = "max"

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        output = self.model(**batch)
        accuracy = (output.logits.argmax(dim=-1) == batch["labels"]).float().mean()
        self.log("train_loss", output.loss, prog_bar=True, on_step=True, on_epoch=False)
        self.log("train_acc", accuracy, prog_bar=True, on_step=True, on_epoch=False)
        return output.loss

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        output = self.model(**batch)
        correct = (output.logits.argmax(dim=-1) == batch["labels"]).float()
        size = len(correct)
        # batch_size makes the epoch value a true mean over examples, not over batches of unequal size.
        self.log("val_loss", output.loss, prog_bar=True, on_epoch=True, batch_size=size, sync_dist=True)
        self.log("val_acc", correct.mean(), prog_bar=True, on_epoch=True, batch_size=size, sync_dist=True)
