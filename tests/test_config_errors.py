"""Config values that cannot work fail in the config cell, and no download starts from a failed config cell."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nbhelpers import registry
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.config import check_resolved, resolve_config, validate_config
from nbhelpers.errors import ConfigError
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.kowikitext import download_kowikitext
from nbhelpers.registry import download_corpus

SMOKE = {"NBHELPERS_PROFILE": "smoke"}


class NoNetwork:
    """A transport that fails the test if anything is fetched."""

    def open(self, url: str, start: int) -> None:
        raise AssertionError(f"a download started: {url}")


@pytest.fixture(autouse=True)
def no_korpora(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(spec: object, root: Path) -> None:
        raise AssertionError("Korpora.fetch started")

    monkeypatch.setattr(registry, "_fetch_with_korpora", fail)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"epochs": 0}, "epochs=0: 적어도 1 에폭은 학습해야 합니다"),
        ({"epochs": -2}, "epochs=-2"),
        ({"warmup_ratio": 1.0}, "warmup_ratio=1.0: 스텝 가운데 워밍업할 비율로, 0 이상 1 미만"),
        ({"warmup_ratio": -0.1}, "warmup_ratio=-0.1"),
        ({"precision": "fp16"}, "precision='fp16'"),
        ({"precision": "16-mix"}, "'16-mixed'의 오타인가요?"),
        ({"accelerator": "gpuu"}, "accelerator='gpuu': 알 수 없는 가속기입니다. 고치는 법: 'auto'"),
        ({"devices": -1}, "devices=-1: 0 이상의 정수여야 합니다. 고치는 법: 0(찾은 장치 모두)"),
    ],
)
def test_values_that_cannot_work_are_errors_with_the_fix(values: dict, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve_config(ClassificationConfig(**values), env={}, show=False)
    assert words in str(error.value)


def test_every_problem_is_listed_at_once_and_edge_values_pass() -> None:
    with pytest.raises(ConfigError) as error:
        validate_config(ClassificationConfig(epochs=0, devices=-1))
    assert "epochs=0" in str(error.value) and "devices=-1" in str(error.value)
    config = resolve_config(ClassificationConfig(warmup_ratio=0.0, precision="bf16-mixed", devices=0), env={}, show=False)
    assert (config.warmup_ratio, config.precision) == (0.0, "bf16-mixed")


def test_an_override_that_cannot_work_is_an_error_too() -> None:
    with pytest.raises(ConfigError, match="epochs=0"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_EPOCHS": "0"}, show=False)


def test_a_variable_naming_no_field_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as error:
        resolve_config(ClassificationConfig(), env={"NBHELPERS_EPOCH": "1"}, show=False)
    assert "NBHELPERS_EPOCH에 해당하는 config 필드가 없습니다. NBHELPERS_EPOCHS의 오타인가요?" in str(error.value)
    with pytest.raises(ConfigError, match="NBHELPERS_LEARNIGN_RATE.*NBHELPERS_LEARNING_RATE의 오타인가요"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_LEARNIGN_RATE": "1e-4"}, show=False)
    with pytest.raises(ConfigError, match="NBHELPERS_epochs.*NBHELPERS_EPOCHS"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_epochs": "1"}, show=False)
    with pytest.raises(ConfigError, match="NBHELPERS_COLOUR에 해당하는 config 필드가 없습니다. 필드 이름은 config 셀에서"):
        resolve_config(ClassificationConfig(), env={"NBHELPERS_COLOUR": "blue"}, show=False)


def test_a_variable_for_another_chapter_is_not_a_typo() -> None:
    # CI and power users set several chapters' variables at once; chapter 2 has no doc_stride or vocab_size.
    env = {"NBHELPERS_DOC_STRIDE": "32", "NBHELPERS_VOCAB_SIZE": "1000", "NBHELPERS_EPOCHS": "2"}
    assert resolve_config(ClassificationConfig(), env=env, show=False).epochs == 2


def test_download_refuses_a_config_that_did_not_pass_resolve_config(tmp_path: Path) -> None:
    # The notebook's config cell: `config = ClassificationConfig(...)` ran, `resolve_config` raised.
    config = ClassificationConfig(epochs=0, data_root=str(tmp_path))
    with pytest.raises(ConfigError):
        config = resolve_config(config, env={}, show=False)
    with pytest.raises(ConfigError, match="resolve_config를 거치지 않아"):
        download_corpus(config, transport=NoNetwork(), progress=False)
    assert not any(tmp_path.iterdir())


def test_a_failed_rerun_of_the_config_cell_stales_the_previous_config(tmp_path: Path) -> None:
    good = resolve_config(ClassificationConfig(data_root=str(tmp_path)), env=SMOKE, show=False)
    assert [p.name for p in download_corpus(good, transport=NoNetwork(), progress=False).train] == ["nsmc_train.txt"]
    # The learner edits the cell and runs it again; it fails, and `config` may still be the previous one.
    with pytest.raises(ConfigError):
        resolve_config(ClassificationConfig(data_root=str(tmp_path)), env={**SMOKE, "NBHELPERS_EPOCH": "1"}, show=False)
    with pytest.raises(ConfigError, match="이 config를 만든 뒤 config 셀이 실패해서"):
        download_corpus(good, transport=NoNetwork(), progress=False)
    with pytest.raises(ConfigError, match="config 셀이 실패해서"):
        download_kowikitext(good, transport=NoNetwork(), progress=False)
    # Fixed and run again: the new config works.
    fixed = resolve_config(ClassificationConfig(data_root=str(tmp_path)), env=SMOKE, show=False)
    check_resolved(fixed)
    assert download_corpus(fixed, transport=NoNetwork(), progress=False).val


def test_values_changed_after_resolving_are_checked_again(tmp_path: Path) -> None:
    config = resolve_config(ClassificationConfig(data_root=str(tmp_path)), env=SMOKE, show=False)
    config.epochs = 0
    with pytest.raises(ConfigError, match="epochs=0"):
        download_corpus(config, transport=NoNetwork(), progress=False)
    # dataclasses.replace makes a new, unchecked config.
    with pytest.raises(ConfigError, match="resolve_config를 거치지 않아"):
        check_resolved(dataclasses.replace(config, epochs=1))


def test_chapter_1_download_takes_the_resolved_config(tmp_path: Path) -> None:
    config = resolve_config(PretrainConfig(data_root=str(tmp_path)), env=SMOKE, show=False)
    files = download_kowikitext(config, transport=NoNetwork(), progress=False)
    assert [p.name for p in files.train] == ["pretrain_train.txt"]
    with pytest.raises(ConfigError):
        download_kowikitext(PretrainConfig(data_root=str(tmp_path)), transport=NoNetwork(), progress=False)
