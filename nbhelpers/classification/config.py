"""Settings of chapters 2 (NSMC) and 3 (KLUE-NLI/KorNLI), with the book's names and values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from nbhelpers.config import DownstreamConfig


@dataclass
class ClassificationConfig(DownstreamConfig):
    """Document classification (chapter 2, NSMC).

    Attributes:
        downstream_task_name: ``"document-classification"``.
        downstream_corpus_name: ``"nsmc"``.
    """

    downstream_task_name: str = "document-classification"
    downstream_corpus_name: str = "nsmc"
    max_seq_length: int = 128
    epochs: int = 3
    CORPUS_TASK: ClassVar[str] = "classification"

    # Six epochs, not the common four: with the real 10 % warm-up the tiny BERT has too few full-rate steps in
    # four epochs and can stay near chance on the ~400 sample reviews (measured: 0.54 with four, 0.97 with six).
    SMOKE: ClassVar[dict[str, Any]] = {"max_seq_length": 64, "epochs": 6}


@dataclass
class PairClassificationConfig(DownstreamConfig):
    """Sentence-pair classification (chapter 3, KLUE-NLI or KorNLI).

    Attributes:
        downstream_task_name: ``"pair-classification"``.
        downstream_corpus_name: ``"klue-nli"`` (or ``"kornli"``).
    """

    downstream_task_name: str = "pair-classification"
    downstream_corpus_name: str = "klue-nli"
    max_seq_length: int = 64
    epochs: int = 5
    CORPUS_TASK: ClassVar[str] = "pair-classification"

    SMOKE: ClassVar[dict[str, Any]] = {"epochs": 10}
