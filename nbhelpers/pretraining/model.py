"""The BERT that chapter 1 trains from scratch: its configuration from the chapter settings and the tokenizer."""

from __future__ import annotations

from transformers import BertConfig, PreTrainedTokenizerBase

from nbhelpers.pretraining.config import PretrainConfig


def bert_config_for(config: PretrainConfig, tokenizer: PreTrainedTokenizerBase) -> BertConfig:
    """The BERT shell's size from the chapter config; vocabulary and special ids from the tokenizer.

    ``max_position_embeddings`` is ``max_seq_length``: positions the model never saw in pretraining
    would stay random, so a later chapter asking for longer inputs gets a clear error instead.
    """
    return BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_seq_length,
        type_vocab_size=2,
        pad_token_id=tokenizer.pad_token_id,
    )


BERT_CONFIG_FIELDS = {
    "vocab_size": "어휘 크기: 단어 임베딩 표의 행 수이자 MLM 머리가 점수를 매기는 후보 수",
    "hidden_size": "은닉 크기: 토큰 하나를 나타내는 벡터의 차원",
    "num_hidden_layers": "트랜스포머 층(인코더 블록) 수",
    "num_attention_heads": "층마다 셀프 어텐션 헤드 수 (hidden_size가 이 수로 나누어떨어져야 함)",
    "intermediate_size": "층마다 피드포워드 신경망의 중간 차원 (보통 hidden_size의 4배)",
    "max_position_embeddings": "위치 임베딩 수: 입력이 이보다 길면 모델이 받을 수 없음",
    "type_vocab_size": "세그먼트 종류 수: token_type_ids 0(문장 A)과 1(문장 B)",
    "hidden_dropout_prob": "학습 중 은닉 벡터의 일부를 0으로 만드는 비율 (과적합 방지)",
    "attention_probs_dropout_prob": "학습 중 어텐션 확률의 일부를 0으로 만드는 비율",
    "pad_token_id": "[PAD] 토큰의 ID (임베딩이 학습되지 않는 자리)",
}
"""The ``BertConfig`` fields that decide the model's shape, with what each means (the book's table)."""


def describe_bert_config(bert_config: BertConfig) -> str:
    """One line per shape-deciding ``BertConfig`` field: name, value, meaning; the other fields are defaults."""
    width = max(len(name) for name in BERT_CONFIG_FIELDS)
    values = {name: str(getattr(bert_config, name)) for name in BERT_CONFIG_FIELDS}
    value_width = max(len(value) for value in values.values())
    return "\n".join(
        f"{name:<{width}}  {values[name]:>{value_width}}  {meaning}" for name, meaning in BERT_CONFIG_FIELDS.items()
    )
