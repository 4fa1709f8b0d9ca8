"""Named entity recognition (chapter 4) as a LightningModule: token classification scored by entity F1.

Training minimises cross-entropy over word pieces (special and padding positions carry -100 and are
ignored). Validation keeps every window's predicted label ids, puts them back on the sentences'
characters at the end of the epoch and scores the entity spans (``nbhelpers.ner.metrics``); the best
checkpoint is the one with the highest micro entity F1, logged on a 0-1 scale like ``val_acc``
(``val_entity_f1``).
"""

from __future__ import annotations

from typing import Any

import torch

from nbhelpers.ner.features import IGNORE_INDEX, NERDataset, decode_entity_spans
from nbhelpers.ner.metrics import EntityScores, entity_scores
from nbhelpers.task import TaskBase


class NERTask(TaskBase):
    """``BertForTokenClassification`` trained on word-piece BIO labels, selected by entity F1.

    Attributes:
        scores: Entity scores of the latest validation epoch (per type too), for the notebook.
    """

    monitor = "val_entity_f1"
    mode = "max"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scores: EntityScores | None = None
        self._predictions: dict[int, list[int]] = {}

    def on_validation_epoch_start(self) -> None:
        self._predictions = {}

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        output = self.model(**self.model_inputs(batch))
        labels = batch["labels"]
        predicted = output.logits.argmax(dim=-1)
        counted = labels != IGNORE_INDEX
        size = int(counted.sum())
        # A side note only: most pieces are "O", so token accuracy is high even for a useless model.
        accuracy = ((predicted == labels) & counted).sum() / counted.sum().clamp(min=1)
        self.log("val_loss", output.loss, prog_bar=True, on_epoch=True, batch_size=size, sync_dist=True)
        self.log("val_token_acc", accuracy, on_epoch=True, batch_size=size, sync_dist=True)
        lengths = batch["attention_mask"].sum(dim=-1).tolist()
        for index, row, length in zip(batch["feature_index"].tolist(), predicted.cpu().tolist(), lengths):
            self._predictions[index] = row[:length]

    def on_validation_epoch_end(self) -> None:
        dataloaders = self.trainer.val_dataloaders
        dataset = getattr(dataloaders, "dataset", None)
        if not isinstance(dataset, NERDataset):
            raise TypeError("NERTask validates on a DataLoader over an NERDataset (nbhelpers.ner.features.encode_ner).")
        id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        predicted = decode_entity_spans(dataset, self._predictions, id2label)
        # Sentences this process never saw (another device's share) would count as misses; score only ours.
        seen = {dataset.example_index[i] for i in self._predictions}
        chosen = [i for i in range(len(dataset.examples)) if i in seen]
        self.scores = entity_scores(
            [dataset.examples[i].text for i in chosen],
            [dataset.examples[i].entities for i in chosen],
            [predicted[i] for i in chosen],
        )
        self.log("val_entity_f1", self.scores.f1_micro, prog_bar=True, sync_dist=True)
        self.log("val_entity_f1_macro", self.scores.f1_macro, sync_dist=True)
        self.log("val_entity_precision", self.scores.precision_micro, sync_dist=True)
        self.log("val_entity_recall", self.scores.recall_micro, sync_dist=True)
