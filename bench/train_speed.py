"""Notebook 02's training and evaluation speed: random batches vs length-grouped batches vs padding to 128.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/train_speed.py [--model tiny|base] [--epochs 1] [--train 6000]

Same data, tokenizer, initial weights, seed, batch size and Lightning pipeline (``ClassificationTask``,
``make_trainer``) in every mode; only the batches differ:

* ``pad-to-max``: random batches, every row padded to ``max_seq_length`` (the old book's ratsnlp did
  this);
* ``random``: random batches padded to their longest row (``group_by_length=False``);
* ``grouped``: ``make_batch_sampler`` with ``group_by_length=True`` (the default), evaluation longest
  first.

Data: NSMC-like reviews (``bench/nsmc_like.py``: the embedded sample's vocabulary at real NSMC's lengths,
about 21 tokens on average with a tail past 128). Model: the smoke profile's tiny BERT (``tiny``: 2
layers, 64 wide), chapter 1's default shape (``small``: 4 layers, 256 wide), or kcbert-base's shape
(``base``: 12 layers, 768 wide; for a GPU), all randomly initialised, built offline. Prints
training and evaluation examples per second, the time of one epoch with validation, and the validation
accuracy per mode, then the speed-up of each mode over padding to ``max_seq_length``.

Speeds are given twice: by wall-clock time and by the CPU time of this process. On a machine that other
jobs share, wall-clock time measures the neighbours as much as the code; the CPU time of a
single-threaded run (``--threads 1``, the default on CPU) does not, and is what the ratios use there.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification, DataCollatorWithPadding

from nbhelpers.batching import make_batch_sampler, padding_options
from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nsmc import NSMC_LABELS, read_nsmc
from nbhelpers.classification.task import ClassificationTask
from nbhelpers.config import resolve_config
from nbhelpers.pretrained import build_tiny_bert, tiny_bert_config
from nbhelpers.training import ShareBatches, make_trainer
from nsmc_like import sample_token_counter, write_corpus  # bench/ is on sys.path when this script runs

HERE = Path(__file__).resolve().parent
MODES = ("pad-to-max", "random", "grouped")
"""Padding to ``max_seq_length`` (the baseline), random batches padded per batch, length-grouped batches."""


def build_model(kind: str, vocab_size: int, max_seq_length: int) -> BertForSequenceClassification:
    if kind == "base":  # kcbert-base's shape, random weights: no download
        config = BertConfig(vocab_size=vocab_size, max_position_embeddings=300)
    elif kind == "small":  # what chapter 1 pretrains by default, and a reader may fine-tune here
        config = BertConfig(vocab_size=vocab_size, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                            intermediate_size=1024, max_position_embeddings=max(512, max_seq_length))
    else:
        config = tiny_bert_config(vocab_size, max_position_embeddings=max(512, max_seq_length))
    config.num_labels = len(NSMC_LABELS)
    torch.manual_seed(0)
    return BertForSequenceClassification(config)


def loaders(mode: str, config: ClassificationConfig, tokenizer: Any, train_set: Any, val_set: Any) -> tuple[DataLoader, DataLoader]:
    """The two DataLoaders of notebook 02 for one batching mode."""
    if mode == "pad-to-max":
        options: dict[str, Any] = {"padding": "max_length", "max_length": config.max_seq_length}
    else:
        options = padding_options(config)
    collator = DataCollatorWithPadding(tokenizer, **options)
    config = dataclasses.replace(config, group_by_length=mode == "grouped")
    return (
        DataLoader(train_set, batch_sampler=make_batch_sampler(train_set, config, train=True), collate_fn=collator,
                   num_workers=config.num_workers),
        DataLoader(val_set, batch_sampler=make_batch_sampler(val_set, config, train=False), collate_fn=collator,
                   num_workers=config.num_workers),
    )


def padded_share(loader: DataLoader) -> float:
    """Fraction of the token positions in the epoch's batches that are padding."""
    real = total = 0
    for batch in loader:
        real += int(batch["attention_mask"].sum())
        total += batch["attention_mask"].numel()
    return 1 - real / total


