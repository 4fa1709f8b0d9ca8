"""The pretrained model a chapter starts from: which one, whether it fits the inputs, and what loading it did.

``resolve_pretrained`` turns ``config.pretrained_model_name`` into something ``from_pretrained`` loads:
the hub id or directory as given, or, for the profiles, a BERT built offline. The smoke profile trains
a small WordPiece vocabulary (``nbhelpers.wordpiece``) on the texts the chapter really trains on and
puts a tiny randomly initialised BERT around it; the dryrun profile builds one shaped like kcbert-base.
Both are saved with ``save_pretrained``, so the rest of the chapter loads them like any hub model and
the whole pipeline (download code aside) runs without the network. ``check_max_seq_length`` fails before
training when the inputs are longer than the model's positions, and ``loading_summary`` says in plain
words which weights ``from_pretrained`` initialised anew or dropped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from transformers import (
    BertConfig,
    BertForPreTraining,
    PretrainedConfig,
)

from nbhelpers.config import DRYRUN_MODEL, TINY_MODEL, BaseConfig
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


KCBERT_BASE_VOCAB = 30000
KCBERT_BASE_POSITIONS = 300
DRYRUN_LAYERS = 1
"""kcbert-base has 12; the dryrun model keeps every other size of its configuration (vocabulary, hidden size,
heads, feed-forward size, positions), so token ids, position limits and file sizes per layer are the real ones."""


def dryrun_bert_config(num_hidden_layers: int = DRYRUN_LAYERS) -> BertConfig:
    """kcbert-base's configuration (vocabulary 30,000, hidden 768, 12 heads, 3072, 300 positions), fewer layers."""
    return BertConfig(
        vocab_size=KCBERT_BASE_VOCAB,
        hidden_size=768,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=KCBERT_BASE_POSITIONS,
        type_vocab_size=2,
    )


def build_dryrun_bert(texts: Sequence[str], save_dir: str | Path, seed: int = 7) -> Path:
    """A random BERT shaped like kcbert-base (fewer layers) with a WordPiece vocabulary of exactly 30,000 entries.

    The vocabulary is trained on ``texts`` and filled up to 30,000 with ``[unusedN]`` entries, as BERT's own
    vocabularies are, so token ids, embedding rows and checkpoint sizes all have kcbert-base's shape.
    """
    import torch
    from transformers import BertTokenizer

    save_dir = Path(save_dir)
    trained = train_wordpiece(texts, vocab_size=KCBERT_BASE_VOCAB, save_dir=save_dir, min_frequency=1)
    vocab = dict(trained.get_vocab())
    filler = (f"[unused{index}]" for index in range(KCBERT_BASE_VOCAB))
    while len(vocab) < KCBERT_BASE_VOCAB:
        token = next(filler)
        vocab.setdefault(token, len(vocab))
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False, strip_accents=False, tokenize_chinese_chars=True)
    tokenizer.save_pretrained(save_dir)
    ordered = sorted(vocab, key=vocab.__getitem__)
    (save_dir / "vocab.txt").write_text("\n".join(ordered) + "\n", encoding="utf-8")
    if len(tokenizer) != KCBERT_BASE_VOCAB:
        raise RuntimeError(f"dryrun tokenizer has {len(tokenizer)} tokens, not {KCBERT_BASE_VOCAB}")
    torch.manual_seed(seed)
    BertForPreTraining(dryrun_bert_config()).save_pretrained(save_dir)
    return save_dir


def resolve_pretrained(config: BaseConfig, train_texts: Sequence[str]) -> str:
    """The model id or directory to load: ``config.pretrained_model_name``, or the tiny BERT it stands for.

    For ``"tiny-bert"`` (the smoke profile) and ``"dryrun-kcbert-shape"`` (the dryrun profile) the
    tokenizer is trained on ``train_texts``, the texts the chapter really trains on, and the result is
    cached by their content.
    """
    if config.pretrained_model_name not in (TINY_MODEL, DRYRUN_MODEL):
        return config.pretrained_model_name
    digest = hashlib.sha1()
    for text in train_texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    if config.pretrained_model_name == DRYRUN_MODEL:  # a new shape must not reuse a cached model of the old one
        digest.update(dryrun_bert_config().to_json_string().encode("utf-8"))
    save_dir = TINY_CACHE / f"{config.pretrained_model_name}-{digest.hexdigest()[:16]}"
    if not (save_dir / "config.json").is_file():
        if config.pretrained_model_name == DRYRUN_MODEL:
            build_dryrun_bert(train_texts, save_dir, seed=config.seed)
            print(f"dryrun 프로필: kcbert-base 모양(어휘 30,000, 위치 300, 층 {DRYRUN_LAYERS}개)의 BERT를 {save_dir} 에 만들었습니다.")
        else:
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


def _key_groups(keys: Sequence[str]) -> str:
    """``cls.predictions.*``-style groups (two name parts) with counts: a table of 200 names says less."""
    groups: dict[str, int] = {}
    for key in sorted(keys):
        parts = key.split(".")
        group = ".".join(parts[:2]) + (".*" if len(parts) > 2 else "")
        groups[group] = groups.get(group, 0) + 1
    return ", ".join(f"{group}({count})" if count > 1 else group for group, count in groups.items())


def loading_summary(info: Mapping[str, Any]) -> str:
    """What ``from_pretrained(..., output_loading_info=True)`` reported, in sentences a learner can read.

    transformers prints the same facts as a LOAD REPORT table with warnings; :func:`nbhelpers.runtime.
    quiet_libraries` turns that table off and the notebooks print this instead, once, where they load.
    """
    missing = list(info.get("missing_keys") or ())
    unexpected = list(info.get("unexpected_keys") or ())
    mismatched = list(info.get("mismatched_keys") or ())
    lines = []
    if missing:
        lines.append(
            f"새로 초기화한 가중치 {len(missing)}개: {_key_groups(missing)}. "
            "체크포인트에 없어 무작위 값에서 시작하고, 이 장의 학습에서 값이 정해집니다."
        )
    if unexpected:
        heads = " (사전 학습 과제 MLM·NSP의 머리입니다)" if all(key.startswith("cls.") for key in unexpected) else ""
        lines.append(
            f"쓰지 않은 체크포인트 가중치 {len(unexpected)}개: {_key_groups(unexpected)}{heads}. "
            "이 모델 구조에는 들어갈 자리가 없어 버립니다."
        )
    if mismatched:
        names = [entry[0] if isinstance(entry, tuple | list) else str(entry) for entry in mismatched]
        lines.append(f"모양이 달라 새로 초기화한 가중치 {len(names)}개: {_key_groups(names)}.")
    if not lines:
        return "체크포인트의 가중치를 빠짐없이 그대로 불러왔습니다."
    return "\n".join(lines)
