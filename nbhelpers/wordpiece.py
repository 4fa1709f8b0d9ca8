"""Training subword vocabularies with the tokenizers library, offline, on the texts a chapter really trains on.

WordPiece (``##`` continuations, ``[CLS]``/``[SEP]``) is chapter 1's tokenizer and that of the offline tiny BERT
and ELECTRA; byte-level BPE (``<s>``/``</s>``, a leading ``Ġ`` for a space) is what RoBERTa-family tokenizers
look like, and the offline tiny RoBERTa uses it. (Not every Korean RoBERTa does: ``klue/roberta-base`` ships a
WordPiece ``BertTokenizer``.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from transformers import (
    BertTokenizer,
    RobertaTokenizer,
)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BPE_SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
"""RoBERTa's special tokens, in RoBERTa's id order (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2): the padding id 1 is what
shifts RoBERTa's position ids (``nbhelpers.pretrained.max_input_length``)."""


def train_wordpiece(
    texts: Iterable[str],
    vocab_size: int,
    save_dir: str | Path,
    min_frequency: int = 2,
    limit_alphabet: int = 6000,
) -> BertTokenizer:
    """Train a cased WordPiece vocabulary on ``texts`` and save it as a ``from_pretrained`` directory.

    No lower-casing and no accent stripping: accent stripping decomposes text to NFD, which breaks Hangul
    syllables into jamo, and BERT's normaliser switches it on together with lower-casing (lower-casing
    itself leaves Hangul alone). CJK characters are split as in BERT. ``vocab.txt`` is written too, for
    tools that read it directly.
    """
    from tokenizers import BertWordPieceTokenizer

    trainer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    trainer.train_from_iterator(
        texts,
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        limit_alphabet=limit_alphabet,
        special_tokens=SPECIAL_TOKENS,
        wordpieces_prefix="##",
        # Its progress bar writes carriage returns that a notebook shows as empty lines.
        show_progress=False,
    )
    vocab = trainer.get_vocab()
    # transformers 5: BertTokenizer(vocab_file=...) silently builds a 5-token vocabulary; pass the dict.
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=False, strip_accents=False, tokenize_chinese_chars=True)
    save_dir = Path(save_dir)
    save_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(save_dir)
    ordered = sorted(vocab, key=vocab.__getitem__)
    (save_dir / "vocab.txt").write_text("\n".join(ordered) + "\n", encoding="utf-8")
    if len(tokenizer) != len(vocab):
        raise RuntimeError(f"tokenizer has {len(tokenizer)} tokens but the trained vocabulary has {len(vocab)}")
    return tokenizer


def train_byte_level_bpe(
    texts: Iterable[str], vocab_size: int, save_dir: str | Path, min_frequency: int = 2
) -> RobertaTokenizer:
    """Train a byte-level BPE vocabulary (RoBERTa's kind) on ``texts`` and save it as a ``from_pretrained`` directory.

    Byte-level BPE starts from the 256 byte values, so nothing is ever ``<unk>``; a Hangul syllable is three
    UTF-8 bytes and stays split into byte tokens where the merges do not join them (all of them share the
    syllable's character offsets). As in RoBERTa, no space is added before the first word and offsets leave
    out the ``Ġ`` (space) a token starts with.
    """
    from tokenizers import ByteLevelBPETokenizer

    trainer = ByteLevelBPETokenizer(add_prefix_space=False, trim_offsets=True)
    trainer.train_from_iterator(
        texts, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=BPE_SPECIAL_TOKENS,
        show_progress=False,
    )
    vocab = trainer.get_vocab()
    model = json.loads(trainer.to_str())["model"]  # the merges, in the order training made them
    merges = [tuple(pair.split(" ")) if isinstance(pair, str) else tuple(pair) for pair in model["merges"]]
    # As with BertTokenizer, RobertaTokenizer(vocab_file=...) silently builds a 5-token vocabulary: pass the data.
    tokenizer = RobertaTokenizer(vocab=vocab, merges=merges, add_prefix_space=False, trim_offsets=True)
    save_dir = Path(save_dir)
    save_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(save_dir)
    if len(tokenizer) != len(vocab):
        raise RuntimeError(f"tokenizer has {len(tokenizer)} tokens but the trained vocabulary has {len(vocab)}")
    return tokenizer
