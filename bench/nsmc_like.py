"""NSMC-like reviews for benchmarks: the embedded sample's vocabulary at the real corpus's lengths.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/nsmc_like.py OUT_DIR [--train 6000] [--val 2000]

Batching speed depends on how long the inputs are, and the embedded sample (``nbhelpers/samples``)
holds only short reviews. Real NSMC reviews average about 21 kcbert tokens with a long tail: most are a
few words, a few run past 128 tokens. No real review can be shipped here, so this module composes
reviews from the sample's generator (``nbhelpers.samples.make_nsmc.review``): each review gets a
target length in tokens drawn from a log-normal distribution (median 15, mean about 21, about 0.5 %
longer than 128 tokens), and remarks of the review's polarity are joined until the target is
reached, then cut back at a word boundary. The files have NSMC's format (``id<TAB>document<TAB>label``),
so notebook 02's reader takes them as they are.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from nbhelpers.classification.nsmc import NSMC_HEADER
from nbhelpers.samples.make_nsmc import review

MEDIAN_TOKENS = 15
SIGMA = 0.82
"""Log-normal spread: mean = median * exp(sigma^2 / 2), about 21 tokens."""


def target_lengths(count: int, rng: random.Random) -> list[int]:
    """Tokens per review, ``[CLS]`` and ``[SEP]`` included (at least 4)."""
    return [max(4, round(rng.lognormvariate(math.log(MEDIAN_TOKENS), SIGMA))) for _ in range(count)]


def compose(rng: random.Random, label: int, target: int, count_tokens: Callable[[str], int]) -> str:
    """Remarks of one polarity joined until ``target`` tokens (special tokens included), cut at a word."""
    text = review(rng, label)
    while count_tokens(text) < target:
        text = f"{text} {review(rng, label)}"
    words = text.split(" ")
    while len(words) > 1 and count_tokens(" ".join(words)) > target:
        words.pop()
    return " ".join(words)


def make_reviews(
    count: int, seed: int, count_tokens: Callable[[str], int]
) -> list[tuple[str, int]]:
    """``(review, label)`` pairs, labels balanced at random, lengths as in :func:`target_lengths`."""
    rng = random.Random(seed)
    return [(compose(rng, label, target, count_tokens), label)
            for target, label in zip(target_lengths(count, rng), [rng.randrange(2) for _ in range(count)])]


def write_nsmc(path: Path, reviews: Sequence[tuple[str, int]], first_id: int) -> None:
    lines = ["\t".join(NSMC_HEADER)] + [f"{first_id + i}\t{text}\t{label}" for i, (text, label) in enumerate(reviews)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_corpus(out_dir: Path, count_tokens: Callable[[str], int], train: int = 6000, val: int = 2000,
                 seed: int = 0) -> tuple[Path, Path]:
    """``ratings_train.txt`` and ``ratings_test.txt`` (NSMC's names) in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    train_path, val_path = out_dir / "ratings_train.txt", out_dir / "ratings_test.txt"
    write_nsmc(train_path, make_reviews(train, seed, count_tokens), 1_000_000)
    write_nsmc(val_path, make_reviews(val, seed + 1, count_tokens), 9_000_000)
    return train_path, val_path


def sample_token_counter() -> Callable[[str], int]:
    """Tokens as a WordPiece trained on the embedded sample counts them, special tokens included."""
    import tempfile

    from nbhelpers.classification.nsmc import read_nsmc
    from nbhelpers.registry import get_corpus, sample_files
    from nbhelpers.wordpiece import train_wordpiece

    texts = [example.text_a for example in read_nsmc(sample_files(get_corpus("nsmc"), "train"))]
    tokenizer = train_wordpiece(texts, vocab_size=3000, save_dir=tempfile.mkdtemp(), min_frequency=1)
    return lambda text: len(tokenizer(text)["input_ids"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--train", type=int, default=6000)
    parser.add_argument("--val", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    count_tokens = sample_token_counter()
    for path in write_corpus(args.out_dir, count_tokens, args.train, args.val, args.seed):
        lengths = sorted(count_tokens(line.split("\t")[1]) for line in path.read_text(encoding="utf-8").splitlines()[1:])
        print(f"{path}: {len(lengths)} reviews, tokens mean {sum(lengths) / len(lengths):.1f}, "
              f"median {lengths[len(lengths) // 2]}, 95th percentile {lengths[int(len(lengths) * 0.95)]}, "
              f"max {lengths[-1]}, over 128: {sum(n > 128 for n in lengths)}")


if __name__ == "__main__":
    main()
