"""Pretraining features: next-sentence-prediction pairs built from documents, and MLM masking.

BERT learns from two tasks at once. For NSP, each example is ``[CLS] A [SEP] B [SEP]`` where A is a
run of consecutive sentences of one document and B is either the sentences that really follow
(label 0) or sentences of another document (label 1). The builder follows the original BERT recipe
(``create_pretraining_data.py``): segments fill ``max_seq_length``, a fraction of examples aim at a
shorter random length so the model also sees short inputs, the sentences a random B displaced are
put back for the next example, and an over-long pair is cut from the longer side at its front or back
at random. For MLM, ``DataCollatorForLanguageModeling`` masks 15 % of the non-special tokens of each
batch anew (80 % ``[MASK]``, 10 % a random token, 10 % unchanged), so every epoch sees new masks.
Validation examples are masked once with a fixed seed, so validation loss is comparable across epochs.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset
from transformers import DataCollatorForLanguageModeling, PreTrainedTokenizerBase

from nbhelpers.config import BaseConfig

ENCODE_BATCH = 4096
IS_NEXT = 0
RANDOM_NEXT = 1
"""``BertForPreTraining``'s convention: label 0 means B continues A, 1 means B is random."""


@dataclass(frozen=True)
class NspExample:
    """One pretraining input before masking.

    Attributes:
        input_ids: ``[CLS] A [SEP] B [SEP]`` as token ids.
        token_type_ids: 0 for ``[CLS]``, A and the first ``[SEP]``; 1 for B and the last ``[SEP]``.
        next_sentence_label: 0 when B really follows A, 1 when B comes from another document.
        document: Index of the document A was taken from.
        b_document: Index of the document B was taken from (equal to ``document`` when label is 0).
    """

    input_ids: list[int]
    token_type_ids: list[int]
    next_sentence_label: int
    document: int
    b_document: int


def tokenize_documents(
    documents: Sequence[Sequence[str]], tokenizer: PreTrainedTokenizerBase
) -> list[list[list[int]]]:
    """Token ids of every sentence (no special tokens), kept in their documents; empty sentences dropped."""
    flat = [sentence for document in documents for sentence in document]
    ids: list[list[int]] = []
    for start in range(0, len(flat), ENCODE_BATCH):
        ids.extend(tokenizer(flat[start : start + ENCODE_BATCH], add_special_tokens=False)["input_ids"])
    tokenized: list[list[list[int]]] = []
    position = 0
    for document in documents:
        sentences = [sentence for sentence in ids[position : position + len(document)] if sentence]
        position += len(document)
        if sentences:
            tokenized.append(sentences)
    return tokenized


def truncate_pair(tokens_a: list[int], tokens_b: list[int], max_tokens: int, rng: random.Random) -> None:
    """Shorten the longer segment, one token at a time from its front or back (at random), until both fit."""
    while len(tokens_a) + len(tokens_b) > max_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _random_segment(
    documents: list[list[list[int]]], exclude: int, target_length: int, rng: random.Random
) -> tuple[int, list[int]]:
    """Sentences of a random other document, from a random start, until ``target_length`` tokens."""
    other = rng.randrange(len(documents) - 1)
    other += other >= exclude  # uniform over every document except ``exclude``
    sentences = documents[other]
    tokens: list[int] = []
    for sentence in sentences[rng.randrange(len(sentences)) :]:
        tokens.extend(sentence)
        if len(tokens) >= target_length:
            break
    return other, tokens


def build_nsp_examples(
    documents: list[list[list[int]]],
    tokenizer: PreTrainedTokenizerBase,
    max_seq_length: int,
    short_seq_probability: float = 0.1,
    nsp_probability: float = 0.5,
    seed: int = 7,
) -> list[NspExample]:
    """NSP examples from tokenized documents (see the module docstring for the recipe)."""
    if len(documents) < 2:
        raise ValueError(
            f"NSP needs at least 2 documents to draw random sentences from, got {len(documents)}. "
            "How to fix: separate documents in your text file with a blank line."
        )
    if max_seq_length < 8:
        raise ValueError(f"max_seq_length={max_seq_length} is too short for [CLS] A [SEP] B [SEP].")
    rng = random.Random(seed)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    max_tokens = max_seq_length - 3
    examples: list[NspExample] = []
    for index, document in enumerate(documents):
        target = max_tokens
        if rng.random() < short_seq_probability:
            target = rng.randint(2, max_tokens)
        chunk: list[list[int]] = []
        length = 0
        i = 0
        while i < len(document):
            chunk.append(document[i])
            length += len(document[i])
            if i == len(document) - 1 or length >= target:
                if len(chunk) == 1 and i == len(document) - 1:
                    # A lone last sentence has no next one. The original recipe forces a random B here,
                    # which tilts the labels towards "random"; it is left to serve only as a random B.
                    break
                a_end = 1 if len(chunk) < 2 else rng.randint(1, len(chunk) - 1)
                tokens_a = [token for sentence in chunk[:a_end] for token in sentence]
                random_next = rng.random() < nsp_probability
                if not random_next and len(chunk) == 1:
                    i += 1  # B is the real next sentence, even if the pair must then be truncated
                    chunk.append(document[i])
                if random_next:
                    b_document, tokens_b = _random_segment(documents, index, target - len(tokens_a), rng)
                    i -= len(chunk) - a_end  # the sentences B did not use start the next example
                else:
                    b_document, tokens_b = index, [token for sentence in chunk[a_end:] for token in sentence]
                truncate_pair(tokens_a, tokens_b, max_tokens, rng)
                if tokens_a and tokens_b:
                    examples.append(
                        NspExample(
                            input_ids=[cls_id, *tokens_a, sep_id, *tokens_b, sep_id],
                            token_type_ids=[0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1),
                            next_sentence_label=RANDOM_NEXT if random_next else IS_NEXT,
                            document=index,
                            b_document=b_document,
                        )
                    )
                chunk, length = [], 0
                target = max_tokens
                if rng.random() < short_seq_probability:
                    target = rng.randint(2, max_tokens)
            i += 1
    return examples


