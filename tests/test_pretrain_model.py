"""Chapter 1 end to end: WordPiece round trip, the pretraining task, and the saved model in chapter 2's path."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.utils.data import DataLoader
from transformers import (
    AutoTokenizer,
    BertForPreTraining,
    BertForSequenceClassification,
    DataCollatorWithPadding,
)

from nbhelpers.batching import padding_options
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nsmc import NSMC_LABELS
from nbhelpers.classification.task import ClassificationTask
from nbhelpers.config import resolve_config
from nbhelpers.predictor import export_model
from nbhelpers.pretrained import check_max_seq_length, resolve_pretrained
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.masking import PadMaskedCollator, mask_once, mlm_collator
from nbhelpers.pretraining.model import bert_config_for
from nbhelpers.pretraining.nsp import (
    PretrainingDataset,
    build_nsp_examples,
    tokenize_documents,
)
from nbhelpers.pretraining.task import PretrainingTask
from nbhelpers.pretraining.tokenizer import wordpiece_for_run
from nbhelpers.runtime import set_seed
from nbhelpers.training import finish_training, last_checkpoint, make_trainer
from nbhelpers.wordpiece import train_wordpiece


@pytest.fixture(autouse=True)
def one_thread():  # noqa: ANN201
    """Tiny matrices gain nothing from threads, and on a busy 2-core runner OpenMP spinning makes them 10x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def documents(samples_of: Callable[[str], tuple[list, list]]) -> tuple[list[list[str]], list[list[str]]]:
    return samples_of("kowikitext")


def sentences(documents: list[list[str]]) -> list[str]:
    return [sentence for document in documents for sentence in document]


def test_wordpiece_round_trip(tmp_path: Path, documents: tuple[list, list]) -> None:
    train, val = documents
    trained = train_wordpiece(sentences(train), vocab_size=1000, save_dir=tmp_path / "tok")
    reloaded = AutoTokenizer.from_pretrained(tmp_path / "tok")
    assert len(trained) == len(reloaded) == 1000  # not the 5-token vocabulary of a broken load
    assert reloaded.get_vocab() == trained.get_vocab()
    for sentence in sentences(val) + ["이순신은 조선 중기의 무신이다."]:
        assert reloaded(sentence)["input_ids"] == trained(sentence)["input_ids"]
    tokens = reloaded.tokenize("이순신은 조선 중기의 무신이다.")
    assert reloaded.unk_token not in tokens
    assert reloaded.tokenize("서울은 [MASK]이다.")[1] == "[MASK]"
    assert set(reloaded.all_special_tokens) == {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    special = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
    assert [reloaded.convert_tokens_to_ids(token) for token in special] == [0, 1, 2, 3, 4]
    assert "".join(reloaded.tokenize("한글")).replace("##", "") == "한글"  # no jamo decomposition


def test_wordpiece_is_cased_and_splits_cjk(tmp_path: Path) -> None:
    tokenizer = train_wordpiece(["서울은 수도이다. 漢江 Seoul", "부산은 항구이다. seoul"] * 5, 100, tmp_path)
    assert tokenizer.tokenize("漢江") == ["漢", "江"]  # each CJK character is its own word, never "##江"
    assert tokenizer.tokenize("Seoul") != tokenizer.tokenize("seoul")


def test_resumed_run_reuses_its_tokenizer(tmp_path: Path, documents: tuple[list, list]) -> None:
    first = wordpiece_for_run(sentences(documents[0]), 1000, tmp_path, resuming=False)
    again = wordpiece_for_run(["전혀 다른 문장 하나."], 50, tmp_path, resuming=True)
    assert again.get_vocab() == first.get_vocab()


def pretrain(tmp_path: Path, documents: tuple[list, list], max_steps: int) -> tuple[PretrainConfig, Path, dict]:
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_MODEL_DIR": str(tmp_path / "run")}
    config = resolve_config(PretrainConfig(), env=env, show=False)
    config.max_steps = max_steps
    set_seed(config.seed)  # shuffling and masking are random: without a seed the learning check below is a coin toss
    train, val = documents
    # As notebook 01: the run directory is prepared (run.json) before the run writes its tokenizer into it.
    resuming = last_checkpoint(config) is not None
    tokenizer = wordpiece_for_run(sentences(train), config.vocab_size, tmp_path / "run" / "tokenizer", resuming)
    options = dict(max_seq_length=config.max_seq_length, short_seq_probability=0.1, nsp_probability=0.5)
    train_set = PretrainingDataset(build_nsp_examples(tokenize_documents(train, tokenizer), tokenizer, **options))
    val_set = PretrainingDataset(build_nsp_examples(tokenize_documents(val, tokenizer), tokenizer, seed=8, **options))
    collator = mlm_collator(config, tokenizer, config.mlm_probability)
    train_dl = DataLoader(train_set, batch_size=16, shuffle=True, collate_fn=collator)
    val_dl = DataLoader(mask_once(val_set, collator, 7), batch_size=16, collate_fn=PadMaskedCollator(0))
    torch.manual_seed(0)
    model = BertForPreTraining(bert_config_for(config, tokenizer))
    task = PretrainingTask(model, learning_rate=config.learning_rate, warmup_ratio=0.0,
                           pretrained_model_name=str(tmp_path / "run" / "tokenizer"))
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl)
    metrics = finish_training(trainer, task, val_dl, config, aliases={
        "val_mlm_loss": "mlm_loss", "val_nsp_loss": "nsp_loss", "val_mlm_acc": "mlm_accuracy"})
    return config, export_model(task.model, tokenizer, tmp_path / "pretrained"), metrics


