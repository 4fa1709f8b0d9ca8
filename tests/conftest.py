"""Shared fixtures: offline Hugging Face, and a tiny BERT trained on our own sample reviews."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.pretrained import build_tiny_bert
from nbhelpers.registry import get_corpus, sample_files
from notebook_outputs import PLUGIN_NAME, NotebookOutputs  # noqa: E402 (tests/ is on sys.path)


@pytest.fixture(scope="session")
def nsmc_sample() -> tuple[list, list]:
    spec = get_corpus("nsmc")
    return read_nsmc(sample_files(spec, "train")), read_nsmc(sample_files(spec, "val"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, nsmc_sample: tuple[list, list]) -> Path:
    train, _ = nsmc_sample
    return build_tiny_bert([e.text_a for e in train], tmp_path_factory.mktemp("tiny-bert"))


def pytest_configure(config: pytest.Config) -> None:
    # A plugin, not hooks of this conftest: a conftest's hooks only see items under tests/, and the cells
    # of the notebooks that nbval runs are items under notebooks/ (see tests/notebook_outputs.py).
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(NotebookOutputs(), PLUGIN_NAME)
