"""Settings of chapter 4 (KMOU NER / KLUE-NER), with the book's names and values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from nbhelpers.config import DownstreamConfig


@dataclass
class NERConfig(DownstreamConfig):
    """Named entity recognition (chapter 4, KMOU NER or KLUE-NER).

    Attributes:
        downstream_task_name: ``"named-entity-recognition"``.
        downstream_corpus_name: ``"ner"`` (KMOU) or ``"klue-ner"``.
    """

    downstream_task_name: str = "named-entity-recognition"
    downstream_corpus_name: str = "ner"
    max_seq_length: int = 64
    epochs: int = 3

    # 340 invented sentences, 22 steps an epoch: 3 epochs reach entity F1 near 0.64 in about 15 s on 2 CPU cores.
    SMOKE: ClassVar[dict[str, Any]] = {"epochs": 3}
