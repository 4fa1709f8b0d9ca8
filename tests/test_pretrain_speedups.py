"""Chapter 1's cheaper and sturdier pretraining: the MLM head on masked positions only (same loss), a
batch without masked positions, NSP pairs drawn anew each epoch, and whole-word masking."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from transformers import BertForPreTraining

from nbhelpers.batching import make_batch_sampler
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.pretraining.kowikitext import read_kowikitext
from nbhelpers.pretraining.masking import PadMaskedCollator, WholeWordMaskCollator, mlm_collator
from nbhelpers.pretraining.model import bert_config_for
from nbhelpers.pretraining.nsp import EpochPairs, PretrainingDataset, build_nsp_examples, tokenize_documents
from nbhelpers.pretraining.task import PretrainingTask, mlm_nsp_outputs
from nbhelpers.registry import get_corpus, sample_files
from nbhelpers.training import make_trainer
from nbhelpers.wordpiece import train_wordpiece

CONFIG = PretrainConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                        max_seq_length=64, accelerator="cpu", batch_size=8)


@pytest.fixture(scope="module")
def documents() -> list[list[str]]:
    return read_kowikitext(sample_files(get_corpus("kowikitext"), "train"))


@pytest.fixture(scope="module")
def tokenizer(documents: list[list[str]], tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    sentences = [sentence for document in documents for sentence in document]
    return train_wordpiece(sentences, vocab_size=1000, save_dir=tmp_path_factory.mktemp("wordpiece"))


@pytest.fixture(scope="module")
def pairs(documents: list[list[str]], tokenizer) -> PretrainingDataset:  # noqa: ANN001
    return PretrainingDataset(build_nsp_examples(tokenize_documents(documents, tokenizer), tokenizer, 64))


def tiny_model(tokenizer) -> BertForPreTraining:  # noqa: ANN001
    torch.manual_seed(0)
    return BertForPreTraining(bert_config_for(CONFIG, tokenizer))


def test_masked_positions_only_give_the_full_projection_s_loss(tokenizer, pairs: PretrainingDataset) -> None:  # noqa: ANN001
    model = tiny_model(tokenizer).eval()  # no dropout: both ways must see the same hidden states
    torch.manual_seed(1)
    batch = mlm_collator(CONFIG, tokenizer, 0.15)([pairs[i] for i in range(16)])
    with torch.no_grad():
        full = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                     token_type_ids=batch["token_type_ids"])
    expected = F.cross_entropy(full.prediction_logits.view(-1, len(tokenizer)), batch["labels"].view(-1))
    masked = batch["labels"] != -100
    expected_correct = int((full.prediction_logits.argmax(-1)[masked] == batch["labels"][masked]).sum())
    for gather in (True, False):
        with torch.no_grad():
            mlm_sum, count, correct, nsp_logits = mlm_nsp_outputs(model, batch, gather=gather)
        assert int(count) == int(masked.sum()) > 0
        assert float(mlm_sum / count) == pytest.approx(float(expected), abs=1e-5)
        assert int(correct) == expected_correct
        assert torch.allclose(nsp_logits, full.seq_relationship_logits, atol=1e-6)


def test_a_batch_without_masked_positions_leaves_the_epoch_loss_finite(
    tokenizer, pairs: PretrainingDataset, tmp_path: Path  # noqa: ANN001
) -> None:
    collator = mlm_collator(CONFIG, tokenizer, 0.15)
    torch.manual_seed(2)
    items = []
    for index in range(24):
        item = pairs[index]
        masked = collator.torch_call([item])
        labels = masked["labels"][0, : len(item["input_ids"])].tolist()
        if index < 8:  # the first batch draws no masked position at all
            labels = [-100] * len(labels)
        items.append({**item, "input_ids": masked["input_ids"][0, : len(labels)].tolist(), "labels": labels})
    assert math.isnan(F.cross_entropy(torch.zeros(3, 5), torch.full((3,), -100)))  # what a mean over none gives
    loader = DataLoader(items, batch_size=8, collate_fn=PadMaskedCollator(tokenizer.pad_token_id))
    model = tiny_model(tokenizer).eval()
    with torch.no_grad():
        sums = [mlm_nsp_outputs(model, batch) for batch in loader]
    expected = float(sum(s[0] for s in sums) / sum(s[1] for s in sums))
    config = PretrainConfig(**{**CONFIG.__dict__, "model_dir": str(tmp_path), "devices": 1,
                               "precision": "32-true"})
    task = PretrainingTask(model, learning_rate=1e-3)
    result = make_trainer(config, monitor=task.monitor, mode=task.mode).validate(task, loader, verbose=False)[0]
    assert math.isfinite(result["val_mlm_loss"])
    assert result["val_mlm_loss"] == pytest.approx(expected, rel=1e-5)
    # Training on such a batch is a step of NSP alone, not a NaN that ruins the weights.
    batch = next(iter(loader))
    unattached = PretrainingTask(model.train(), learning_rate=1e-3)  # self.log only warns without a Trainer
    with pytest.warns(UserWarning, match="self.log"):
        loss = unattached.training_step(batch, 0)
    loss.backward()
    assert math.isfinite(float(loss.detach())) and all(
        p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters()
    )


def test_nsp_pairs_are_drawn_anew_each_epoch_and_reproducibly(documents: list[list[str]], tokenizer) -> None:  # noqa: ANN001
    tokenized = tokenize_documents(documents, tokenizer)
    dataset = EpochPairs(tokenized, tokenizer, 64, seed=3)
    again = EpochPairs(tokenized, tokenizer, 64, seed=3)
    first = [example.input_ids for example in dataset.examples]
    assert first == [e.input_ids for e in build_nsp_examples(tokenized, tokenizer, 64, seed=3)]
    dataset.set_epoch(1)
    second = [example.input_ids for example in dataset.examples]
    assert second != first
    again.set_epoch(1)  # another process, or a resumed run, draws the same pairs for the same epoch
    assert [example.input_ids for example in again.examples] == second
    dataset.set_epoch(0)
    assert [example.input_ids for example in dataset.examples] == first
    # Through the DataLoader: Lightning's set_epoch on the batch sampler reaches the pairs, and the
    # batches cover exactly that epoch's pairs.
    loader = DataLoader(dataset, batch_sampler=make_batch_sampler(dataset, CONFIG, train=True),
                        collate_fn=mlm_collator(CONFIG, tokenizer, 0.15))
    loader.batch_sampler.sampler.set_epoch(2)
    assert dataset.epoch == 2
    assert sum(len(batch["input_ids"]) for batch in loader) == len(dataset.examples)


def test_whole_word_masking_masks_every_piece_of_a_chosen_word(pairs: PretrainingDataset, tokenizer) -> None:  # noqa: ANN001
    collator = mlm_collator(CONFIG, tokenizer, 0.15, whole_word_mask=True)
    assert isinstance(collator, WholeWordMaskCollator)
    torch.manual_seed(4)
    items = [pairs[i] for i in range(len(pairs))]
    originals = [list(item["input_ids"]) for item in items]
    batch = collator(items)
    masked_pieces = pieces = words_with_pieces = 0
    for row, original, item in zip(range(len(items)), originals, items):
        labels = batch["labels"][row].tolist()
        tokens = tokenizer.convert_ids_to_tokens(original)
        special = item["special_tokens_mask"]
        word: list[int] = []
        words: list[list[int]] = []
        for position, token in enumerate(tokens):
            if special[position]:
                words.append(word)
                word = []
                continue
            if token.startswith("##") and word:
                word.append(position)
            else:
                words.append(word)
                word = [position]
        words.append(word)
        for positions in filter(None, words):
            chosen = {labels[p] != -100 for p in positions}
            assert len(chosen) == 1, [tokens[p] for p in positions]  # all pieces or none
            words_with_pieces += len(positions) > 1
        for position, label in enumerate(labels[: len(original)]):
            if special[position]:
                assert label == -100
            else:
                pieces += 1
                if label != -100:
                    masked_pieces += 1
                    assert label == original[position]
    assert words_with_pieces > 50  # the sample really has multi-piece words
    assert 0.11 < masked_pieces / pieces < 0.19
    replaced = (batch["input_ids"] == tokenizer.mask_token_id) & (batch["labels"] != -100)
    assert 0.7 < float(replaced.sum()) / masked_pieces < 0.9  # 80 % [MASK], the rest random or kept
