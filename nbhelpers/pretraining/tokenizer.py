"""The chapter's WordPiece tokenizer: trained on the corpus once per settings, then reused."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from transformers import PreTrainedTokenizerBase


def wordpiece_for_run(
    texts: Sequence[str], vocab_size: int, save_dir: str | Path, resuming: bool
) -> PreTrainedTokenizerBase:
    """The run's WordPiece tokenizer, reloaded from ``save_dir`` with ``from_pretrained``.

    A resumed run must keep the vocabulary its checkpoint was trained with, so an existing tokenizer
    is reused when ``resuming``; otherwise it is trained anew on ``texts``.
    """
    from transformers import AutoTokenizer

    from nbhelpers.wordpiece import train_wordpiece

    save_dir = Path(save_dir)
    if resuming and (save_dir / "tokenizer_config.json").is_file():
        print(f"이어서 학습하므로 {save_dir} 의 토크나이저를 그대로 씁니다.")
    else:
        train_wordpiece(texts, vocab_size=vocab_size, save_dir=save_dir)
    return AutoTokenizer.from_pretrained(save_dir)
