"""Throughput of the QA feature builder (windows, offsets, labels) on a few thousand questions.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/qa_features.py [--articles 600] [--repeat 3]

Questions come from the embedded sample's generator (``nbhelpers/samples/make_qa.py``, invented
biographies), each article's paragraphs joined into one context with its eight questions (KorQuAD has
about six per context); the tokenizer is a WordPiece trained on them. Prints windows (features) per second of ``build_qa_features`` with the book's settings
(max_seq_length 128, max_query_length 32, doc_stride 64), and, for comparison, of the straightforward
route that lets the tokenizer cut the windows of every question (``stride`` = overlap, grouped by
question length, so the context is tokenised again for each of its questions).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import defaultdict

from nbhelpers.qa.korquad import QAAnswer, QAExample
from nbhelpers.qa.windows import build_qa_features, tokenizer_overlap
from nbhelpers.samples.make_qa import article, person
from nbhelpers.wordpiece import train_wordpiece


def make_examples(articles: int, seed: int) -> list[QAExample]:
    """KorQuAD-like questions: each article's paragraphs joined into one context with its eight questions."""
    rng = random.Random(seed)
    used: set[str] = set()
    examples = []
    for number in range(articles):
        if len(used) > 300:
            used.clear()  # names may repeat across a large benchmark; only the sample files need them unique
        item = article(rng, person(rng, used), number, "bench", two_answers=False)
        context, shifted = "", []
        for paragraph in item["paragraphs"]:
            offset = len(context) + (1 if context else 0)
            context = f"{context} {paragraph['context']}" if context else paragraph["context"]
            shifted.extend((qa, offset) for qa in paragraph["qas"])
        for qa, offset in shifted:
            answers = tuple(QAAnswer(a["text"], a["answer_start"] + offset) for a in qa["answers"])
            examples.append(QAExample(qa["id"], item["title"], qa["question"], context, answers))
    return examples


def tokenizer_windows(examples: list[QAExample], tokenizer, max_seq_length: int, max_query_length: int,
                      doc_stride: int) -> int:
    """The tokenizer-overflow route (windows only, no labels): one call per question length."""
    special = tokenizer.num_special_tokens_to_add(pair=True)
    lengths = [min(len(ids), max_query_length)
               for ids in tokenizer([e.question for e in examples], add_special_tokens=False)["input_ids"]]
    groups: dict[int, list[int]] = defaultdict(list)
    for index, length in enumerate(lengths):
        groups[length].append(index)
    windows = 0
    for length, indices in groups.items():
        encoded = tokenizer([examples[i].question for i in indices], [examples[i].context for i in indices],
                            truncation="only_second", max_length=max_seq_length,
                            stride=tokenizer_overlap(max_seq_length, length, special, doc_stride),
                            return_overflowing_tokens=True, return_offsets_mapping=True)
        windows += len(encoded["input_ids"])
    return windows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vocab-size", type=int, default=8000)
    args = parser.parse_args()

    examples = make_examples(args.articles, seed=1)
    contexts = list(dict.fromkeys(e.context for e in examples))
    tokenizer = train_wordpiece(contexts + [e.question for e in examples], args.vocab_size, tempfile.mkdtemp())
    print(f"{len(examples):,} questions over {len(contexts):,} contexts; vocab {len(tokenizer):,}")

    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        features = build_qa_features(examples, tokenizer, max_seq_length=128, max_query_length=32, doc_stride=64)
        best = min(best, time.perf_counter() - start)
    print(features.stats.summary())
    print(f"build_qa_features: {len(features):,} features in {best:.3f} s = {len(features) / best:,.0f} features/s "
          f"({len(examples) / best:,.0f} questions/s)")

    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        windows = tokenizer_windows(examples, tokenizer, 128, 32, 64)
        best = min(best, time.perf_counter() - start)
    print(f"tokenizer overflow per question (windows only, no labels): {windows:,} windows in {best:.3f} s = "
          f"{windows / best:,.0f} windows/s")


if __name__ == "__main__":
    main()
