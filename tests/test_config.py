from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.config import TINY_MODEL, resolve_config
from nbhelpers.qa.config import QAConfig
from nbhelpers.runtime import default_precision, detect_accelerator


def test_book_defaults_and_cpu_derivation() -> None:
    config = resolve_config(ClassificationConfig(), env={}, show=False)
    assert (config.pretrained_model_name, config.downstream_corpus_name) == ("beomi/kcbert-base", "nsmc")
    assert (config.max_seq_length, config.learning_rate, config.epochs, config.seed) == (128, 5e-5, 3, 7)
    assert (config.accelerator, config.precision, config.batch_size, config.devices) == ("cpu", "32-true", 8, 1)
    assert config.downstream_model_dir.endswith("checkpoint-document-classification")


def test_environment_overrides_every_field_type() -> None:
    env = {"NBHELPERS_EPOCHS": "1", "NBHELPERS_LEARNING_RATE": "1e-4", "NBHELPERS_RESUME": "false",
           "NBHELPERS_TRAIN_FILE": "/data/mine.txt", "NBHELPERS_MAX_STEPS": "20"}
    config = resolve_config(ClassificationConfig(), env=env, show=False)
    assert (config.epochs, config.learning_rate, config.resume, config.train_file, config.max_steps) == (
        1, 1e-4, False, "/data/mine.txt", 20)


def test_bad_override_names_the_variable() -> None:
    with pytest.raises(ValueError, match="NBHELPERS_EPOCHS='three'"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_EPOCHS": "three"}, show=False)
    with pytest.raises(ValueError, match="NBHELPERS_PROFILE"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "tiny"}, show=False)


def test_smoke_profile_uses_samples_and_explicit_overrides_win() -> None:
    config = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    assert config.pretrained_model_name == TINY_MODEL
    assert Path(config.train_file).name == "nsmc_train.txt" and Path(config.train_file).is_file()
    assert config.max_seq_length == 64 and config.epochs == 6 and Path(config.downstream_model_dir).is_dir()
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_EPOCHS": "2", "NBHELPERS_MAX_SEQ_LENGTH": "32"}
    config = resolve_config(ClassificationConfig(), env=env, show=False)
    assert config.epochs == 2 and config.max_seq_length == 32 and config.pretrained_model_name == TINY_MODEL


def test_smoke_samples_follow_an_overridden_corpus() -> None:
    from nbhelpers.classification.config import PairClassificationConfig

    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_CORPUS_NAME": "kornli"}
    config = resolve_config(PairClassificationConfig(), env=env, show=False)
    assert config.downstream_corpus_name == "kornli" and Path(config.train_file).name == "kornli_train.tsv"


def test_chapter_fields_survive(capsys: pytest.CaptureFixture[str]) -> None:
    config = resolve_config(QAConfig(), env={"NBHELPERS_DOC_STRIDE": "32"})
    assert (config.max_query_length, config.doc_stride) == (32, 32)
    assert "doc_stride" in capsys.readouterr().out


def test_accelerator_is_never_tpu_just_because_cuda_is_missing() -> None:
    accelerator = detect_accelerator("auto")
    assert accelerator.kind == "cpu"  # this machine has neither TPU nor GPU
    with pytest.raises(RuntimeError, match="TPU"):
        detect_accelerator("tpu")
    with pytest.raises(RuntimeError, match="GPU"):
        detect_accelerator("gpu")
    assert [default_precision(k) for k in ("gpu", "tpu", "cpu")] == ["16-mixed", "32-true", "32-true"]


def test_gpu_and_tpu_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbhelpers import config as config_module
    from nbhelpers.runtime import Accelerator

    monkeypatch.setattr(config_module, "detect_accelerator", lambda requested: Accelerator("gpu", 2))
    config = resolve_config(ClassificationConfig(), env={}, show=False)
    assert (config.precision, config.batch_size, config.devices, config.strategy) == ("16-mixed", 32, 2, "ddp_notebook")
    monkeypatch.setattr(config_module, "detect_accelerator", lambda requested: Accelerator("tpu", 1))
    config = resolve_config(ClassificationConfig(), env={}, show=False)
    assert (config.precision, config.batch_size, config.strategy) == ("32-true", 32, "auto")


def test_core_reads_chapter_paths_through_properties() -> None:
    from nbhelpers.classification.config import ClassificationConfig

    config = ClassificationConfig(downstream_model_dir="/tmp/run", downstream_corpus_name="nsmc")
    assert (config.model_dir, config.corpus_name, config.task_name) == ("/tmp/run", "nsmc", "document-classification")


def test_chapter_1_names_its_own_fields_and_core_reads_them_the_same_way(tmp_path: Path) -> None:
    from nbhelpers.pretraining.config import PretrainConfig

    names = {f.name for f in dataclasses.fields(PretrainConfig)}
    assert {"corpus_name", "model_dir"} <= names and not any(name.startswith("downstream_") for name in names)
    config = resolve_config(PretrainConfig(), env={"NBHELPERS_MODEL_DIR": str(tmp_path / "run"),
                                                   "NBHELPERS_CORPUS_NAME": "kowikitext-full"}, show=False)
    assert (config.model_dir, config.corpus_name, config.task_name) == (
        str(tmp_path / "run"), "kowikitext-full", "pretraining")
    assert resolve_config(PretrainConfig(), env={}, show=False).model_dir.endswith("checkpoint-pretraining")
    smoke = resolve_config(PretrainConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    assert Path(smoke.model_dir).is_dir() and "nbhelpers-smoke-pretraining-" in smoke.model_dir
    assert Path(smoke.train_file).name == "pretrain_train.txt"


def test_profile_run_dir_is_fresh_unless_overridden(tmp_path: Path) -> None:
    first = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    second = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    assert first.model_dir != second.model_dir and first.downstream_model_dir == first.model_dir
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(tmp_path)}
    assert resolve_config(ClassificationConfig(), env=env, show=False).model_dir == str(tmp_path)


def test_the_base_config_names_nothing_itself() -> None:
    from nbhelpers.config import BaseConfig

    with pytest.raises(NotImplementedError, match="model_dir"):
        BaseConfig().model_dir  # noqa: B018
