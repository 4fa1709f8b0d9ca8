from __future__ import annotations

from nbhelpers.batching import length_order


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
