"""Training step speed of chapter 1's BERT: MLM head on every position vs on the masked positions only.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/mlm_head.py [--steps 6] [--vocab 16000] [--hidden 256]

Chapter 1's sizes by default (vocabulary 16,000, hidden 256, 4 layers, 4 heads, feed-forward 1,024,
sequences of 128 tokens, batches of 32, 15 % masked). Both variants run the same random batches through
the same randomly initialised model with AdamW; ``full`` projects every position onto the vocabulary
(what ``BertForPreTraining.forward`` does), ``gathered`` only the masked ones
(``nbhelpers.pretraining.task.mlm_nsp_outputs``). Prints seconds per step, the ratio and the two losses
of the first batch (they must agree). Seconds are the CPU time of this process on one thread by default
(``--threads``, ``--clock``): on a machine shared with other jobs, wall-clock time measures them too.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertForPreTraining

from nbhelpers.pretraining.task import mlm_nsp_outputs


def make_batch(generator: torch.Generator, vocab: int, batch_size: int, length: int) -> dict[str, torch.Tensor]:
    input_ids = torch.randint(5, vocab, (batch_size, length), generator=generator)
    chosen = torch.rand(batch_size, length, generator=generator) < 0.15
    chosen[:, 0] = chosen[:, -1] = False  # [CLS] and [SEP] are never masked
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    return {
        "input_ids": torch.where(chosen, torch.full_like(input_ids, 4), input_ids),
        "attention_mask": torch.ones_like(input_ids),
        "token_type_ids": (torch.arange(length) >= length // 2).long().expand(batch_size, length).contiguous(),
        "labels": labels,
        "next_sentence_label": torch.randint(0, 2, (batch_size,), generator=generator),
    }


def step_loss(model: BertForPreTraining, batch: dict[str, torch.Tensor], gather: bool) -> torch.Tensor:
    if gather:
        mlm_sum, masked, _, nsp_logits = mlm_nsp_outputs(model, batch, gather=True)
        mlm_loss = mlm_sum / masked.clamp(min=1)
    else:  # what BertForPreTraining.forward does: every position through the head, then ignore_index
        output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                       token_type_ids=batch["token_type_ids"])
        logits = output.prediction_logits.float()
        mlm_loss = F.cross_entropy(logits.view(-1, logits.size(-1)), batch["labels"].view(-1))
        nsp_logits = output.seq_relationship_logits.float()
    return mlm_loss + F.cross_entropy(nsp_logits, batch["next_sentence_label"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--vocab", type=int, default=16000)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    config = BertConfig(vocab_size=args.vocab, hidden_size=args.hidden, num_hidden_layers=args.layers,
                        num_attention_heads=max(1, args.hidden // 64), intermediate_size=4 * args.hidden,
                        max_position_embeddings=args.seq)
    generator = torch.Generator().manual_seed(0)
    batches = [make_batch(generator, args.vocab, args.batch_size, args.seq) for _ in range(args.steps + 1)]
    print(f"vocab {args.vocab}, hidden {args.hidden}, {args.layers} layers, batch {args.batch_size} x {args.seq}, "
          f"torch threads {torch.get_num_threads()}, {args.clock} time")
    seconds: dict[str, float] = {}
    first_losses: dict[str, float] = {}
    for name, gather in (("full", False), ("gathered", True)):
        torch.manual_seed(0)
        model = BertForPreTraining(config).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        model.eval()
        with torch.no_grad():
            first_losses[name] = float(step_loss(model, batches[0], gather))
        model.train()
        for index, batch in enumerate(batches):
            if index == 1:  # the first step warms up allocators and kernels, not timed
                start = clock()
            step_loss(model, batch, gather).backward()
            optimizer.step()
            optimizer.zero_grad()
        seconds[name] = (clock() - start) / args.steps
        print(f"MLM head on {name:9}: {seconds[name]:.3f} s/step, loss of the first batch {first_losses[name]:.5f}")
    print(f"speed-up of gathering first: {seconds['full'] / seconds['gathered']:.2f}x")


if __name__ == "__main__":
    main()
