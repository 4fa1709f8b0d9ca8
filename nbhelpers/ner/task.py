"""Named entity recognition (chapter 4) as a LightningModule: token classification scored by entity F1.

Training minimises cross-entropy over word pieces (special and padding positions carry -100 and are
ignored). Validation keeps every window's predicted label ids, puts them back on the sentences'
characters at the end of the epoch and scores the entity spans (``nbhelpers.ner.metrics``); the best
checkpoint is the one with the highest micro entity F1, logged on a 0-1 scale like ``val_acc``
(``val_entity_f1``).

On several devices each process validates a share of the windows. F1 is not an average of per-share
F1s (an oracle model scored 0.56 on 2 processes that way), so every process gathers all processes'
predictions first and scores all sentences once: the same number as on one device.
"""

from __future__ import annotations

from typing import Any

import torch

from nbhelpers.ner.features import IGNORE_INDEX, NERDataset, decode_entity_spans
from nbhelpers.ner.metrics import EntityScores, entity_scores
from nbhelpers.task import TaskBase


class NERTask(TaskBase):
    """A token classifier (``BertForTokenClassification`` or another family's) on BIO labels, selected by entity F1.

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
            raise TypeError(
                "NERTask는 NERDataset(nbhelpers.ner.features.encode_ner)을 감싼 DataLoader로 검증합니다. "
                "고치는 법: val_dataloader를 그 데이터셋으로 만드세요."
            )
        id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        predictions = self._gather_predictions(dataset)
        predicted = decode_entity_spans(dataset, predictions, id2label)
        # Only sentences with predicted windows are scored (a limited validation sees a part of the set).
        seen = {dataset.example_index[i] for i in predictions}
        chosen = [i for i in range(len(dataset.examples)) if i in seen]
        self.scores = entity_scores(
            [dataset.examples[i].text for i in chosen],
            [dataset.examples[i].entities for i in chosen],
            [predicted[i] for i in chosen],
        )
        # Every process holds the same scores now; sync_dist only keeps Lightning from warning about it.
        self.log("val_entity_f1", self.scores.f1_micro, prog_bar=True, sync_dist=True)
        self.log("val_entity_f1_macro", self.scores.f1_macro, sync_dist=True)
        self.log("val_entity_precision", self.scores.precision_micro, sync_dist=True)
        self.log("val_entity_recall", self.scores.recall_micro, sync_dist=True)

    def _gather_predictions(self, dataset: NERDataset) -> dict[int, list[int]]:
        """This process's window predictions, joined with every other process's (``self.all_gather``)."""
        if self.trainer.world_size <= 1:
            return self._predictions
        width = max((len(ids) for ids in dataset.encodings["input_ids"]), default=1)
        # all_gather needs the same shape everywhere: pad each share to the largest, index -1 marks padding.
        count = torch.tensor(len(self._predictions), device=self.device)
        most = int(self.all_gather(count).max())
        index = torch.full((most,), -1, dtype=torch.long, device=self.device)
        rows = torch.full((most, width), -1, dtype=torch.long, device=self.device)
        for position, (feature, row) in enumerate(self._predictions.items()):
            index[position] = feature
            rows[position, : len(row)] = torch.tensor(row, dtype=torch.long)
        all_index = self.all_gather(index).reshape(-1).cpu().tolist()
        all_rows = self.all_gather(rows).reshape(-1, width).cpu().tolist()
        gathered: dict[int, list[int]] = {}
        for feature, row in zip(all_index, all_rows):
            if feature >= 0:
                gathered[feature] = [label for label in row if label >= 0]
        return gathered
