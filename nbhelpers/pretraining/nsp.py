"""Pretraining inputs: documents to ``[CLS] A [SEP] B [SEP]`` pairs for next sentence prediction (NSP).

BERT learns from two tasks at once; this module builds the examples both share, before masking (the
masked-LM side is ``nbhelpers.pretraining.masking``). For NSP, A is a run of consecutive sentences of
one document and B is either the sentences that really follow (label 0) or sentences of another
document (label 1). The builder follows the original BERT recipe (``create_pretraining_data.py``):
segments fill ``max_seq_length``, a fraction of examples aim at a shorter random length so the model
also sees short inputs, the sentences a random B displaced are put back for the next example, and an
over-long pair is cut from the longer side at its front or back at random. Validation documents are
held out whole (``nbhelpers.holdout.hold_out`` with the document as the group), never sentences of a
training document.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch.utils.data import Dataset
from transformers import PreTrainedTokenizerBase

from nbhelpers.encoding import encode_in_chunks

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
    ids: list[list[int]] = encode_in_chunks(tokenizer, flat, add_special_tokens=False).get("input_ids", [])
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
            f"NSP는 무작위 문장을 뽑을 문서가 2개 이상 있어야 하는데 {len(documents)}개입니다. "
            "고치는 법: 텍스트 파일에서 문서 사이에 빈 줄을 넣으세요."
        )
    if max_seq_length < 8:
        raise ValueError(f"max_seq_length={max_seq_length}은(는) [CLS] A [SEP] B [SEP]를 담기에 너무 짧습니다. 고치는 법: max_seq_length를 늘리세요.")
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


class EpochPairs(PretrainingDataset):
    """NSP pairs drawn anew every epoch from ``seed + epoch``: BERT's ``dupe_factor`` without the copies.

    Google's ``create_pretraining_data.py`` writes the corpus ``dupe_factor`` (10) times, each time with
    other A/B cuts, other random B segments and other short targets, so that a long run does not learn
    the same pairs every epoch. Here the pairs of epoch ``e`` are built when the epoch starts, from
    ``seed + e``: Lightning tells the DataLoader's batch sampler the epoch
    (:class:`nbhelpers.batching.EpochShuffle`), which passes it on. Every process of a multi-GPU run and
    a resumed run build the same pairs. The number of pairs varies a little from epoch to epoch;
    Lightning counts the batches of the first epoch, so in a longer epoch the last few batches wait for
    a later one.

    Attributes:
        documents: Token ids per sentence, kept in their documents (:func:`tokenize_documents`).
        seed: The pairs of epoch ``e`` come from ``seed + e``.
        epoch: The epoch whose pairs ``examples`` holds.
    """

    def __init__(
        self,
        documents: list[list[list[int]]],
        tokenizer: PreTrainedTokenizerBase,
        max_seq_length: int,
        short_seq_probability: float = 0.1,
        nsp_probability: float = 0.5,
        seed: int = 7,
    ) -> None:
        self.documents = documents
        self.tokenizer = tokenizer
        self.options = {
            "max_seq_length": max_seq_length,
            "short_seq_probability": short_seq_probability,
            "nsp_probability": nsp_probability,
        }
        self.seed = seed
        self.epoch = 0
        super().__init__(build_nsp_examples(documents, tokenizer, seed=seed, **self.options))

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self.examples = build_nsp_examples(self.documents, self.tokenizer, seed=self.seed + epoch, **self.options)
            self.epoch = epoch
