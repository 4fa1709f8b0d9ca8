"""Extractive question answering (chapter 5) as a LightningModule, scored like the KorQuAD leaderboard.

Training minimises the start/end cross-entropy of a question-answering model (``BertForQuestionAnswering``
and the like) over every window (windows without the answer point at the first token, ``[CLS]`` or ``<s>``). The old book stopped there and reported start/end
token accuracy; here validation keeps every window's start and end logits, decodes each question over
all of its windows at the end of the epoch (``nbhelpers.qa.decode.decode_answers``), scores the
answer texts with the official KorQuAD 1.0 rules (``nbhelpers.qa.korquad_eval``), logs them as
``val_em_pct`` and ``val_f1_pct`` (percentages, 0-100, as the leaderboard prints them; the names say so
because the other chapters log 0-1 scores such as ``val_acc``), keeps the checkpoint with the highest F1
and writes the predictions file the official script and the leaderboard read, ``predictions.json``,
next to the checkpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from nbhelpers.qa.dataset import QADataset
from nbhelpers.qa.decode import QAPrediction, decode_answers
from nbhelpers.qa.korquad_eval import evaluate_examples, write_predictions
from nbhelpers.task import TaskBase

PREDICTIONS_FILE = "predictions.json"


class QATask(TaskBase):
    """A QA model (``BertForQuestionAnswering`` or another family's) on start/end positions, selected by KorQuAD F1.

    Hyperparameters (besides the optimiser's): ``n_best_size``, ``max_answer_length`` and
    ``predictions_dir`` (where ``predictions.json`` goes; empty: not written).

    Attributes:
        scores: ``{"exact_match", "f1"}`` of the latest validation (full precision). The same dict object
            is updated in place, so it can be handed to ``finish_training(extra=task.scores)`` before the
            final validation of the best checkpoint fills it.
        predictions: The decoded answer of every validation question at the latest validation.
    """

    monitor = "val_f1_pct"
    mode = "max"

    def __init__(
        self,
        *args: Any,
        n_best_size: int = 20,
        max_answer_length: int = 30,
        predictions_dir: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scores: dict[str, float] = {}
        self.predictions: dict[str, QAPrediction] = {}
        self._outputs: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def on_validation_epoch_start(self) -> None:
        self._outputs = []

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        output = self.model(**self.model_inputs(batch))
        size = len(batch["input_ids"])
        self.log("val_loss", output.loss, prog_bar=True, on_epoch=True, batch_size=size, sync_dist=True)
        dataset = self._dataset()
        width = dataset.features.input_ids.shape[1]
        pad = width - output.start_logits.shape[1]
        # Batches are padded to different widths; pad logits to max_seq_length so epochs stack (and gather).
        starts = torch.nn.functional.pad(output.start_logits.float(), (0, pad), value=-1e4)
        ends = torch.nn.functional.pad(output.end_logits.float(), (0, pad), value=-1e4)
        self._outputs.append((batch["feature_index"].detach(), starts.detach(), ends.detach()))

    def _dataset(self) -> QADataset:
        dataset = getattr(self.trainer.val_dataloaders, "dataset", None)
        if not isinstance(dataset, QADataset) or dataset.examples is None:
            raise TypeError(
                "QATask는 정답을 복원하고 채점하려고 QADataset(features, examples)(nbhelpers.qa.windows)을 감싼 "
                "DataLoader로 검증합니다. 고치는 법: val_dataloader를 그 데이터셋으로 만드세요."
            )
        return dataset

    def on_validation_epoch_end(self) -> None:
        if not self._outputs:
            return
        index = torch.cat([o[0] for o in self._outputs])
        starts = torch.cat([o[1] for o in self._outputs])
        ends = torch.cat([o[2] for o in self._outputs])
        self._outputs = []
        if self.trainer.world_size > 1:
            # Each device saw a share of the windows; a question's windows may be spread over devices.
            # Shares may differ by a few windows and all_gather needs equal shapes: pad, then drop the padding.
            most = int(self.all_gather(torch.tensor(len(index), device=index.device)).max())
            extra = most - len(index)
            index = torch.nn.functional.pad(index, (0, extra), value=-1)
            starts, ends = (torch.nn.functional.pad(t, (0, 0, 0, extra), value=-1e4) for t in (starts, ends))
            index, starts, ends = (self.all_gather(t).flatten(0, 1) for t in (index, starts, ends))
            real = index >= 0
            index, starts, ends = index[real], starts[real], ends[real]
        index_np = index.cpu().numpy()
        _, first = np.unique(index_np, return_index=True)  # the sampler repeats windows only in tiny sets
        dataset = self._dataset()
        predictions = decode_answers(
            dataset.examples,
            dataset.features,
            starts.cpu().numpy()[first],
            ends.cpu().numpy()[first],
            n_best_size=self.hparams.n_best_size,
            max_answer_length=self.hparams.max_answer_length,
            feature_indices=index_np[first],
        )
        answers = {qid: prediction.text for qid, prediction in predictions.items()}
        # Every question counts, as in the official script: one never decoded scores 0.
        scores = evaluate_examples(dataset.examples, answers)
        self.scores.clear()
        self.scores.update(scores)
        self.predictions = predictions
        self.log("val_em_pct", scores["exact_match"], prog_bar=True)
        self.log("val_f1_pct", scores["f1"], prog_bar=True)
        if self.hparams.predictions_dir and self.trainer.is_global_zero and not self.trainer.sanity_checking:
            write_predictions(answers, Path(self.hparams.predictions_dir) / PREDICTIONS_FILE)
