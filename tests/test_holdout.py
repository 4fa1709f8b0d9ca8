"""The held-out validation split: whole groups, seeded, the asked size, and each chapter's group key on its sample."""

from __future__ import annotations

from collections import Counter

import pytest

import nbhelpers.classification
import nbhelpers.ner
import nbhelpers.pretraining
import nbhelpers.qa  # noqa: F401 (the chapters register their corpora)
from nbhelpers.holdout import hold_out
from nbhelpers.ner.examples import NERExample, holdout_key
from nbhelpers.registry import get_corpus, sample_files


def test_whole_groups_seeded_and_sized() -> None:
    items = [(group, index) for group in range(50) for index in range(4)]  # 50 groups of 4
    split = hold_out(items, key=lambda item: item[0], fraction=0.1, max_examples=1000, seed=3, group="묶음")
    assert len(split.val) == 20 and split.val_groups == 5 and split.train_groups == 45
    assert not {g for g, _ in split.train} & {g for g, _ in split.val}
    assert split.train + split.val != items and sorted(split.train + split.val) == items
    assert split.train == [item for item in items if item in split.train]  # original order kept
    again = hold_out(items, key=lambda item: item[0], fraction=0.1, max_examples=1000, seed=3)
    other = hold_out(items, key=lambda item: item[0], fraction=0.1, max_examples=1000, seed=4)
    assert again.val == split.val and other.val != split.val
    capped = hold_out(items, key=lambda item: item[0], fraction=0.5, max_examples=8, seed=3)
    assert len(capped.val) == 8
    assert "200개" in split.summary() and "5묶음(20개, 10.0%)" in split.summary() and "시드 3" in split.summary()


def test_at_least_one_example_and_one_training_group() -> None:
    split = hold_out(["a", "b"], key=str, fraction=0.01, max_examples=10, seed=0)
    assert len(split.val) == 1 and len(split.train) == 1
    split = hold_out(["a", "a", "b"], key=str, fraction=0.9, max_examples=10, seed=0)
    assert split.train and split.val
    # NSP needs two documents on each side, however small the fraction.
    split = hold_out(list("abcdefgh"), key=str, fraction=0.01, max_examples=10, seed=0, min_groups=2)
    assert len(split.val) == 2 and len(split.train) == 6
    with pytest.raises(ValueError, match="묶음 3개뿐"):
        hold_out(list("abc"), key=str, fraction=0.5, max_examples=10, seed=0, min_groups=2)


@pytest.mark.parametrize(("fraction", "max_examples", "items", "message"), [
    (0.0, 10, ["a", "b"], "holdout_fraction"),
    (1.0, 10, ["a", "b"], "holdout_fraction"),
    (0.1, 0, ["a", "b"], "holdout_max_examples"),
    (0.1, 10, ["a", "a"], "묶음 1개뿐"),
])
def test_refuses_what_cannot_work(fraction: float, max_examples: int, items: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hold_out(items, key=str, fraction=fraction, max_examples=max_examples, seed=0)


def test_group_keys_of_the_chapters_keep_related_examples_together() -> None:
    """Each chapter's key on its embedded sample: nothing of a held-out group is left in training."""
    nsmc = get_corpus("nsmc").read(sample_files(get_corpus("nsmc"), "train"))
    assert max(Counter(e.text_a for e in nsmc).values()) > 1  # the sample has reviews written twice
    split = hold_out(nsmc, key=lambda e: e.text_a, fraction=0.2, max_examples=5000, seed=7)
    assert not {e.text_a for e in split.train} & {e.text_a for e in split.val}

    nli = get_corpus("klue-nli").read(sample_files(get_corpus("klue-nli"), "train"))
    split = hold_out(nli, key=lambda e: e.text_a, fraction=0.2, max_examples=5000, seed=7)
    assert not {e.text_a for e in split.train} & {e.text_a for e in split.val}

    qa = get_corpus("korquad-v1").read(sample_files(get_corpus("korquad-v1"), "train"))
    split = hold_out(qa, key=lambda e: e.context, fraction=0.2, max_examples=5000, seed=7)
    assert not {e.context for e in split.train} & {e.context for e in split.val}


def test_ner_key_is_the_source_file_when_there_are_enough_files() -> None:
    files = [NERExample(f"{i:05d}_NER.txt:block {j}", f"문장 {i} {j}", ()) for i in range(12) for j in range(3)]
    key, group = holdout_key(files)
    assert key(files[0]) == "00000_NER.txt" and "파일" in group
    split = hold_out(files, key=key, fraction=0.2, max_examples=100, seed=1)
    assert not {key(e) for e in split.train} & {key(e) for e in split.val}
    # One file (the embedded sample, a learner's single file) or KLUE ids: by sentence, duplicates together.
    one_file = [NERExample(f"ner_train.txt:line {i}", f"문장 {i % 5}", ()) for i in range(20)]
    key, group = holdout_key(one_file)
    assert key(one_file[0]) == "문장 0" and "문장" in group
    sample = get_corpus("ner").read(sample_files(get_corpus("ner"), "train"))
    key, _ = holdout_key(sample)
    split = hold_out(sample, key=key, fraction=0.2, max_examples=5000, seed=7)
    assert not {e.text for e in split.train} & {e.text for e in split.val}
