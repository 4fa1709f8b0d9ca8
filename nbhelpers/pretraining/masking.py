"""Masked language modelling inputs: 15 % of tokens masked anew each batch (80/10/10), validation masked once.

Training batches are masked by the collator, so every epoch sees new masks; validation examples are
masked once with a fixed seed (:func:`mask_once`) and only padded afterwards, so validation loss is
comparable across epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.data import Dataset
from transformers import DataCollatorForLanguageModeling, PreTrainedTokenizerBase

from nbhelpers.batching import pad_to_multiple_of
from nbhelpers.config import BaseConfig
from nbhelpers.pretraining.nsp import PretrainingDataset
from nbhelpers.text import pad


def mlm_collator(
    config: BaseConfig, tokenizer: PreTrainedTokenizerBase, mlm_probability: float, whole_word_mask: bool = False
) -> DataCollatorForLanguageModeling:
    """Pads each batch by the accelerator's rule and masks it anew: 80 % ``[MASK]``, 10 % random, 10 % kept.

    ``whole_word_mask=True`` chooses words instead of word pieces (:class:`WholeWordMaskCollator`).
    """
    collator = WholeWordMaskCollator if whole_word_mask else DataCollatorForLanguageModeling
    return collator(
        tokenizer, mlm=True, mlm_probability=mlm_probability, pad_to_multiple_of=pad_to_multiple_of(config)
    )


class WholeWordMaskCollator(DataCollatorForLanguageModeling):
    """Masks whole words: a word's ``##`` continuation pieces are chosen together with its first piece.

    With word pieces masked one by one, ``서울##특별##시`` with only ``##특별`` masked is easy to fill
    from its neighbours; Google's whole-word-masking BERT masks every piece of a chosen word instead.
    Each word is chosen with ``mlm_probability``, so the share of masked pieces stays 15 % on average,
    and every chosen piece is then replaced as usual: 80 % ``[MASK]``, 10 % a random token, 10 % kept.

    transformers 5 has ``DataCollatorForLanguageModeling(whole_word_mask=True)``, but it finds words
    through character offsets (an ``offset_mapping`` entry in every example), which NSP pairs built from
    token ids do not carry, and it replaces every chosen piece with ``[MASK]`` (no random or kept
    tokens). Here words come from WordPiece's own mark: a piece starting with ``##`` continues the
    word before it. A piece right after ``[CLS]`` or ``[SEP]`` starts a word even if it is a ``##``
    piece (segment B may begin mid-word after truncation).
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        pieces = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
        self._continues = torch.tensor([piece.startswith("##") for piece in pieces])

    def torch_mask_tokens(
        self, inputs: torch.Tensor, special_tokens_mask: Any | None = None, offset_mapping: Any | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        labels = inputs.clone()
        if special_tokens_mask is None:
            special_tokens_mask = [
                self.tokenizer.get_special_tokens_mask(row, already_has_special_tokens=True) for row in labels.tolist()
            ]
        special = torch.as_tensor(special_tokens_mask, dtype=torch.bool)
        if self.tokenizer.pad_token_id is not None:
            special |= inputs == self.tokenizer.pad_token_id
        after_special = torch.roll(special, 1, dims=1)
        after_special[:, 0] = True
        starts = ~special & (~self._continues[inputs] | after_special)
        # Word number of every piece (continuation pieces share their first piece's); specials never count.
        word_ids = torch.cumsum(starts.long(), dim=1)
        chosen_starts = torch.bernoulli(torch.full(labels.shape, self.mlm_probability), generator=self.generator).bool()
        chosen_starts &= starts
        chosen_words = torch.zeros(labels.shape[0], labels.shape[1] + 1, dtype=torch.bool)
        chosen_words.scatter_(1, torch.where(starts, word_ids, 0), chosen_starts)  # slot 0 only ever gets False
        masked = chosen_words.gather(1, word_ids) & ~special
        labels[~masked] = -100
        replaced = (
            torch.bernoulli(torch.full(labels.shape, self.mask_replace_prob), generator=self.generator).bool() & masked
        )
        inputs[replaced] = self.tokenizer.mask_token_id
        remaining = 1 - self.mask_replace_prob
        if remaining > 0 and self.random_replace_prob > 0:
            random_share = self.random_replace_prob / remaining
            randomised = (
                torch.bernoulli(torch.full(labels.shape, random_share), generator=self.generator).bool()
                & masked
                & ~replaced
            )
            random_tokens = torch.randint(len(self.tokenizer), labels.shape, dtype=torch.long, generator=self.generator)
            inputs[randomised] = random_tokens[randomised]
        return inputs, labels


class MaskedDataset(Dataset):
    """A dataset masked once (fixed seed): the same validation inputs and labels every epoch."""

    def __init__(self, items: list[dict[str, list[int] | int]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, list[int] | int]:
        return self.items[index]


def mask_once(dataset: PretrainingDataset, collator: DataCollatorForLanguageModeling, seed: int) -> MaskedDataset:
    """Apply ``collator``'s masking to every example once, reproducibly, and keep the unpadded result."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    items: list[dict[str, list[int] | int]] = []
    try:
        for index in range(len(dataset)):
            item = dataset[index]
            batch = collator.torch_call([item])
            length = len(item["input_ids"])
            items.append(
                {
                    "input_ids": batch["input_ids"][0, :length].tolist(),
                    "token_type_ids": item["token_type_ids"],
                    "attention_mask": item["attention_mask"],
                    "labels": batch["labels"][0, :length].tolist(),
                    "next_sentence_label": item["next_sentence_label"],
                }
            )
    finally:
        torch.random.set_rng_state(generator_state)
    return MaskedDataset(items)


class PadMaskedCollator:
    """Pads already-masked examples: ``[PAD]`` inputs, attention 0 and label -100 on the padding."""

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        length = max(len(item["input_ids"]) for item in items)
        if self.pad_to_multiple_of:
            length = -(-length // self.pad_to_multiple_of) * self.pad_to_multiple_of
        pads = {"input_ids": self.pad_token_id, "token_type_ids": 0, "attention_mask": 0, "labels": -100}
        batch = {
            key: torch.tensor([item[key] + [value] * (length - len(item[key])) for item in items])
            for key, value in pads.items()
        }
        batch["next_sentence_label"] = torch.tensor([item["next_sentence_label"] for item in items])
        return batch


def masking_table(
    tokenizer: PreTrainedTokenizerBase, original: Sequence[int], masked: Sequence[int], labels: Sequence[int]
) -> str:
    """Before/after masking, one changed position per line: what the model sees and what it must predict."""
    lines = []
    for position, (before, after, label) in enumerate(zip(original, masked, labels)):
        if label == -100:
            continue
        kind = "[MASK]" if after == tokenizer.mask_token_id else ("그대로" if after == before else "무작위 토큰")
        lines.append(
            f"{position:>4}  {pad(tokenizer.convert_ids_to_tokens(before), 10)} -> "
            f"{pad(tokenizer.convert_ids_to_tokens(after), 10)} ({kind})"
        )
    return "\n".join(lines)
