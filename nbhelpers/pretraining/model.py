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