class PretrainingDataset(Dataset):
    """NSP examples as the dicts ``DataCollatorForLanguageModeling`` pads and masks."""

    def __init__(self, examples: list[NspExample]) -> None:
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        example = self.examples[index]
        # Positions of [CLS] and the two [SEP]s: the collator never masks them.
        special = [0] * len(example.input_ids)
        special[0] = 1
        special[example.token_type_ids.index(1) - 1] = 1
        special[-1] = 1
        return {
            "input_ids": example.input_ids,
            "token_type_ids": example.token_type_ids,
            "attention_mask": [1] * len(example.input_ids),
            "special_tokens_mask": special,
            "next_sentence_label": example.next_sentence_label,
        }


def mlm_collator(
    config: BaseConfig, tokenizer: PreTrainedTokenizerBase, mlm_probability: float
) -> DataCollatorForLanguageModeling:
    """Pads each batch and masks it anew: 80 % ``[MASK]``, 10 % random token, 10 % unchanged."""
    if config.accelerator == "tpu":
        multiple = config.max_seq_length  # one shape for XLA: every batch padded to max_seq_length
    elif config.accelerator == "gpu":
        multiple = 8
    else:
        multiple = None
    return DataCollatorForLanguageModeling(
        tokenizer, mlm=True, mlm_probability=mlm_probability, pad_to_multiple_of=multiple
    )


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


def split_documents(
    documents: list[list[str]], fraction: float = 0.05, seed: int = 7
) -> tuple[list[list[str]], list[list[str]]]:
    """Hold out whole documents for validation (never sentences of a training document)."""
    if len(documents) < 4:
        raise ValueError(
            f"only {len(documents)} documents: too few to hold some out for validation. How to fix: "
            "add documents (separated by blank lines) or give a validation file (val_file)."
        )
    order = list(range(len(documents)))
    random.Random(seed).shuffle(order)
    count = min(len(documents) - 2, max(2, round(len(documents) * fraction)))
    held = set(order[:count])
    train = [d for i, d in enumerate(documents) if i not in held]
    val = [d for i, d in enumerate(documents) if i in held]
    return train, val


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
            f"{position:>4}  {tokenizer.convert_ids_to_tokens(before):<10} -> "
            f"{tokenizer.convert_ids_to_tokens(after):<10} ({kind})"
        )
    return "\n".join(lines)


def wordpiece_for_run(
    texts: Sequence[str], vocab_size: int, save_dir: str | Path, resuming: bool
) -> PreTrainedTokenizerBase:
    """The run's WordPiece tokenizer, reloaded from ``save_dir`` with ``from_pretrained``.

    A resumed run must keep the vocabulary its checkpoint was trained with, so an existing tokenizer
    is reused when ``resuming``; otherwise it is trained anew on ``texts``.
    """
    from transformers import AutoTokenizer

    from nbhelpers.modeling import train_wordpiece

    save_dir = Path(save_dir)
    if resuming and (save_dir / "tokenizer_config.json").is_file():
        print(f"이어서 학습하므로 {save_dir} 의 토크나이저를 그대로 씁니다.")
    else:
        train_wordpiece(texts, vocab_size=vocab_size, save_dir=save_dir)
    return AutoTokenizer.from_pretrained(save_dir)


@torch.no_grad()
def pseudo_log_likelihood(model: Any, tokenizer: PreTrainedTokenizerBase, sentence: str) -> float:
    """Mean log-probability of each token when it alone is masked (a masked LM's 'how familiar is this').

    Sentences seen in training tend to score higher than new ones of the same kind; that gap is what
    membership-inference attacks on language models exploit.
    """
    ids = tokenizer(sentence, return_tensors="pt")["input_ids"][0]
    positions = range(1, len(ids) - 1)
    batch = ids.repeat(len(positions), 1)
    for row, position in enumerate(positions):
        batch[row, position] = tokenizer.mask_token_id
    device = next(model.parameters()).device
    output = model(input_ids=batch.to(device))
    # BertForMaskedLM returns ``logits``, BertForPreTraining ``prediction_logits``.
    logits = output.logits if hasattr(output, "logits") else output.prediction_logits
    log_probs = logits.float().log_softmax(dim=-1).cpu()
    scores = [log_probs[row, position, ids[position]] for row, position in enumerate(positions)]
    return float(torch.stack(scores).mean())
