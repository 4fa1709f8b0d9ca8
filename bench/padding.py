"""Per-batch padding vs padding to max_seq_length: feature building and training throughput.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/padding.py [--model base|tiny] [--steps 8]

Same reviews (the embedded NSMC-format sample, repeated), same tokenizer (WordPiece trained on them),
same model: ``base`` is a randomly initialised BERT with kcbert-base's shape (12 layers, 768 wide),
``tiny`` the smoke-profile model. Prints examples/s for each variant.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from torch.utils.data import DataLoader
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    DataCollatorWithPadding,
)

from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.pretrained import build_tiny_bert, tiny_bert_config
from nbhelpers.registry import get_corpus, sample_files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["base", "tiny"], default="base")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--examples", type=int, default=50_000)
    args = parser.parse_args()
    torch.manual_seed(0)

    reviews = read_nsmc(sample_files(get_corpus("nsmc"), "train"))
    examples = (reviews * (args.examples // len(reviews) + 1))[: args.examples]
    model_dir = build_tiny_bert([e.text_a for e in reviews], tempfile.mkdtemp())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    print(f"{len(examples):,} reviews, max_seq_length={args.max_seq_length}, torch threads={torch.get_num_threads()}")

    start = time.perf_counter()
    dataset = encode_classification(examples, tokenizer, args.max_seq_length)
    seconds = time.perf_counter() - start
    print(f"feature building (batched fast tokenizer, unpadded): {len(examples) / seconds:,.0f} examples/s")
    start = time.perf_counter()
    tokenizer([e.text_a for e in examples], truncation=True, max_length=args.max_seq_length, padding="max_length")
    seconds = time.perf_counter() - start
    print(f"feature building (padded to max_seq_length)        : {len(examples) / seconds:,.0f} examples/s")

    if args.model == "base":
        config = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=300)  # kcbert-base's shape
    else:
        config = tiny_bert_config(len(tokenizer))
    for name, options in (("per-batch padding", {"padding": "longest"}),
                          ("pad to max_seq_length", {"padding": "max_length", "max_length": args.max_seq_length})):
        model = BertForSequenceClassification(config.__class__(**config.to_dict(), num_labels=2)).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
        loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                            collate_fn=DataCollatorWithPadding(tokenizer, **options))
        batches = iter(loader)
        loss = model(**next(batches)).loss  # warm-up step, not timed
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        seen, widths, start = 0, [], time.perf_counter()
        for _ in range(args.steps):
            batch = next(batches)
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            seen += len(batch["labels"])
            widths.append(batch["input_ids"].shape[1])
        seconds = time.perf_counter() - start
        print(f"training, {name:22}: {seen / seconds:7.1f} examples/s "
              f"(model={args.model}, mean batch width {sum(widths) / len(widths):.0f} tokens)")


if __name__ == "__main__":
    main()
