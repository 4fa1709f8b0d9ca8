"""The smoke profile keeps the real schedule's shape, and its score checks apply to the embedded samples only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import nbhelpers.classification  # noqa: F401 (registers the chapters' corpora)
import nbhelpers.ner  # noqa: F401
import nbhelpers.pretraining  # noqa: F401
import nbhelpers.qa  # noqa: F401
from nbhelpers.classification.config import ClassificationConfig, PairClassificationConfig
from nbhelpers.config import BaseConfig, resolve_config
from nbhelpers.ner.config import NERConfig
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.qa.config import QAConfig

CHAPTERS = [PretrainConfig, ClassificationConfig, PairClassificationConfig, NERConfig, QAConfig]
SMOKE = {"NBHELPERS_PROFILE": "smoke"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.__name__)
def test_smoke_keeps_the_real_warmup(chapter: type[BaseConfig]) -> None:
    real = resolve_config(chapter(), env={}, show=False)
    smoke = resolve_config(chapter(), env=SMOKE, show=False)
    assert smoke.warmup_ratio == real.warmup_ratio > 0
    assert smoke.gradient_clip_val == real.gradient_clip_val and smoke.weight_decay == real.weight_decay


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.__name__)
def test_smoke_checks_apply_to_the_embedded_samples_only(chapter: type[BaseConfig], tmp_path: Path) -> None:
    smoke = resolve_config(chapter(), env=SMOKE, show=False)
    assert smoke.uses_embedded_samples
    own = tmp_path / "mine.txt"
    own.write_text("내 데이터\n", encoding="utf-8")
    assert not resolve_config(chapter(), env={**SMOKE, "NBHELPERS_TRAIN_FILE": str(own)}, show=False).uses_embedded_samples
    assert not resolve_config(chapter(), env={**SMOKE, "NBHELPERS_VAL_FILE": str(own)}, show=False).uses_embedded_samples
    assert not resolve_config(chapter(), env={}, show=False).uses_embedded_samples  # the real download


def test_embedded_samples_are_recognised_by_path_not_by_name(tmp_path: Path) -> None:
    smoke = resolve_config(ClassificationConfig(), env=SMOKE, show=False)
    copy = tmp_path / Path(smoke.train_file).name
    copy.write_bytes(Path(smoke.train_file).read_bytes())
    assert not dataclasses.replace(smoke, train_file=str(copy)).uses_embedded_samples
    assert not dataclasses.replace(smoke, downstream_corpus_name="no-such-corpus").uses_embedded_samples