def test_pretraining_learns_and_the_export_fine_tunes_as_document_classifier(
    tmp_path: Path, documents: tuple[list, list], nsmc_sample: tuple[list, list]
) -> None:
    config, export_dir, metrics = pretrain(tmp_path, documents, max_steps=150)
    saved = json.loads((Path(config.model_dir) / "metrics.json").read_text(encoding="utf-8"))
    for key in ("mlm_loss", "nsp_loss", "mlm_accuracy", "val_ppl", "val_nsp_acc"):
        assert math.isfinite(saved[key])
    assert saved["mlm_loss"] == pytest.approx(metrics["val_mlm_loss"])
    assert saved["val_ppl"] == pytest.approx(math.exp(saved["mlm_loss"]), rel=1e-4)
    assert saved["mlm_loss"] < math.log(1000) - 0.5  # learnt at least the token frequencies
    assert 0.0 <= saved["mlm_accuracy"] <= 1.0

    # Chapter 2's code path, with the exported directory as pretrained_model_name.
    train, val = nsmc_sample
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(tmp_path / "doccls"),
           "NBHELPERS_PRETRAINED_MODEL_NAME": str(export_dir), "NBHELPERS_MAX_STEPS": "8"}
    cls_config = resolve_config(ClassificationConfig(), env=env, show=False)
    pretrained = resolve_pretrained(cls_config, [e.text_a for e in train])
    assert pretrained == str(export_dir)
    tokenizer = AutoTokenizer.from_pretrained(pretrained)
    assert len(tokenizer) == 1000
    model = BertForSequenceClassification.from_pretrained(
        pretrained, num_labels=2, id2label=dict(enumerate(NSMC_LABELS)),
        label2id={label: index for index, label in enumerate(NSMC_LABELS)})
    check_max_seq_length(cls_config, model.config)
    encoder = BertForPreTraining.from_pretrained(export_dir).bert
    assert torch.equal(model.bert.embeddings.word_embeddings.weight, encoder.embeddings.word_embeddings.weight)
    collator = DataCollatorWithPadding(tokenizer, **padding_options(cls_config))
    train_dl = DataLoader(encode_classification(train[:64], tokenizer, cls_config.max_seq_length), batch_size=16,
                          shuffle=True, collate_fn=collator)
    val_dl = DataLoader(encode_classification(val[:32], tokenizer, cls_config.max_seq_length), batch_size=16,
                        collate_fn=collator)
    task = ClassificationTask(model, learning_rate=cls_config.learning_rate, pretrained_model_name=pretrained)
    trainer = make_trainer(cls_config, monitor=task.monitor, mode=task.mode)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl)
    result = finish_training(trainer, task, val_dl, cls_config)
    assert trainer.global_step == 8 and 0.0 <= result["val_acc"] <= 1.0


def test_longer_inputs_than_pretrained_are_refused(tmp_path: Path) -> None:
    tokenizer = train_wordpiece(["서울은 수도이다.", "부산은 항구이다."] * 5, 100, tmp_path)
    shell = bert_config_for(PretrainConfig(max_seq_length=64, hidden_size=32, num_attention_heads=2), tokenizer)
    with pytest.raises(ValueError, match="max_position_embeddings=64"):
        check_max_seq_length(ClassificationConfig(max_seq_length=128), shell)


def test_pseudo_log_likelihood_is_a_mean_log_probability(
    tmp_path: Path, pseudo_log_likelihood: Callable[[Any, Any, str], float]
) -> None:
    tokenizer = train_wordpiece(["서울은 수도이다.", "부산은 항구이다."] * 5, 100, tmp_path)
    torch.manual_seed(0)
    config = PretrainConfig(hidden_size=32, num_attention_heads=2, intermediate_size=64, num_hidden_layers=1)
    model = BertForPreTraining(bert_config_for(config, tokenizer)).eval()
    score = pseudo_log_likelihood(model, tokenizer, "서울은 수도이다.")
    assert -math.log(len(tokenizer)) * 2 < score < 0
