"""TaskBase: weight decay chosen by parameter shape, the counts it prints, and the shared training step."""

from __future__ import annotations

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader
from transformers import BertForSequenceClassification, BertForTokenClassification

from nbhelpers.classification.task import ClassificationTask
from nbhelpers.ner.task import NERTask
from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.qa.task import QATask
from nbhelpers.task import TaskBase, describe_groups, parameter_groups


class Block(torch.nn.Module):
    """GPT-style names that a list of BERT names ("LayerNorm.weight") would miss."""

    def __init__(self) -> None:
        super().__init__()
        self.wte = torch.nn.Embedding(10, 4)
        self.ln_1 = torch.nn.LayerNorm(4)
        self.attn = torch.nn.Linear(4, 4)
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 2, bias=False)
        self.frozen = torch.nn.Linear(4, 4)
        self.frozen.requires_grad_(False)


def test_decay_by_shape_not_by_name() -> None:
    model = Block()
    decay, no_decay = parameter_groups(model, weight_decay=0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    assert {names[id(p)] for p in decay["params"]} == {"wte.weight", "attn.weight", "head.weight"}
    assert {names[id(p)] for p in no_decay["params"]} == {"ln_1.weight", "ln_1.bias", "attn.bias", "norm.weight", "norm.bias"}
    # Every trainable parameter in exactly one group, frozen ones in none.
    grouped = [id(p) for group in (decay, no_decay) for p in group["params"]]
    assert sorted(grouped) == sorted(id(p) for p in model.parameters() if p.requires_grad)
    assert len(grouped) == len(set(grouped))


def test_group_counts_are_described() -> None:
    groups = parameter_groups(Block(), weight_decay=0.01)
    text = describe_groups(groups)
    assert "텐서 3개(파라미터 64개)에 적용" in text  # 10*4 + 4*4 + 4*2
    assert "LayerNorm) 5개(파라미터 20개)에는 적용하지 않습니다" in text


def test_bert_groups_cover_every_parameter_once() -> None:
    model = BertForTokenClassification(tiny_bert_config(100))
    decay, no_decay = parameter_groups(model, weight_decay=0.01)
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(names[id(p)].endswith(("bias", "LayerNorm.weight")) for p in no_decay["params"])
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


def test_configure_optimizers_prints_the_groups(capsys: pytest.CaptureFixture[str]) -> None:
    torch.manual_seed(0)
    config = tiny_bert_config(50)
    config.num_labels = 2
    task = ClassificationTask(BertForSequenceClassification(config), learning_rate=1e-3)
    batch = {"input_ids": torch.randint(5, 50, (4, 6)), "attention_mask": torch.ones(4, 6, dtype=torch.long),
             "labels": torch.tensor([0, 1, 0, 1])}
    loader = DataLoader([batch], batch_size=None)
    trainer = pl.Trainer(accelerator="cpu", max_steps=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(task, train_dataloaders=loader)
    assert describe_groups(parameter_groups(task.model, 0.01)) in capsys.readouterr().out


def test_token_classification_and_qa_share_the_base_training_step() -> None:
    assert NERTask.training_step is TaskBase.training_step and QATask.training_step is TaskBase.training_step
