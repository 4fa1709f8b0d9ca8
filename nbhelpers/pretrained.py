"""The pretrained model a chapter starts from: which one, whether it fits the inputs, and what loading it did.

Chapters 2-5 load any Korean encoder of the BERT, RoBERTa and ELECTRA families with ``AutoTokenizer`` and
``AutoModelFor...``; the settings cells offer :data:`MODEL_CHOICES` (a Colab dropdown that also takes any hub
id or a local folder, chapter 1's export included). What differs between the families is settled here, once:

* ``token_type_ids``: RoBERTa has one segment embedding (``type_vocab_size=1``) and must not get segment ids
  of 1; ``klue/roberta-base`` even ships a WordPiece ``BertTokenizer`` that produces them.
  :func:`match_tokenizer_to_model` (called by :func:`load_tokenizer` and every predictor) drops
  ``token_type_ids`` from the tokenizer's ``model_input_names`` when the model has fewer than two segments,
  and the chapters' features ask :func:`sends_token_type_ids`. The names are saved with the tokenizer, so
  an export reloaded by ``pipeline`` sends no segment ids either.
* positions: RoBERTa numbers positions from ``pad_token_id + 1``, so of its 514 ``max_position_embeddings``
  512 are usable; :func:`max_input_length` says how many tokens a model takes, and
  :func:`check_max_seq_length` and the predictors' cap read it. Chapter 1's own model has only as many
  positions as its ``max_seq_length``.
* special tokens and segment layout (``[CLS] A [SEP] B [SEP]`` against ``<s> A </s></s> B </s>``) are read
  off the tokenizer (:func:`pair_layout`), never assumed.

``resolve_pretrained`` turns ``config.pretrained_model_name`` into something ``from_pretrained`` loads: the
hub id or directory as given, or, for the profiles, a model built offline. The smoke profile trains a small
vocabulary on the texts the chapter really trains on and puts a tiny randomly initialised model around it:
``tiny-bert`` (WordPiece, like kcbert-base), ``tiny-roberta`` (byte-level BPE, RoBERTa's own kind) or
``tiny-electra`` (WordPiece and an ELECTRA discriminator, like KoELECTRA), chosen with
``NBHELPERS_PRETRAINED_MODEL_NAME``; the dryrun profile builds a BERT shaped like kcbert-base. All are saved
with ``save_pretrained``, so the rest of the chapter loads them like any hub model and the whole pipeline
(download code aside) runs without the network. ``loading_summary`` says in plain words which weights
``from_pretrained`` initialised anew or dropped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import (
    AutoConfig,
    AutoTokenizer,
    BertConfig,
    BertForPreTraining,
    ElectraConfig,
    ElectraForPreTraining,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    RobertaConfig,
    RobertaForMaskedLM,
)

from nbhelpers.config import DRYRUN_MODEL, TINY_MODEL, BaseConfig
from nbhelpers.wordpiece import train_byte_level_bpe, train_wordpiece

TINY_CACHE = Path(os.path.expanduser("~/.cache/nbhelpers"))

MODEL_CHOICES: tuple[str, ...] = (
    "beomi/kcbert-base",
    "klue/bert-base",
    "klue/roberta-base",
    "monologg/koelectra-base-v3-discriminator",
)
"""The settings cells' model dropdown, the book's kcbert-base first (a BERT, a BERT, a RoBERTa, an ELECTRA);
the dropdown also takes free text: any hub id or a local folder, such as chapter 1's export."""

TINY_ROBERTA = "tiny-roberta"
"""Value of ``pretrained_model_name`` that builds, offline, a tiny RoBERTa with a byte-level BPE tokenizer."""

TINY_ELECTRA = "tiny-electra"
"""Value of ``pretrained_model_name`` that builds, offline, a tiny ELECTRA discriminator with a WordPiece tokenizer."""

POSITION_OFFSET_MODEL_TYPES = frozenset({
    "roberta", "roberta-prelayernorm", "xlm-roberta", "xlm-roberta-xl", "camembert", "data2vec-text",
    "longformer", "mpnet", "ibert", "luke", "xmod",
})
"""Encoders whose position ids start after the padding id (RoBERTa's ``create_position_ids_from_input_ids``):
``pad_token_id + 1`` of their ``max_position_embeddings`` can never be used."""


TINY_SIZES: dict[str, int] = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
"""The smoke profile's model sizes, the same for every family: small enough to train on 2 CPU cores in seconds."""


