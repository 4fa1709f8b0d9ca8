"""Batching rules every chapter shares: length order for evaluation, and one padding rule for training and prediction."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nbhelpers.batching import length_order, pad_to_multiple_of, padding_for, padding_options
from nbhelpers.config import DownstreamConfig
from nbhelpers.predictor import Predictor


def test_length_order_is_longest_first_and_restores_input_order() -> None:
    lengths = [3, 9, 1, 9, 4]
    order = length_order(lengths)
    assert [lengths[i] for i in order] == [9, 9, 4, 3, 1]
    assert order[:2] == [1, 3]  # stable for equal lengths
    outputs = [f"out{i}" for i in order]  # what a model returns in sorted order
    restored = [""] * len(lengths)
    for position, index in enumerate(order):
        restored[index] = outputs[position]
    assert restored == [f"out{i}" for i in range(len(lengths))]


@pytest.mark.parametrize(
    ("accelerator", "device", "expected", "multiple"),
    [
        ("tpu", "xla", {"padding": "max_length", "max_length": 64}, 64),
        ("gpu", "cuda", {"padding": "longest", "pad_to_multiple_of": 8}, 8),
        ("cpu", "cpu", {"padding": "longest"}, None),
    ],
)
def test_training_and_prediction_pad_by_the_same_rule(
    accelerator: str, device: str, expected: dict, multiple: int | None
) -> None:
    config = DownstreamConfig(accelerator=accelerator, max_seq_length=64)
    predictor = object.__new__(Predictor)  # only its device matters here; no model needed
    predictor.device = SimpleNamespace(type=device)
    assert padding_options(config) == predictor.padding(64) == padding_for(accelerator, 64) == expected
    # DataCollatorForLanguageModeling takes only a multiple: on a TPU that multiple is max_seq_length.
    assert pad_to_multiple_of(config) == multiple
