"""Shared fixtures: offline Hugging Face, and a tiny BERT trained on our own sample reviews."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import contextlib  # noqa: E402
import logging  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import AbstractContextManager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from nbhelpers.ner.kmou import KMOU_MANIFEST
from nbhelpers.pretrained import build_tiny_bert
from nbhelpers.pretraining.fill_mask import MaskedLanguageModel
from nbhelpers.__main__ import load_chapters
from nbhelpers.registry import get_corpus, sample_files
from notebook_outputs import PLUGIN_NAME, NotebookOutputs  # noqa: E402 (tests/ is on sys.path)

# Fixtures look corpora up by name; as in the CLI, every chapter registers its corpora first, so a test file
# run on its own (e.g. tests/test_pipelines.py) does not depend on which other test modules were imported.
load_chapters()


def read_samples(corpus: str) -> tuple[list, list]:
    """The examples of a corpus's embedded sample (train, validation), read with the corpus's own reader."""
    spec = get_corpus(corpus)
    return spec.read(sample_files(spec, "train")), spec.read(sample_files(spec, "val"))


@pytest.fixture(scope="session")
def samples_of() -> Callable[[str], tuple[list, list]]:
    """``samples_of("korquad-v1")``: see :func:`read_samples`."""
    return read_samples


@pytest.fixture(scope="session")
def nsmc_sample() -> tuple[list, list]:
    return read_samples("nsmc")


@pytest.fixture
def module_logs(caplog: pytest.LogCaptureFixture) -> Callable[..., AbstractContextManager[None]]:
    """``with module_logs("nbhelpers.ner.kmou"): ...`` puts that logger's records into ``caplog``.

    ``setup_logging()`` (run by other tests) stops propagation at ``nbhelpers``, so caplog's handler on the
    root logger would see nothing; listen on the module's own logger instead.
    """

    @contextlib.contextmanager
    def listen(name: str, level: int = logging.WARNING) -> Iterator[None]:
        logger = logging.getLogger(name)
        logger.addHandler(caplog.handler)
        caplog.set_level(level, logger=name)
        try:
            yield
        finally:
            logger.removeHandler(caplog.handler)

    return listen


@pytest.fixture
def pseudo_log_likelihood() -> Callable[[Any, Any, str], float]:
    """``pseudo_log_likelihood(model, tokenizer, sentence)``: chapter 1's scorer for one sentence, with every
    position the model has (a longer sentence is scored on its first tokens that fit)."""

    def score(model: Any, tokenizer: Any, sentence: str) -> float:
        positions = model.config.max_position_embeddings
        scorer = MaskedLanguageModel(model, tokenizer, max_seq_length=positions, device=model.device)
        return scorer.pseudo_log_likelihoods([sentence])[0]

    return score


@pytest.fixture
def pinned_kmou_file(tmp_path: Path) -> Callable[[bytes], Path]:
    """A file with the name and size of a pinned KMOU file (the manifest's first row) holding ``body``.

    The reader takes such a file for the upstream one, which a learner cannot fix: bad blocks are skipped there.
    """

    def write(body: bytes) -> Path:
        row = KMOU_MANIFEST.read_text(encoding="utf-8").splitlines()[0].split("\t")
        path = tmp_path / Path(row[0]).name
        path.write_bytes(body + b"\n" * (int(row[2]) - len(body)))
        return path

    return write


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, nsmc_sample: tuple[list, list]) -> Path:
    train, _ = nsmc_sample
    return build_tiny_bert([e.text_a for e in train], tmp_path_factory.mktemp("tiny-bert"))


def pytest_configure(config: pytest.Config) -> None:
    # A plugin, not hooks of this conftest: a conftest's hooks only see items under tests/, and the cells
    # of the notebooks that nbval runs are items under notebooks/ (see tests/notebook_outputs.py).
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(NotebookOutputs(), PLUGIN_NAME)


@pytest.fixture(scope="session")
def ner_sample_tokenizer(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 (a fast tokenizer)
    """WordPiece trained on the NER sample (vocab 500), shared by the NER tests so it is trained once.

    A small vocabulary keeps frequent words such as "서울시청" whole, so a few entity boundaries fall inside a
    word piece while most do not.
    """
    from transformers import AutoTokenizer

    from nbhelpers.wordpiece import train_wordpiece

    spec = get_corpus("ner")
    texts = [e.text for e in spec.read(sample_files(spec, "train"))]
    path = tmp_path_factory.mktemp("ner-tokenizer")
    train_wordpiece(texts, vocab_size=500, save_dir=path, min_frequency=1)
    return AutoTokenizer.from_pretrained(path)
