"""Corpus readers and the registry; importing this package registers every corpus."""

from nbhelpers.corpora.base import (
    CORPORA,
    ClassificationExample,
    CorpusFiles,
    CorpusSpec,
    download_corpus,
    get_corpus,
    inspect_files,
    sample_files,
)
from nbhelpers.corpora.nsmc import NSMC_LABELS, read_nsmc
from nbhelpers.corpora.klue_nli import NLI_LABELS, read_klue_nli, read_kornli  # noqa: F401  (registers klue-nli, kornli)
from nbhelpers.corpora.korquad import QAAnswer, QAExample, read_korquad  # noqa: F401  (registers korquad-v1)
from nbhelpers.corpora.kowikitext import read_kowikitext  # noqa: F401  (registers kowikitext)
from nbhelpers.corpora.ner import read_klue_ner, read_kmou_ner  # noqa: F401  (registers ner, klue-ner)

__all__ = [
    "CORPORA",
    "ClassificationExample",
    "CorpusFiles",
    "CorpusSpec",
    "NSMC_LABELS",
    "download_corpus",
    "get_corpus",
    "inspect_files",
    "read_nsmc",
    "sample_files",
]
