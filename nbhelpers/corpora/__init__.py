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
from nbhelpers.corpora.klue_nli import NLI_LABELS, read_klue_nli, read_kornli  # registers klue-nli, kornli
from nbhelpers.corpora.korquad import QAAnswer, QAExample, read_korquad  # registers korquad-v1
from nbhelpers.corpora.kowikitext import read_kowikitext  # registers kowikitext
from nbhelpers.corpora.ner import read_klue_ner, read_kmou_ner  # registers ner, klue-ner

__all__ = [
    "CORPORA",
    "ClassificationExample",
    "CorpusFiles",
    "CorpusSpec",
    "NLI_LABELS",
    "NSMC_LABELS",
    "QAAnswer",
    "QAExample",
    "download_corpus",
    "get_corpus",
    "inspect_files",
    "read_klue_ner",
    "read_klue_nli",
    "read_kmou_ner",
    "read_korquad",
    "read_kornli",
    "read_kowikitext",
    "read_nsmc",
    "sample_files",
]
