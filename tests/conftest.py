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


def build_roberta_with_wordpiece(texts: list[str], save_dir: Path, seed: int = 7) -> Path:
    """A RoBERTa whose tokenizer is a WordPiece ``BertTokenizer``, as ``klue/roberta-base`` ships them.

    KLUE's vocabulary puts ``[CLS]`` 0, ``[PAD]`` 1, ``[SEP]`` 2 where RoBERTa has ``<s>``, ``<pad>``, ``</s>``, so
    the padding offset of the positions is the same; and a ``BertTokenizer`` returns ``token_type_ids``, with 1s
    for the second text of a pair, which a RoBERTa (one segment embedding) must never receive.
    """
    from transformers import BertTokenizer, RobertaConfig, RobertaForMaskedLM

    from nbhelpers.wordpiece import train_wordpiece

    trained = train_wordpiece(texts, vocab_size=3000, save_dir=save_dir / "trained", min_frequency=1).get_vocab()
    order = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]
    words = [token for token in sorted(trained, key=trained.__getitem__) if token not in order]
    vocab = {token: index for index, token in enumerate(order + words)}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False, strip_accents=False, tokenize_chinese_chars=True)
    tokenizer.save_pretrained(save_dir)
    import torch

    torch.manual_seed(seed)
    config = RobertaConfig(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=128, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                           bos_token_id=0, eos_token_id=2, tokenizer_class="BertTokenizer")
    RobertaForMaskedLM(config).save_pretrained(save_dir)
    return save_dir


FAMILIES = ("bert", "roberta", "electra", "roberta-wordpiece")
"""The encoder families chapters 2-5 are tested with: tiny BERT, RoBERTa (byte-level BPE) and ELECTRA as the smoke
profile builds them, and a RoBERTa with a WordPiece BertTokenizer like klue/roberta-base."""


@pytest.fixture(scope="session")
def family_texts() -> list[str]:
    """Texts of every chapter's embedded sample, so one tiny vocabulary per family serves chapters 2-5."""
    texts: list[str] = []
    for examples in (*read_samples("nsmc"), *read_samples("klue-nli")):
        texts += [text for e in examples for text in (e.text_a, e.text_b) if text]
    for examples in read_samples("ner"):
        texts += [e.text for e in examples]
    for examples in read_samples("korquad-v1"):
        texts += list(dict.fromkeys(e.context for e in examples)) + [e.question for e in examples]
    return texts


@pytest.fixture(scope="session")
def family_dir(tmp_path_factory: pytest.TempPathFactory, family_texts: list[str]) -> Callable[[str], Path]:
    """``family_dir("roberta")``: a tiny pretrained model of that family saved in a folder, built once per session."""
    from nbhelpers.pretrained import build_tiny_electra, build_tiny_roberta

    builders = {"bert": build_tiny_bert, "roberta": build_tiny_roberta, "electra": build_tiny_electra,
                "roberta-wordpiece": build_roberta_with_wordpiece}
    built: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in built:
            built[family] = builders[family](family_texts, tmp_path_factory.mktemp(f"tiny-{family}"))
        return built[family]

    return get
