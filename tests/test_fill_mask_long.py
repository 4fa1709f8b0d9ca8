"""Chapter 1's pseudo-log-likelihood on sentences longer than the model's positions (real text is)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import BertForPreTraining

from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.model import bert_config_for
from nbhelpers.wordpiece import train_wordpiece


def test_a_sentence_longer_than_the_positions_is_scored_on_what_fits(
    tmp_path: Path, pseudo_log_likelihood: Callable[[Any, Any, str], float]
) -> None:
    tokenizer = train_wordpiece(["서울은 수도이다.", "부산은 항구이다."] * 5, 100, tmp_path)
    torch.manual_seed(0)
    config = PretrainConfig(hidden_size=32, num_attention_heads=2, intermediate_size=64, num_hidden_layers=1,
                            max_seq_length=16)
    model = BertForPreTraining(bert_config_for(config, tokenizer)).eval()
    assert model.config.max_position_embeddings == 16
    long_sentence = " ".join(["서울은 수도이다."] * 40)
    assert len(tokenizer(long_sentence)["input_ids"]) > 16
    score = pseudo_log_likelihood(model, tokenizer, long_sentence)
    assert math.isfinite(score) and -math.log(len(tokenizer)) * 2 < score < 0
    # Scored on the first 14 tokens: the same as the sentence cut to what fits.
    fitting = tokenizer.decode(tokenizer(long_sentence)["input_ids"][1:15])
    assert score == pytest.approx(pseudo_log_likelihood(model, tokenizer, fitting), abs=1e-6)


def test_the_predictor_never_feeds_more_tokens_than_the_model_has_positions(tmp_path: Path) -> None:
    from nbhelpers.pretraining.fill_mask import MaskedLanguageModel

    tokenizer = train_wordpiece(["서울은 수도이다.", "부산은 항구이다."] * 5, 100, tmp_path)
    config = PretrainConfig(hidden_size=32, num_attention_heads=2, intermediate_size=64, num_hidden_layers=1,
                            max_seq_length=16)
    model = BertForPreTraining(bert_config_for(config, tokenizer)).eval()
    scorer = MaskedLanguageModel(model, tokenizer, device="cpu")  # the default max_seq_length is 128
    assert scorer.max_seq_length == 16
    (score,) = scorer.pseudo_log_likelihoods([" ".join(["서울은 수도이다."] * 40)])
    assert math.isfinite(score)
