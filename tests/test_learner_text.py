"""What the notebooks print for the learner: hyperparameters with this run's numbers, BertConfig fields, the
weight-loading summary, predictions, short sample paths, and no library chatter."""

from __future__ import annotations

import dataclasses
import logging
import warnings
from pathlib import Path

import pytest
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification
from transformers.utils import logging as transformers_logging

import nbhelpers.classification  # noqa: F401 (registers NSMC)
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.predictor import ClassificationPrediction
from nbhelpers.config import BaseConfig, print_config, resolve_config
from nbhelpers.hyperparameters import describe_hyperparameters, training_steps
from nbhelpers.ner.config import NERConfig
from nbhelpers.pretrained import loading_summary
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.model import BERT_CONFIG_FIELDS, describe_bert_config
from nbhelpers.qa.config import QAConfig
from nbhelpers.runtime import PACKAGE_DIR, quiet_libraries, setup_logging, shown_path


def smoke_config(**changes: object) -> ClassificationConfig:
    return dataclasses.replace(resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False),
                               **changes)


def test_hyperparameters_show_this_runs_steps_and_warmup() -> None:
    config = smoke_config(epochs=4, warmup_ratio=0.1, batch_size=16)
    assert training_steps(config, 26) == (104, 10)
    text = describe_hyperparameters(config, 26)
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert set(lines) >= {"learning_rate", "batch_size", "epochs", "warmup_ratio", "weight_decay",
                          "gradient_clip_val", "precision", "max_seq_length", "seed"}
    assert "에폭당 26스텝, 모두 104스텝" in lines["epochs"]
    assert "처음 10스텝" in lines["warmup_ratio"] and "남은 94스텝" in lines["warmup_ratio"] and "10%" in lines["warmup_ratio"]
    assert "32비트" in lines["precision"] and "bf16" not in text.replace("bfloat16", "")


def test_hyperparameter_steps_follow_devices_and_max_steps() -> None:
    assert training_steps(smoke_config(devices=2, epochs=3, warmup_ratio=0.1), 25) == (39, 3)
    assert training_steps(smoke_config(max_steps=20, epochs=3, warmup_ratio=0.5), 25) == (20, 10)
    assert "자르지 않습니다" in describe_hyperparameters(smoke_config(gradient_clip_val=0.0), 10)


def _rows(config: BaseConfig) -> dict[str, str]:
    return {line.split()[0]: line for line in describe_hyperparameters(config, 10).splitlines()}


def test_hyperparameter_rows_say_what_each_chapter_does_with_long_inputs() -> None:
    # NER and QA split a long input into overlapping windows (their batches count windows); nothing but
    # pretraining masks tokens, so "잘립니다" and "마스킹" are false in those chapters.
    smoke = {"NBHELPERS_PROFILE": "smoke"}
    ner = _rows(resolve_config(NERConfig(stride=12), env=smoke, show=False))
    qa = _rows(resolve_config(QAConfig(doc_stride=48), env=smoke, show=False))
    classification = _rows(smoke_config())
    pretrain = _rows(resolve_config(PretrainConfig(), env=smoke, show=False))
    assert "12토큰씩 겹치는 여러 윈도" in ner["max_seq_length"] and "윈도 수" in ner["batch_size"]
    assert "48토큰씩 옮겨 가며 여러 윈도" in qa["max_seq_length"] and "윈도 수" in qa["batch_size"]
    for rows in (ner, qa):
        assert "잘립니다" not in rows["max_seq_length"]
    for rows in (ner, qa, classification):
        assert "마스킹" not in rows["seed"] and "검증 데이터로 떼어 낼 예제" in rows["seed"]
    assert "잘립니다" in classification["max_seq_length"] and "예제 수" in classification["batch_size"]
    assert "마스킹" in pretrain["seed"]


def test_bert_config_fields_are_described_with_their_values() -> None:
    text = describe_bert_config(BertConfig(vocab_size=1000, hidden_size=64, num_attention_heads=2))
    lines = text.splitlines()
    assert [line.split()[0] for line in lines] == list(BERT_CONFIG_FIELDS)
    assert lines[0].split()[1] == "1000" and lines[1].split()[1] == "64" and lines[3].split()[1] == "2"


