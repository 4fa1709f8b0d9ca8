"""QATask validation: every question decoded over its windows, scored officially, predictions.json written."""

from __future__ import annotations

import json
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader
from transformers import BertForQuestionAnswering

from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.qa.dataset import QACollator, QADataset
from nbhelpers.qa.korquad import QAAnswer, QAExample
from nbhelpers.qa.korquad_eval import evaluate_examples
from nbhelpers.qa.task import PREDICTIONS_FILE, QATask
from nbhelpers.qa.windows import build_qa_features
from nbhelpers.wordpiece import train_wordpiece


def test_validation_decodes_scores_and_writes_predictions(tmp_path: Path) -> None:
    context = " ".join(f"문장{i}은 조용히 끝났다." for i in range(40)) + " 마지막 답은 백록담"
    examples = [
        QAExample(f"q{i}", "t", question, context, (QAAnswer("백록담", len(context) - 3),))
        for i, question in enumerate(["마지막 답은?", "무엇이 답인가?", "끝에 있는 것은?"])
    ]
    tokenizer = train_wordpiece([context] + [e.question for e in examples], 500, tmp_path / "tok", min_frequency=1)
    features = build_qa_features(examples, tokenizer, max_seq_length=48, max_query_length=8, doc_stride=16)
    assert len(features) > 3 * len(examples) - 1  # several windows per question
    torch.manual_seed(0)
    model = BertForQuestionAnswering(tiny_bert_config(len(tokenizer)))
    task = QATask(model, learning_rate=1e-3, n_best_size=5, max_answer_length=4, predictions_dir=str(tmp_path / "out"))
    assert "n_best_size" in task.hparams and task.monitor == "val_f1_pct"
    scores = task.scores
    loader = DataLoader(QADataset(features, examples), batch_size=5, collate_fn=QACollator())
    trainer = pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                         enable_model_summary=False, enable_checkpointing=False)
    (logged,) = trainer.validate(task, dataloaders=loader, verbose=False)

    assert set(task.predictions) == {e.qid for e in examples}
    answers = {qid: p.text for qid, p in task.predictions.items()}
    for example in examples:
        p = task.predictions[example.qid]
        assert context[p.start_char:p.end_char] == p.text != ""
    assert scores is task.scores and scores == evaluate_examples(examples, answers)  # updated in place
    assert logged["val_f1_pct"] == torch.tensor(scores["f1"]).item()
    assert logged["val_em_pct"] == torch.tensor(scores["exact_match"]).item()
    assert json.loads((tmp_path / "out" / PREDICTIONS_FILE).read_text(encoding="utf-8")) == answers
