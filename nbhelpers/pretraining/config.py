"""Settings of chapter 1 (BERT pretraining from scratch): tokenizer, model shape and masking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from nbhelpers.config import BaseConfig


@dataclass
class PretrainConfig(BaseConfig):
    """BERT pretraining from scratch (chapter 1): WordPiece tokenizer, MLM and NSP.

    Attributes:
        corpus_name: ``"kowikitext"`` (dev split by default) or ``"kowikitext-full"``; chapter 1 trains on it
            itself, so its fields are not the book's ``downstream_*`` (``NBHELPERS_CORPUS_NAME``).
        model_dir: The run's checkpoints, logs, ``metrics.json``, tokenizer and the pretrained model go here
            (``NBHELPERS_MODEL_DIR``); empty: ``~/nlpbook/checkpoint-pretraining``.
        vocab_size: WordPiece vocabulary size, special tokens included.
        hidden_size: Width of the BERT shell.
        num_hidden_layers: Transformer layers.
        num_attention_heads: Attention heads per layer.
        intermediate_size: Feed-forward width.
        mlm_probability: Fraction of tokens chosen for masking (80 % [MASK], 10 % random, 10 % kept).
        whole_word_mask: Choose whole words (a word piece and its ``##`` continuations together) instead
            of single word pieces, as Google's whole-word-masking BERT does.
        short_seq_probability: Chance that an example targets a shorter length, as in BERT's original recipe.
        nsp_probability: Chance that segment B is a random sentence from another document.
    """

    pretrained_model_name: str = ""
    corpus_name: str = "kowikitext"
    model_dir: str = ""
    max_seq_length: int = 128
    learning_rate: float = 5e-4
    epochs: int = 10
    vocab_size: int = 16000
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    mlm_probability: float = 0.15
    whole_word_mask: bool = False
    short_seq_probability: float = 0.1
    nsp_probability: float = 0.5
    CORPUS_TASK: ClassVar[str] = "pretraining"

    SMOKE: ClassVar[dict[str, Any]] = {
        "pretrained_model_name": "",
        "vocab_size": 1000,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 128,
        "max_seq_length": 64,
        "learning_rate": 2e-3,
        "epochs": 20,
    }

    @property
    def task_name(self) -> str:
        """``"pretraining"``: names the default ``model_dir`` (``~/nlpbook/checkpoint-pretraining``)."""
        return "pretraining"
