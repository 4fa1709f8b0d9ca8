"""Tokenizers and model shells: WordPiece training, the offline tiny BERT, and input-length checks.

Chapter 1 trains a WordPiece vocabulary for a real pretraining run; the smoke profile of every chapter
trains a small one on the training texts actually in use and builds a tiny randomly initialised BERT
around it, so the whole pipeline (download code aside) runs without the hub. Both go through
``train_wordpiece``, and both save with ``save_pretrained`` so ``AutoTokenizer.from_pretrained`` and
``AutoModel*.from_pretrained`` load them like any hub model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from transformers import (
    BertConfig,
    BertForPreTraining,
    PretrainedConfig,
)

from nbhelpers.config import TINY_MODEL, BaseConfig
from nbhelpers.wordpiece import train_wordpiece

TINY_CACHE = Path(os.path.expanduser("~/.cache/nbhelpers"))


def tiny_bert_config(vocab_size: int, max_position_embeddings: int = 512) -> BertConfig:
    """A BERT small enough to train on 2 CPU cores in seconds; same architecture as kcbert-base."""
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=max_position_embeddings,
    )


def build_tiny_bert(texts: Sequence[str], save_dir: str | Path, vocab_size: int = 3000, seed: int = 7) -> Path:
    """Train a WordPiece tokenizer on ``texts`` and save it with a tiny random BERT into ``save_dir``."""
    import torch

    save_dir = Path(save_dir)
    tokenizer = train_wordpiece(texts, vocab_size=vocab_size, save_dir=save_dir, min_frequency=1)
    torch.manual_seed(seed)
    BertForPreTraining(tiny_bert_config(len(tokenizer))).save_pretrained(save_dir)
    return save_dir


def resolve_pretrained(config: BaseConfig, train_texts: Sequence[str]) -> str:
    """The model id or directory to load: ``config.pretrained_model_name``, or the tiny BERT it stands for.

    For ``"tiny-bert"`` (the smoke profile) the tokenizer is trained on ``train_texts``, the texts the
    chapter really trains on, and the result is cached by their content.
    """
    if config.pretrained_model_name != TINY_MODEL:
        return config.pretrained_model_name
    digest = hashlib.sha1()
    for text in train_texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    save_dir = TINY_CACHE / f"tiny-bert-{digest.hexdigest()[:16]}"
    if not (save_dir / "config.json").is_file():
        build_tiny_bert(train_texts, save_dir, seed=config.seed)
        print(f"스모크 프로필: 학습 텍스트 {len(train_texts)}개로 작은 BERT를 {save_dir} 에 만들었습니다.")
    return str(save_dir)


def check_max_seq_length(config: BaseConfig, model_config: PretrainedConfig) -> None:
    """Fail before training, not in the middle of it with 'index out of range' (kcbert-base has 300 positions)."""
    limit = getattr(model_config, "max_position_embeddings", None)
    if limit is not None and config.max_seq_length > limit:
        raise ValueError(
            f"max_seq_length={config.max_seq_length} is longer than the model's max_position_embeddings={limit}. "
            f"How to fix: set max_seq_length to {limit} or less."
        )