def run_mode(mode: str, config: ClassificationConfig, args: argparse.Namespace, tokenizer: Any,
             train_set: Any, val_set: Any) -> dict[str, float]:
    train_loader, val_loader = loaders(mode, config, tokenizer, train_set, val_set)
    model = build_model(args.model, len(tokenizer), config.max_seq_length)
    task = ClassificationTask(model, learning_rate=config.learning_rate, warmup_ratio=config.warmup_ratio,
                              weight_decay=config.weight_decay)
    # The chapter's Trainer without checkpoints or logs: their file writes are not what is measured.
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode, enable_checkpointing=False, logger=False,
                           callbacks=[ShareBatches()], limit_val_batches=0, enable_progress_bar=False,
                           enable_model_summary=False)
    torch.manual_seed(config.seed)
    clock = args.clock
    start = clock()
    trainer.fit(task, train_dataloaders=train_loader)
    train_seconds = clock() - start
    evaluator = make_trainer(config, monitor=task.monitor, mode=task.mode, enable_checkpointing=False, logger=False,
                             callbacks=[ShareBatches()], enable_progress_bar=False, enable_model_summary=False)
    start = clock()
    result = evaluator.validate(task, dataloaders=val_loader, verbose=False)[0]
    eval_seconds = clock() - start
    return {
        "train_per_s": len(train_set) * config.epochs / train_seconds,
        "eval_per_s": len(val_set) / eval_seconds,
        "epoch_seconds": train_seconds / config.epochs + eval_seconds,
        "val_acc": float(result["val_acc"]),
        "padding": padded_share(train_loader),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["tiny", "small", "base"], default="tiny")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train", type=int, default=6000, help="training reviews generated")
    parser.add_argument("--val", type=int, default=2000, help="validation reviews generated")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-seq-length", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.0, help="0: 2e-3 for tiny, 5e-5 for base")
    parser.add_argument("--accelerator", default="cpu", help="cpu, gpu or auto")
    parser.add_argument("--precision", default="32-true", help="e.g. 16-mixed on a GPU")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of: " + ", ".join(MODES))
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse or keep the generated reviews here")
    parser.add_argument("--threads", type=int, default=-1, help="torch threads; -1: 1 on CPU, torch's default else")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="", help="cpu (default on CPU) or wall time")
    args = parser.parse_args()
    on_cpu = args.accelerator == "cpu"
    if args.threads > 0 or on_cpu:
        torch.set_num_threads(args.threads if args.threads > 0 else 1)
    clock_name = args.clock or ("cpu" if on_cpu else "wall")
    # CPU time of this process: what the run costs, whatever else the machine is doing. On a GPU the
    # work happens on the device, so there wall-clock time is the measure.
    args.clock = time.process_time if clock_name == "cpu" else time.perf_counter

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nsmc-like-"))
    if not (data_dir / "ratings_train.txt").is_file():
        write_corpus(data_dir, sample_token_counter(), args.train, args.val)
    train_examples = read_nsmc(data_dir / "ratings_train.txt")
    val_examples = read_nsmc(data_dir / "ratings_test.txt")
    model_dir = build_tiny_bert([e.text_a for e in train_examples], tempfile.mkdtemp(prefix="bench-tiny-"))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    train_set = encode_classification(train_examples, tokenizer, args.max_seq_length)
    val_set = encode_classification(val_examples, tokenizer, args.max_seq_length)
    lengths = sorted(len(ids) for ids in train_set.encodings["input_ids"])
    env = {"NBHELPERS_DOWNSTREAM_MODEL_DIR": tempfile.mkdtemp(prefix="bench-run-")}
    config = resolve_config(ClassificationConfig(
        pretrained_model_name=str(model_dir), max_seq_length=args.max_seq_length, batch_size=args.batch_size,
        learning_rate=args.learning_rate or {"tiny": 2e-3, "small": 5e-4}.get(args.model, 5e-5), epochs=args.epochs,
        warmup_ratio=0.1, accelerator=args.accelerator, precision=args.precision, devices=1, num_workers=0,
    ), env=env, show=False)
    print(f"{len(train_examples):,} training and {len(val_examples):,} validation reviews; tokens per review: mean "
          f"{sum(lengths) / len(lengths):.1f}, median {lengths[len(lengths) // 2]}, max {lengths[-1]} "
          f"(cut at {args.max_seq_length}); model {args.model}, batch {args.batch_size}, {args.epochs} epoch(s), "
          f"{config.accelerator} {config.precision}, torch threads {torch.get_num_threads()}, "
          f"seconds are {clock_name} time")
    results: dict[str, dict[str, float]] = {}
    for mode in args.modes.split(","):
        results[mode] = run_mode(mode, config, args, tokenizer, train_set, val_set)
        r = results[mode]
        print(f"{mode:10}: train {r['train_per_s']:8.1f} examples/s ({r['padding']:.0%} padding), "
              f"eval {r['eval_per_s']:8.1f} examples/s, one epoch with validation {r['epoch_seconds']:7.1f} s, "
              f"val_acc {r['val_acc']:.4f}")
    baseline = results.get(MODES[0])
    if baseline:
        for mode, r in results.items():
            if mode != MODES[0]:
                print(f"{mode:10}: {baseline['epoch_seconds'] / r['epoch_seconds']:.1f}x faster epoch than padding "
                      f"to {args.max_seq_length} (training {r['train_per_s'] / baseline['train_per_s']:.1f}x, "
                      f"evaluation {r['eval_per_s'] / baseline['eval_per_s']:.1f}x), val_acc "
                      f"{r['val_acc'] - baseline['val_acc']:+.4f}")


if __name__ == "__main__":
    main()
