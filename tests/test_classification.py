"""The document-classification path end to end on the tiny BERT: features, task, trainer, resume, inference."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader
from transformers import (
    AutoTokenizer,
    BertForSequenceClassification,
    DataCollatorWithPadding,
    pipeline,
)

from nbhelpers.batching import padding_options
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nsmc import NSMC_LABELS
from nbhelpers.classification.predictor import Classifier
from nbhelpers.classification.task import ClassificationTask
from nbhelpers.config import resolve_config
from nbhelpers.predictor import export_model
from nbhelpers.pretrained import check_max_seq_length
from nbhelpers.runtime import set_seed
from nbhelpers.training import (
    finish_training,
    last_checkpoint,
    make_trainer,
    read_logged_metrics,
)


@pytest.fixture()
def setup(tmp_path: Path, tiny_model_dir: Path, nsmc_sample: tuple[list, list]):  # noqa: ANN201
    train, val = nsmc_sample
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(tmp_path / "run")}
    config = resolve_config(ClassificationConfig(), env=env, show=False)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    collator = DataCollatorWithPadding(tokenizer, **padding_options(config))
    train_dl = DataLoader(encode_classification(train[:96], tokenizer, 64), batch_size=16, shuffle=True,
                          collate_fn=collator)
    val_dl = DataLoader(encode_classification(val[:48], tokenizer, 64), batch_size=16, collate_fn=collator)
    return config, tokenizer, train_dl, val_dl


def new_task(model_dir: Path, config: ClassificationConfig) -> ClassificationTask:
    model = BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=2, id2label=dict(enumerate(NSMC_LABELS)),
        label2id={n: i for i, n in enumerate(NSMC_LABELS)})
    return ClassificationTask(model, learning_rate=config.learning_rate, weight_decay=config.weight_decay,
                              warmup_ratio=0.25, pretrained_model_name=str(model_dir))


def test_padding_is_per_batch_not_to_max_length(setup) -> None:  # noqa: ANN001
    config, tokenizer, train_dl, _ = setup
    lengths = []
    for batch in train_dl:
        mask = batch["attention_mask"]
        assert batch["input_ids"].shape[1] == int(mask.sum(dim=1).max())  # as long as the longest, no longer
        assert batch["input_ids"].shape == batch["token_type_ids"].shape == mask.shape
        lengths.append(batch["input_ids"].shape[1])
    assert max(lengths) < 64
    tpu = dataclasses.replace(config, accelerator="tpu")
    batch = DataCollatorWithPadding(tokenizer, **padding_options(tpu))([train_dl.dataset[0]])
    assert batch["input_ids"].shape[1] == 64  # fixed shapes on TPU: no recompilation per batch


def test_encoding_truncates_and_frames_with_special_tokens(setup) -> None:  # noqa: ANN001
    _, tokenizer, _, _ = setup
    from nbhelpers.classification.examples import ClassificationExample

    long = ClassificationExample("g", " ".join(["영화"] * 300), None, 1)
    item = encode_classification([long], tokenizer, 32)[0]
    assert len(item["input_ids"]) == 32
    assert item["input_ids"][0] == tokenizer.cls_token_id and item["input_ids"][-1] == tokenizer.sep_token_id
    assert set(item["token_type_ids"]) == {0} and item["labels"] == 1


def test_training_steps_the_schedule_and_learns(setup, tiny_model_dir: Path) -> None:  # noqa: ANN001
    config, tokenizer, train_dl, val_dl = setup
    set_seed(config.seed)  # the learning check below must not depend on which tests ran before (global RNG state)
    task = new_task(tiny_model_dir, config)
    modes: list[bool] = []

    class RecordDropout(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:  # noqa: ANN001
            modes.append(all(m.training for m in pl_module.model.modules() if isinstance(m, torch.nn.Dropout)))

    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode, max_epochs=3, log_every_n_steps=1)
    trainer.callbacks.append(RecordDropout())
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl)
    assert modes and all(modes), "dropout was off while fine-tuning"
    rows = read_logged_metrics(config)
    rates = [row["lr"] for row in rows if "lr" in row]
    assert len(set(rates)) > 3, "the learning rate never changed: the scheduler is not stepping"
    assert max(rates) == pytest.approx(config.learning_rate, rel=1e-5) and rates[-1] < max(rates)
    groups = trainer.optimizers[0].param_groups
    assert groups[0]["weight_decay"] == config.weight_decay and groups[1]["weight_decay"] == 0.0
    no_decay_names = [n for n, p in task.model.named_parameters() if any(p is q for q in groups[1]["params"])]
    assert no_decay_names and all("bias" in n or "LayerNorm" in n for n in no_decay_names)
    losses = [row["train_loss"] for row in rows if "train_loss" in row]
    third = max(1, len(losses) // 3)  # means over a third of the steps: single steps of 16 reviews are noisy
    assert sum(losses[-third:]) / third < sum(losses[:third]) / third

    metrics = finish_training(trainer, task, val_dl, config)
    saved = json.loads((Path(config.downstream_model_dir) / "metrics.json").read_text(encoding="utf-8"))
    assert saved["val_acc"] == metrics["val_acc"] and 0.0 <= saved["val_acc"] <= 1.0
    assert saved["config"]["downstream_corpus_name"] == "nsmc" and "torch" in saved["versions"]
    assert Path(saved["best_checkpoint"]).is_file() and (Path(config.downstream_model_dir) / "last.ckpt").is_file()
    assert saved["reported_on"]["same_as_selection"] and "test_acc" not in saved

    # The reported set is evaluated once at the end with the best checkpoint, under its own names.
    reported = torch.utils.data.Subset(val_dl.dataset, range(7))
    test_dl = DataLoader(reported, batch_size=4, collate_fn=val_dl.collate_fn)
    metrics = finish_training(trainer, task, val_dl, config, test_dataloader=test_dl, val_set="held out",
                              test_set="reported file", aliases={"test_acc": "accuracy"})
    saved = json.loads((Path(config.downstream_model_dir) / "metrics.json").read_text(encoding="utf-8"))
    batch = val_dl.collate_fn([reported[i] for i in range(7)])
    with torch.no_grad():
        logits = task.model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    expected = float((logits.argmax(-1) == batch["labels"]).float().mean())
    assert saved["test_acc"] == pytest.approx(expected) and saved["accuracy"] == saved["test_acc"]
    assert saved["val_acc"] == metrics["val_acc"] and "test_loss" in saved
    assert saved["selected_on"] == {"set": "held out", "examples": len(val_dl.dataset)}
    assert saved["reported_on"] == {"set": "reported file", "examples": 7, "same_as_selection": False}

    # inference from the best checkpoint and from an exported directory agree
    texts = ["정말 재밌었어요", "시간 아깝다 최악이다", "배우들 연기가 좋았다"]
    from_ckpt = Classifier.load(saved["best_checkpoint"], max_seq_length=64).predict(texts, batch_size=2)
    export_dir = export_model(task.model, tokenizer, Path(config.downstream_model_dir) / "export")
    from_dir = Classifier.load(export_dir, max_seq_length=64).predict(texts)
    assert [p.label for p in from_ckpt] == [p.label for p in from_dir]
    for a, b in zip(from_ckpt, from_dir):
        assert set(a.probabilities) == set(NSMC_LABELS)
        assert sum(a.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert a.probabilities["positive"] == pytest.approx(b.probabilities["positive"], abs=1e-5)
    result = pipeline("text-classification", model=str(export_dir), tokenizer=str(export_dir))(texts[0])
    assert result[0]["label"] == from_dir[0].label


def test_resume_from_last_checkpoint_continues_the_global_step(setup, tiny_model_dir: Path) -> None:  # noqa: ANN001
    config, _, train_dl, val_dl = setup
    steps_per_epoch = len(train_dl)
    first = make_trainer(config, monitor="val_acc", mode="max", max_epochs=1)
    first.fit(new_task(tiny_model_dir, config), train_dataloaders=train_dl, val_dataloaders=val_dl)
    assert first.global_step == steps_per_epoch
    resume_from = last_checkpoint(config)
    assert resume_from is not None and resume_from.endswith("last.ckpt")
    second = make_trainer(config, monitor="val_acc", mode="max", max_epochs=2)
    task = new_task(tiny_model_dir, config)
    second.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=resume_from)
    assert second.global_step == 2 * steps_per_epoch  # continued, not restarted
    assert second.current_epoch == 2
    assert last_checkpoint(dataclasses.replace(config, resume=False)) is None


def test_max_seq_length_longer_than_positions_is_refused(tiny_model_dir: Path) -> None:
    config = ClassificationConfig(max_seq_length=600)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2)
    with pytest.raises(ValueError, match="max_position_embeddings=512"):
        check_max_seq_length(config, model.config)
    check_max_seq_length(ClassificationConfig(max_seq_length=512), model.config)


def test_tiny_tokenizer_has_the_trained_vocabulary(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert len(tokenizer) > 100  # not the 5-token vocabulary of the vocab_file trap
    tokens = tokenizer.tokenize("정말 재밌었어요 [MASK]")
    assert "[UNK]" not in tokens and tokens[-1] == "[MASK]"
    ids = tokenizer("정말 재밌었어요")["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True).replace(" ", "") == "정말재밌었어요"