def tiny_bert_config(vocab_size: int, max_position_embeddings: int = 512) -> BertConfig:
    """A BERT small enough to train on 2 CPU cores in seconds; same architecture as kcbert-base."""
    return BertConfig(vocab_size=vocab_size, max_position_embeddings=max_position_embeddings, **TINY_SIZES)


def build_tiny_bert(texts: Sequence[str], save_dir: str | Path, vocab_size: int = 3000, seed: int = 7) -> Path:
    """Train a WordPiece tokenizer on ``texts`` and save it with a tiny random BERT into ``save_dir``."""
    import torch

    save_dir = Path(save_dir)
    tokenizer = train_wordpiece(texts, vocab_size=vocab_size, save_dir=save_dir, min_frequency=1)
    torch.manual_seed(seed)
    BertForPreTraining(tiny_bert_config(len(tokenizer))).save_pretrained(save_dir)
    return save_dir


def build_tiny_roberta(texts: Sequence[str], save_dir: str | Path, vocab_size: int = 3000, seed: int = 7) -> Path:
    """Train a byte-level BPE tokenizer on ``texts`` and save it with a tiny random RoBERTa (MLM head) into ``save_dir``.

    Shaped like roberta-base apart from the sizes: one segment embedding (no ``token_type_ids``), and 514
    positions of which 512 are usable, because position ids start after the padding id.
    """
    import torch

    save_dir = Path(save_dir)
    tokenizer = train_byte_level_bpe(texts, vocab_size=vocab_size, save_dir=save_dir, min_frequency=1)
    tokenizer.model_max_length = 512
    tokenizer.init_kwargs["model_max_length"] = 512
    tokenizer.save_pretrained(save_dir)
    config = RobertaConfig(
        **TINY_SIZES,
        vocab_size=len(tokenizer),
        max_position_embeddings=512 + tokenizer.pad_token_id + 1,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    RobertaForMaskedLM(config).save_pretrained(save_dir)
    return save_dir


def build_tiny_electra(texts: Sequence[str], save_dir: str | Path, vocab_size: int = 3000, seed: int = 7) -> Path:
    """Train a WordPiece tokenizer on ``texts`` and save it with a tiny random ELECTRA discriminator into ``save_dir``.

    KoELECTRA publishes ``ElectraForPreTraining`` (the discriminator that tells replaced tokens from
    original ones) with a WordPiece vocabulary; this one has the same parts. Its embeddings are narrower
    than its hidden size, as in ELECTRA-small, so the projection between them is loaded and trained too.
    """
    import torch

    save_dir = Path(save_dir)
    tokenizer = train_wordpiece(texts, vocab_size=vocab_size, save_dir=save_dir, min_frequency=1)
    config = ElectraConfig(
        **TINY_SIZES,
        vocab_size=len(tokenizer),
        embedding_size=TINY_SIZES["hidden_size"] // 2,
        max_position_embeddings=512,
        type_vocab_size=2,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    ElectraForPreTraining(config).save_pretrained(save_dir)
    return save_dir


TINY_BUILDERS: dict[str, tuple[Callable[..., Path], str]] = {
    TINY_MODEL: (build_tiny_bert, "작은 BERT(WordPiece 토크나이저)"),
    TINY_ROBERTA: (build_tiny_roberta, "작은 RoBERTa(바이트 수준 BPE 토크나이저)"),
    TINY_ELECTRA: (build_tiny_electra, "작은 ELECTRA 판별기(WordPiece 토크나이저)"),
}
"""The smoke profile's offline models: value of ``pretrained_model_name`` -> builder and what it builds, in words."""


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
    """The model id or directory to load: ``config.pretrained_model_name``, or the offline model it stands for.

    For ``"tiny-bert"``, ``"tiny-roberta"``, ``"tiny-electra"`` (the smoke profile) and
    ``"dryrun-kcbert-shape"`` (the dryrun profile) the tokenizer is trained on ``train_texts``, the texts the
    chapter really trains on, and the result is cached by their content.
    """
    if config.pretrained_model_name not in (*TINY_BUILDERS, DRYRUN_MODEL):
        return config.pretrained_model_name
    digest = hashlib.sha1()
    for text in train_texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\n")
    # The seed draws the weights, and a new shape must not reuse a cached model of the old one: both are in the
    # key, or whichever run built the folder first would decide the weights of every later run on these texts.
    digest.update(f"seed={config.seed}".encode())
    shape = dryrun_bert_config().to_json_string() if config.pretrained_model_name == DRYRUN_MODEL else repr(TINY_SIZES)
    digest.update(shape.encode("utf-8"))
    save_dir = TINY_CACHE / f"{config.pretrained_model_name}-{digest.hexdigest()[:16]}"
    if not (save_dir / "config.json").is_file():
        # Building draws from the global random state: without fork_rng a run that builds the model would
        # initialise its task head and shuffle differently from a run that finds it cached.
        import torch

        with torch.random.fork_rng(devices=[]):
            _build(config, train_texts, save_dir)
    return str(save_dir)


def _build(config: BaseConfig, train_texts: Sequence[str], save_dir: Path) -> None:
    """Build the offline model ``config.pretrained_model_name`` stands for into ``save_dir``."""
    if config.pretrained_model_name == DRYRUN_MODEL:
        build_dryrun_bert(train_texts, save_dir, seed=config.seed)
        print(f"dryrun 프로필: kcbert-base 모양(어휘 30,000, 위치 300, 층 {DRYRUN_LAYERS}개)의 BERT를 {save_dir} 에 만들었습니다.")
    else:
        build, what = TINY_BUILDERS[config.pretrained_model_name]
        build(train_texts, save_dir, seed=config.seed)
        print(f"스모크 프로필: 학습 텍스트 {len(train_texts)}개로 {what}를 {save_dir} 에 만들었습니다.")


def max_input_length(model_config: PretrainedConfig) -> int | None:
    """How many tokens (special tokens included) the model takes: its positions, less RoBERTa's padding offset.

    None when the configuration has no ``max_position_embeddings`` (relative-position models take any length).
    """
    positions = getattr(model_config, "max_position_embeddings", None)
    if positions is None:
        return None
    if getattr(model_config, "model_type", "") in POSITION_OFFSET_MODEL_TYPES:
        return positions - ((getattr(model_config, "pad_token_id", None) or 0) + 1)
    return positions


def check_max_seq_length(
    config: BaseConfig, model_config: PretrainedConfig, tokenizer: PreTrainedTokenizerBase | None = None
) -> None:
    """Fail before training, not in the middle of it with 'index out of range'.

    The inputs must fit the model's positions (:func:`max_input_length`: kcbert-base has 300, RoBERTa 514 of
    which 512 are usable, chapter 1's model as many as its own ``max_seq_length``), and the tokenizer's ids
    must fit the model's vocabulary (a tokenizer from another folder than the model's).
    """
    limit = max_input_length(model_config)
    if limit is not None and config.max_seq_length > limit:
        positions = model_config.max_position_embeddings
        offset = (f"; {model_config.model_type} 계열은 위치 번호를 패딩 번호 다음부터 세므로 그중 {limit}개만 씁니다"
                  if limit != positions else "")
        own = ("; 1장에서 직접 사전 학습한 모델이라면 1장의 max_seq_length가 이 위치 수입니다"
               if positions < 512 else "")
        raise ValueError(
            f"max_seq_length={config.max_seq_length}은 이 모델이 받을 수 있는 길이({limit}토큰)보다 깁니다"
            f"(max_position_embeddings={positions}{offset}{own}). 고치는 법: 설정 셀에서 max_seq_length를 "
            f"{limit} 이하로 줄이세요(더 긴 입력이 필요하면 위치가 더 많은 모델을 고르세요)."
        )
    vocab_size = getattr(model_config, "vocab_size", None)
    if tokenizer is not None and vocab_size is not None and len(tokenizer) > vocab_size:
        raise ValueError(
            f"토크나이저의 어휘({len(tokenizer):,}개)가 모델의 단어 임베딩({vocab_size:,}행)보다 많아, 뒤쪽 번호의 토큰에서 "
            "'index out of range'가 납니다. 고치는 법: 토크나이저와 모델을 같은 이름(같은 폴더)에서 불러오세요."
        )


def uses_token_type_ids(model_config: PretrainedConfig) -> bool:
    """Whether the model has segment embeddings to look ``token_type_ids`` up in: BERT, ELECTRA (2) yes; RoBERTa (1) no."""
    return (getattr(model_config, "type_vocab_size", None) or 0) >= 2


def match_tokenizer_to_model(
    tokenizer: PreTrainedTokenizerBase, model_config: PretrainedConfig
) -> PreTrainedTokenizerBase:
    """The one place that decides what a model is fed: the tokenizer, adjusted in place to the model, returned.

    * ``token_type_ids`` leave ``model_input_names`` when the model has fewer than two segments
      (:func:`uses_token_type_ids`), so nothing sends them: not the chapters' features
      (:func:`sends_token_type_ids`), not ``tokenizer(...)`` calls, not a ``pipeline`` that reloads an export.
    * ``model_max_length`` is lowered to :func:`max_input_length` (chapter 1's export has none, RoBERTa's may
      say 514), so ``truncation=True`` cuts where the model's positions end.

    Both are written to ``init_kwargs`` too, which ``save_pretrained`` stores in ``tokenizer_config.json``.
    """
    names = list(tokenizer.model_input_names)
    if "token_type_ids" in names and not uses_token_type_ids(model_config):
        names.remove("token_type_ids")
        tokenizer.model_input_names = names
        tokenizer.init_kwargs["model_input_names"] = names
    limit = max_input_length(model_config)
    if limit is not None and tokenizer.model_max_length > limit:
        tokenizer.model_max_length = limit
        tokenizer.init_kwargs["model_max_length"] = limit
    return tokenizer


def sends_token_type_ids(tokenizer: PreTrainedTokenizerBase) -> bool:
    """Whether inputs for this tokenizer's model carry ``token_type_ids`` (see :func:`match_tokenizer_to_model`)."""
    return "token_type_ids" in tokenizer.model_input_names


def load_tokenizer(pretrained: str | Path, model_config: PretrainedConfig | None = None) -> PreTrainedTokenizerBase:
    """The fast tokenizer of ``pretrained`` (a hub id or a folder), matched to its model's configuration.

    The configuration is read from ``pretrained`` unless given; offsets for NER and QA need a fast tokenizer,
    so a model without one is refused here, before any preprocessing.
    """
    tokenizer = AutoTokenizer.from_pretrained(pretrained)
    if not tokenizer.is_fast:
        raise TypeError(
            f"{pretrained}: 이 모델에는 빠른(fast) 토크나이저가 없어 토큰마다 원문 글자 위치(offset)를 알 수 없습니다. "
            "고치는 법: tokenizer.json이 있는 모델을 고르거나, 토크나이저를 tokenizers 라이브러리로 변환해 저장하세요."
        )
    return match_tokenizer_to_model(tokenizer, model_config or AutoConfig.from_pretrained(pretrained))


@dataclass(frozen=True)
class PairLayout:
    """Where a tokenizer puts its special tokens around a pair of texts (question and context, premise and hypothesis).

    Attributes:
        prefix: Ids before the first text (``[CLS]`` for BERT, ``<s>`` for RoBERTa).
        middle: Ids between the texts (``[SEP]``; ``</s></s>`` for RoBERTa).
        suffix: Ids after the second text (``[SEP]``, ``</s>``).
        prefix_type: ``token_type_ids`` value of the prefix and the first text.
        middle_type: ``token_type_ids`` value of the middle tokens.
        context_type: ``token_type_ids`` value of the second text and the suffix.
    """

    prefix: tuple[int, ...]
    middle: tuple[int, ...]
    suffix: tuple[int, ...]
    prefix_type: int
    middle_type: int
    context_type: int

    @property
    def special_tokens(self) -> int:
        """How many special tokens a pair gets: 3 for BERT and ELECTRA, 4 for RoBERTa."""
        return len(self.prefix) + len(self.middle) + len(self.suffix)


def pair_layout(tokenizer: PreTrainedTokenizerBase) -> PairLayout:
    """Read the special-token layout off the tokenizer by encoding a probe pair (works for BERT, ELECTRA, RoBERTa)."""
    probe = tokenizer("a", "b", return_token_type_ids=True)
    sequence_ids = probe.sequence_ids(0)
    ids, types = probe["input_ids"], probe["token_type_ids"]
    first_question = sequence_ids.index(0)
    last_question = len(sequence_ids) - 1 - sequence_ids[::-1].index(0)
    first_context = sequence_ids.index(1)
    last_context = len(sequence_ids) - 1 - sequence_ids[::-1].index(1)
    middle_types = types[last_question + 1:first_context] or [types[first_context]]
    return PairLayout(
        prefix=tuple(ids[:first_question]),
        middle=tuple(ids[last_question + 1:first_context]),
        suffix=tuple(ids[last_context + 1:]),
        prefix_type=types[first_question],
        middle_type=middle_types[0],
        context_type=types[first_context],
    )


def input_layout(tokenizer: PreTrainedTokenizerBase) -> str:
    """One text and a pair written with this tokenizer's own special tokens, e.g. ``<s> A </s></s> B </s>``."""

    def template(*texts: str) -> tuple[str, int]:
        encoded = tokenizer(*texts)
        parts: list[str] = []
        specials = 0
        for token, sequence in zip(tokenizer.convert_ids_to_tokens(encoded["input_ids"]), encoded.sequence_ids(0)):
            if sequence is None:
                parts.append(token)
                specials += 1
            elif not parts or parts[-1] != "AB"[sequence]:
                parts.append("AB"[sequence])
        return " ".join(parts), specials

    (one, one_specials), (pair, pair_specials) = template("a"), template("a", "b")
    return f"문장 하나: {one} (특수 토큰 {one_specials}개) / 문장 쌍: {pair} (특수 토큰 {pair_specials}개)"


def tokenizer_summary(tokenizer: PreTrainedTokenizerBase) -> str:
    """What a learner should know about the tokenizer before preprocessing: kind, vocabulary, special tokens, inputs."""
    segments = ("token_type_ids(문장 A는 0, 문장 B는 1)도 모델에 넣습니다" if sends_token_type_ids(tokenizer)
                else "token_type_ids는 넣지 않습니다(이 모델에는 문장 A/B를 구분하는 세그먼트 임베딩이 없습니다)")
    longest = (f"최대 길이 {tokenizer.model_max_length:,}토큰" if tokenizer.model_max_length < 10**6  # else "no limit" (1e30)
               else "최대 길이는 모델 설정을 따름")
    return "\n".join([
        f"{type(tokenizer).__name__}({'빠른 토크나이저' if tokenizer.is_fast else '느린 토크나이저'}), 어휘 {len(tokenizer):,}개, "
        f"{longest}",
        input_layout(tokenizer),
        f"모델 입력: {', '.join(tokenizer.model_input_names)}. {segments}.",
    ])


def model_summary(model: PreTrainedModel, auto_class: type | None = None) -> str:
    """Which class ``AutoModelFor...`` chose for the checkpoint, and the shape facts that matter for the chapter."""
    config = model.config
    chosen = f"{auto_class.__name__}가 고른 클래스: " if auto_class is not None else "모델 클래스: "
    limit = max_input_length(config)
    positions = getattr(config, "max_position_embeddings", None)
    length = (f"입력 최대 {limit}토큰(위치 임베딩 {positions}개"
              + (f", 그중 앞 {positions - limit}개는 패딩 번호 때문에 쓰지 않음)" if limit != positions else ")")
              if limit is not None else "입력 길이 제한 없음(상대 위치)")
    segments = getattr(config, "type_vocab_size", None)
    return "\n".join([
        f"{chosen}{type(model).__name__} (model_type={config.model_type})",
        f"층 {config.num_hidden_layers}개, 은닉 크기 {config.hidden_size}, 어텐션 헤드 {config.num_attention_heads}개, "
        f"어휘 {config.vocab_size:,}개, {length}, 세그먼트 임베딩 {segments if segments is not None else 0}개",
        f"파라미터 {model.num_parameters():,}개",
    ])


def _key_groups(keys: Sequence[str]) -> str:
    """``cls.predictions.*``-style groups (two name parts) with counts: a table of 200 names says less."""
    groups: dict[str, int] = {}
    for key in sorted(keys):
        parts = key.split(".")
        group = ".".join(parts[:2]) + (".*" if len(parts) > 2 else "")
        groups[group] = groups.get(group, 0) + 1
    return ", ".join(f"{group}({count})" if count > 1 else group for group, count in groups.items())


PRETRAINING_HEADS = {
    "cls.": " (사전 학습 과제 MLM·NSP의 머리입니다)",
    "lm_head.": " (RoBERTa 사전 학습 과제 MLM의 머리입니다)",
    "discriminator_predictions.": " (ELECTRA 사전 학습 과제인 '바뀐 토큰 찾기'의 판별기 머리입니다)",
}
"""Checkpoint weights that only a family's pretraining task uses, by name prefix (BERT, RoBERTa, ELECTRA)."""


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
        heads = next((text for prefix, text in PRETRAINING_HEADS.items() if all(key.startswith(prefix) for key in unexpected)),
                     "")
        lines.append(
            f"쓰지 않은 체크포인트 가중치 {len(unexpected)}개: {_key_groups(unexpected)}{heads}. "
            "새 모델에는 이 가중치를 쓸 곳이 없어 불러오지 않습니다."
        )
    if mismatched:
        names = [entry[0] if isinstance(entry, tuple | list) else str(entry) for entry in mismatched]
        lines.append(f"모양이 달라 새로 초기화한 가중치 {len(names)}개: {_key_groups(names)}.")
    if not lines:
        return "체크포인트의 가중치를 빠짐없이 그대로 불러왔습니다."
    return "\n".join(lines)
