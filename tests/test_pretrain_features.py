"""NSP example builder and MLM masking of chapter 1."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from nbhelpers.holdout import hold_out
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.kowikitext import read_kowikitext
from nbhelpers.pretraining.masking import PadMaskedCollator, mask_once, mlm_collator
from nbhelpers.pretraining.nsp import (
    RANDOM_NEXT,
    PretrainingDataset,
    build_nsp_examples,
    tokenize_documents,
)
from nbhelpers.registry import get_corpus, sample_files
from nbhelpers.wordpiece import train_wordpiece

CLS, SEP = 2, 3
FAKE_TOKENIZER = SimpleNamespace(cls_token_id=CLS, sep_token_id=SEP)


def synthetic_documents(count: int = 200, seed: int = 0) -> list[list[list[int]]]:
    """Token ids encode (document, sentence, position), so every token tells where it came from."""
    rng = random.Random(seed)
    documents = []
    for d in range(count):
        sentences = []
        for s in range(rng.randint(1, 8)):
            sentences.append([1_000_000 * (d + 1) + 1000 * s + t for t in range(rng.randint(3, 25))])
        documents.append(sentences)
    return documents


def origin(token: int) -> tuple[int, int, int]:
    return token // 1_000_000 - 1, token // 1000 % 1000, token % 1000


def segments(ids: list[int], types: list[int]) -> tuple[list[int], list[int]]:
    first_sep = types.index(1) - 1
    return ids[1:first_sep], ids[first_sep + 1 : -1]


@pytest.mark.parametrize("max_seq_length", [16, 64, 128])
def test_nsp_examples_respect_documents_budget_and_types(max_seq_length: int) -> None:
    documents = synthetic_documents()
    examples = build_nsp_examples(documents, FAKE_TOKENIZER, max_seq_length, short_seq_probability=0.1, seed=1)
    assert len(examples) > 150
    for example in examples:
        ids, types = example.input_ids, example.token_type_ids
        assert len(ids) == len(types) <= max_seq_length
        assert ids[0] == CLS and ids[-1] == SEP and ids.count(SEP) == 2
        boundary = types.index(1)
        assert ids[boundary - 1] == SEP
        assert types == [0] * boundary + [1] * (len(ids) - boundary)
        tokens_a, tokens_b = segments(ids, types)
        assert tokens_a and tokens_b
        assert {origin(t)[0] for t in tokens_a} == {example.document}
        assert {origin(t)[0] for t in tokens_b} == {example.b_document}
        if example.next_sentence_label == RANDOM_NEXT:
            assert example.b_document != example.document
        else:
            assert example.b_document == example.document
            # B starts in a later sentence than A ends: it really comes after A in the document.
            assert origin(tokens_b[0])[1] > origin(tokens_a[-1])[1]
    random_share = sum(e.next_sentence_label == RANDOM_NEXT for e in examples) / len(examples)
    assert 0.4 < random_share < 0.6


def test_consecutive_segments_without_truncation_are_contiguous() -> None:
    documents = synthetic_documents(count=50, seed=3)
    examples = build_nsp_examples(documents, FAKE_TOKENIZER, 512, short_seq_probability=0.0, seed=2)
    for example in examples:
        if example.next_sentence_label != RANDOM_NEXT:
            tokens_a, tokens_b = segments(example.input_ids, example.token_type_ids)
            sentences = [origin(t)[1] for t in tokens_a + tokens_b]
            document = documents[example.document]
            expected = [t for s in range(sentences[0], sentences[-1] + 1) for t in document[s]]
            assert tokens_a + tokens_b == expected


def test_short_seq_probability_makes_short_examples() -> None:
    documents = synthetic_documents()
    lengths = [len(e.input_ids) for e in build_nsp_examples(documents, FAKE_TOKENIZER, 128, 1.0, seed=4)]
    full = [len(e.input_ids) for e in build_nsp_examples(documents, FAKE_TOKENIZER, 128, 0.0, seed=4)]
    assert len(lengths) > len(full)
    assert sum(lengths) / len(lengths) < 0.9 * sum(full) / len(full)


def test_long_sentences_are_truncated_from_both_ends() -> None:
    documents = [[list(range(1000 * (d + 1), 1000 * (d + 1) + 300))] * 3 for d in range(20)]
    examples = build_nsp_examples(documents, FAKE_TOKENIZER, 32, short_seq_probability=0.0, seed=5)
    assert all(len(e.input_ids) == 32 for e in examples)
    starts = {segments(e.input_ids, e.token_type_ids)[0][0] % 1000 for e in examples}
    assert len(starts) > 1  # some pairs lost tokens at the front, not only at the back


def test_needs_two_documents() -> None:
    with pytest.raises(ValueError, match="문서가 2개 이상 있어야 하는데 1개입니다"):
        build_nsp_examples([[[5, 6], [7, 8]]], FAKE_TOKENIZER, 32)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    documents = read_kowikitext(sample_files(get_corpus("kowikitext"), "train"))
    return train_wordpiece([s for d in documents for s in d], 1000, tmp_path_factory.mktemp("wp"))


@pytest.fixture(scope="module")
def dataset(tokenizer) -> PretrainingDataset:  # noqa: ANN001
    documents = read_kowikitext(sample_files(get_corpus("kowikitext"), "train"))
    return PretrainingDataset(build_nsp_examples(tokenize_documents(documents, tokenizer), tokenizer, 64, seed=1))


def test_masking_never_touches_special_tokens(tokenizer, dataset: PretrainingDataset) -> None:  # noqa: ANN001
    config = PretrainConfig(accelerator="cpu")
    special_ids = set(tokenizer.all_special_ids) - {tokenizer.mask_token_id}
    for probability in (1.0, 0.15):
        collator = mlm_collator(config, tokenizer, probability)
        for start in range(0, len(dataset), 16):
            items = [dataset[i] for i in range(start, min(start + 16, len(dataset)))]
            batch = collator(items)
            assert set(batch) >= {"input_ids", "token_type_ids", "attention_mask", "labels", "next_sentence_label"}
            original = torch.full_like(batch["input_ids"], tokenizer.pad_token_id)
            for row, item in enumerate(items):
                original[row, : len(item["input_ids"])] = torch.tensor(item["input_ids"])
            is_special = torch.isin(original, torch.tensor(sorted(special_ids)))
            assert (batch["labels"][is_special] == -100).all()
            assert (batch["input_ids"][is_special] == original[is_special]).all()
            masked = batch["labels"] != -100
            assert (batch["labels"][masked] == original[masked]).all()
            if probability == 1.0:
                assert (masked == ~is_special).all()


def test_masking_rates(tokenizer, dataset: PretrainingDataset) -> None:  # noqa: ANN001
    torch.manual_seed(0)
    collator = mlm_collator(PretrainConfig(accelerator="cpu"), tokenizer, 0.15)
    chosen = replaced_by_mask = candidates = 0
    for _ in range(20):
        batch = collator([dataset[i] for i in range(len(dataset))])
        candidates += int((batch["attention_mask"].sum() - 3 * len(dataset)))
        masked = batch["labels"] != -100
        chosen += int(masked.sum())
        replaced_by_mask += int((batch["input_ids"][masked] == tokenizer.mask_token_id).sum())
    assert 0.13 < chosen / candidates < 0.17
    assert 0.76 < replaced_by_mask / chosen < 0.84


def test_validation_masks_are_fixed_and_padded_with_ignore_index(
    tokenizer, dataset: PretrainingDataset  # noqa: ANN001
) -> None:
    collator = mlm_collator(PretrainConfig(accelerator="cpu"), tokenizer, 0.15)
    first, second = mask_once(dataset, collator, seed=3), mask_once(dataset, collator, seed=3)
    assert [first[i] for i in range(len(first))] == [second[i] for i in range(len(second))]
    batch = PadMaskedCollator(tokenizer.pad_token_id, pad_to_multiple_of=8)([first[i] for i in range(8)])
    assert batch["input_ids"].shape[1] % 8 == 0
    padding = batch["attention_mask"] == 0
    assert (batch["labels"][padding] == -100).all() and (batch["input_ids"][padding] == tokenizer.pad_token_id).all()
    assert batch["next_sentence_label"].shape == (8,)


def test_hold_out_keeps_documents_whole() -> None:
    documents = [[f"문서 {i} 문장 {j}." for j in range(3)] for i in range(40)]
    split = hold_out(documents, key=lambda document: hash(tuple(document)), fraction=0.1, max_examples=100, seed=1)
    assert len(split.val) == 4 and len(split.train) == 36
    assert not {s for d in split.train for s in d} & {s for d in split.val for s in d}


def test_tokenize_documents_keeps_document_structure(tokenizer, tmp_path: Path) -> None:  # noqa: ANN001
    tokenized = tokenize_documents([["서울은 수도이다.", "한강이 흐른다."], [""], ["제주는 섬이다."]], tokenizer)
    assert len(tokenized) == 2 and len(tokenized[0]) == 2
    assert tokenizer.decode(tokenized[1][0]) == "제주는 섬이다."
