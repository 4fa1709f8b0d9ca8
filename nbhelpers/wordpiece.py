"""Training a WordPiece vocabulary with the tokenizers library: chapter 1's tokenizer and the smoke profile's tiny BERT."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from transformers import (
    BertTokenizer,
)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


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