def test_loading_summary_names_new_and_dropped_weights(tiny_model_dir: Path) -> None:
    _, info = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2, output_loading_info=True)
    text = loading_summary(info)
    assert "새로 초기화한 가중치 2개: classifier.bias, classifier.weight" in text
    assert "쓰지 않은 체크포인트 가중치" in text and "cls.predictions.*" in text and "cls.seq_relationship.*" in text
    assert "MLM·NSP의 머리" in text
    assert "새 모델에는 이 가중치를 쓸 곳이 없어 불러오지 않습니다." in text and "버립니다" not in text
    assert loading_summary({"missing_keys": set(), "unexpected_keys": set()}) == "체크포인트의 가중치를 빠짐없이 그대로 불러왔습니다."
    _, masked = BertForMaskedLM.from_pretrained(tiny_model_dir, output_loading_info=True)
    assert "새로 초기화" not in loading_summary(masked) and "cls.seq_relationship.*(2)" in loading_summary(masked)


def test_predictions_print_as_label_and_probabilities() -> None:
    prediction = ClassificationPrediction("positive", {"negative": 0.07765, "positive": 0.92235})
    assert repr([prediction]) == "[positive (negative 0.078, positive 0.922)]"
    assert str(prediction) == "positive (negative 0.078, positive 0.922)"


def test_sample_paths_are_shown_from_the_package_not_the_install(capsys: pytest.CaptureFixture[str]) -> None:
    assert shown_path(repr(str(PACKAGE_DIR / "samples" / "nsmc_train.txt"))) == "'nbhelpers/samples/nsmc_train.txt'"
    assert shown_path("/data/mine.txt") == "/data/mine.txt"
    print_config(smoke_config())
    printed = capsys.readouterr().out
    assert "train_file" in printed and "'nbhelpers/samples/nsmc_train.txt'" in printed
    assert str(PACKAGE_DIR) not in printed
    logger = setup_logging()
    record = logging.LogRecord("nbhelpers", logging.WARNING, __file__, 1, "%s: skipped", (PACKAGE_DIR / "x.txt",), None)
    assert "nbhelpers/x.txt: skipped" in logger.handlers[-1].format(record)


def test_quiet_libraries_silences_chatter_but_not_real_warnings() -> None:
    quiet_libraries()
    quiet_libraries()  # a re-run cell must not stack filters
    loading = logging.getLogger("transformers.modeling_utils")
    assert sum(type(f).__name__ == "DropLoadReport" for f in loading.filters) == 1
    assert loading.level < logging.WARNING, "a level would switch on transformers' tensor-parallel check"
    assert logging.getLogger("pytorch_lightning").level == logging.WARNING
    assert not transformers_logging.is_progress_bar_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        quiet_libraries()
        warnings.warn_explicit("x is deprecated", DeprecationWarning, "_pytree.py", 21,
                               module="pytorch_lightning.utilities._pytree")
        warnings.warn("Checkpoint directory /tmp/run exists and is not empty.", UserWarning)
        warnings.warn("your labels do not match", UserWarning)
    assert [str(w.message) for w in caught] == ["your labels do not match"]
    assert not logging.getLogger("pytorch_lightning.utilities.rank_zero").isEnabledFor(logging.INFO)  # banner, tips
    assert logging.getLogger("pytorch_lightning.utilities.rank_zero").isEnabledFor(logging.WARNING)
    seen: list[str] = []
    collect = logging.Handler()
    collect.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    loading.addHandler(collect)
    try:
        loading.warning("BertForSequenceClassification LOAD REPORT from: /tmp/x")
        loading.warning("Some weights could not be converted")
    finally:
        loading.removeHandler(collect)
    assert seen == ["Some weights could not be converted"]


def test_own_text_without_a_validation_file_shows_no_empty_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import nbhelpers.pretraining  # noqa: F401 (registers kowikitext)
    from nbhelpers.registry import download_corpus

    own = tmp_path / "mine.txt"
    own.write_text("첫 문장이다.\n둘째 문장이다.\n\n다른 문서다.\n", encoding="utf-8")
    files = download_corpus("kowikitext", tmp_path / "data", str(own), "")
    assert files.train == [own] and files.val == []  # the notebook then holds out 5 % of the documents
    captured = capsys.readouterr()
    assert "0file" not in captured.err + captured.out
