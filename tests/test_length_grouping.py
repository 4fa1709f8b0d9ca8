"""Length-grouped batches: every example once per epoch (also shared among processes), less padding than
random batches, a new order every epoch that the seed reproduces, and plain batches when switched off."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from nbhelpers.batching import EpochShuffle, LengthGroupedBatchSampler, make_batch_sampler
from nbhelpers.config import BaseConfig, DownstreamConfig
from nbhelpers.training import make_trainer


def reviews(count: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """Rows with a long-tailed length distribution, like NSMC reviews in tokens."""
    rng = random.Random(seed)
    return [{"input_ids": [1] * min(128, max(3, int(rng.lognormvariate(2.8, 0.6)))), "index": i} for i in range(count)]


def padding_waste(dataset: list[dict[str, Any]], batches: list[list[int]]) -> float:
    """Fraction of a per-batch padded tensor that is padding."""
    lengths = [len(row["input_ids"]) for row in dataset]
    padded = sum(max(lengths[i] for i in batch) * len(batch) for batch in batches)
    return 1 - sum(lengths) / padded


def epoch_batches(sampler: LengthGroupedBatchSampler, epoch: int) -> list[list[int]]:
    sampler.set_epoch(epoch)
    return list(sampler)


@pytest.mark.parametrize("count, batch_size, replicas", [(1000, 32, 1), (1000, 32, 2), (1001, 32, 2), (17, 8, 2), (70, 8, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_every_example_exactly_once_per_epoch_with_equal_batch_counts(
    count: int, batch_size: int, replicas: int, train: bool
) -> None:
    dataset = reviews(count)
    seen: list[int] = []
    per_rank: list[list[list[int]]] = []
    for rank in range(replicas):
        sampler = LengthGroupedBatchSampler(dataset, batch_size, shuffle=train, seed=3, num_replicas=replicas, rank=rank)
        batches = epoch_batches(sampler, 2)
        assert len(batches) == len(sampler)
        assert all(1 <= len(batch) <= batch_size for batch in batches)
        per_rank.append(batches)
        seen.extend(index for batch in batches for index in batch)
    assert sorted(seen) == list(range(count))
    # DDP needs the same number of steps in every process, or the gradient all-reduce waits forever.
    assert len({len(batches) for batches in per_rank}) == 1
    if replicas > 1:  # the shares are disjoint, not the whole set per process
        assert set(per_rank[0][0]).isdisjoint(per_rank[1][0])


def test_grouped_batches_are_length_homogeneous_unlike_random_ones() -> None:
    dataset = reviews(3000)
    grouped = epoch_batches(LengthGroupedBatchSampler(dataset, 32, seed=1), 0)
    plain = epoch_batches(LengthGroupedBatchSampler(dataset, 32, seed=1, group_by_length=False), 0)
    assert padding_waste(dataset, plain) > 0.4  # what the issue measured: most of a random batch is padding
    assert padding_waste(dataset, grouped) < 0.05
    # Still random batches: the lengths of consecutive batches are not sorted over the epoch.
    longest = [max(len(dataset[i]["input_ids"]) for i in batch) for batch in grouped]
    assert longest != sorted(longest) and longest != sorted(longest, reverse=True)
    assert longest[0] == max(len(row["input_ids"]) for row in dataset)  # out of memory shows up at once


def test_epochs_differ_and_the_seed_reproduces_an_epoch() -> None:
    dataset = reviews(500)
    first = LengthGroupedBatchSampler(dataset, 16, seed=7)
    again = LengthGroupedBatchSampler(dataset, 16, seed=7)
    other_seed = LengthGroupedBatchSampler(dataset, 16, seed=8)
    assert epoch_batches(first, 0) != epoch_batches(first, 1)
    assert epoch_batches(first, 1) == epoch_batches(again, 1)  # what a resumed run needs
    assert epoch_batches(first, 0) == epoch_batches(again, 0)
    assert epoch_batches(first, 0) != epoch_batches(other_seed, 0)


def test_switched_off_gives_the_plain_random_or_input_order_batches() -> None:
    dataset = reviews(100)
    sampler = LengthGroupedBatchSampler(dataset, 16, seed=4, group_by_length=False)
    sampler.set_epoch(5)
    permutation = torch.randperm(100, generator=torch.Generator().manual_seed(4 + 5)).tolist()
    expected = [permutation[i : i + 16] for i in range(0, 96, 16)] + [permutation[96:]]
    # Random consecutive batches; only the remainder is split so no process goes without a batch.
    assert [index for batch in list(sampler) for index in batch] == permutation
    assert list(sampler)[:6] == expected[:6]
    evaluation = LengthGroupedBatchSampler(dataset, 16, shuffle=False, group_by_length=False)
    assert [index for batch in evaluation for index in batch] == list(range(100))


def test_evaluation_goes_longest_first_and_results_return_to_input_order() -> None:
    dataset = reviews(200)
    sampler = make_batch_sampler(dataset, BaseConfig(batch_size=32, seed=1), train=False)
    order = [index for batch in sampler for index in batch]
    lengths = [len(dataset[i]["input_ids"]) for i in order]
    assert lengths == sorted(lengths, reverse=True)
    outputs = {index: f"prediction for {index}" for index in order}  # results keyed by index, as the tasks do
    assert [outputs[i] for i in range(200)] == [f"prediction for {i}" for i in range(200)]


class EpochPairs:
    """A dataset that draws new rows every epoch (as chapter 1's NSP pairs do), lengths included."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.rows = reviews(60, seed=0)

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)
        self.rows = reviews(60 + epoch, seed=epoch)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.rows[index]


def test_the_epoch_reaches_a_dataset_that_changes_with_it() -> None:
    dataset = EpochPairs()
    sampler = LengthGroupedBatchSampler(dataset, 8, seed=0)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=lambda rows: [row["index"] for row in rows])
    sampler.sampler.set_epoch(3)  # what Lightning calls on DataLoader.batch_sampler.sampler
    assert dataset.epochs == [3]
    assert sorted(i for batch in loader for i in batch) == list(range(63))
    assert isinstance(loader.batch_sampler.sampler, EpochShuffle)


class RecordingTask(pl.LightningModule):
    """Writes the example indices each process trains and validates on, per epoch."""

    def __init__(self, out_dir: str) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))
        self.out_dir = out_dir
        self.seen: dict[str, list[list[int]]] = {}

    def _record(self, kind: str, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        self.seen.setdefault(f"{kind}{self.current_epoch}", []).append(batch["index"].tolist())
        return (self.weight * batch["length"].float()).mean()

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self._record("train", batch)

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        self.log("val_loss", self._record("val", batch), sync_dist=True, batch_size=len(batch["index"]))

    def on_train_end(self) -> None:
        Path(self.out_dir, f"rank{self.global_rank}.json").write_text(json.dumps(self.seen))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    return {"index": torch.tensor([r["index"] for r in rows]), "length": torch.tensor([len(r["input_ids"]) for r in rows])}


@pytest.mark.parametrize("devices", [1, 2])
def test_trainer_shares_each_epoch_among_processes_exactly_once(tmp_path: Path, devices: int) -> None:
    config = DownstreamConfig(downstream_model_dir=str(tmp_path), accelerator="cpu", devices=devices, precision="32-true",
                        strategy="ddp_notebook" if devices > 1 else "auto", epochs=2, batch_size=8, seed=5,
                        log_every_n_steps=1)
    train, val = reviews(101, seed=1), reviews(37, seed=2)
    train_loader = DataLoader(train, batch_sampler=make_batch_sampler(train, config, train=True), collate_fn=collate)
    val_loader = DataLoader(val, batch_sampler=make_batch_sampler(val, config, train=False), collate_fn=collate)
    trainer = make_trainer(config, monitor="val_loss", mode="min")
    trainer.fit(RecordingTask(str(tmp_path)), train_dataloaders=train_loader, val_dataloaders=val_loader)
    ranks = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in range(devices)]
    orders = []
    for epoch in (0, 1):
        for kind, size in (("train", 101), ("val", 37)):
            indices = Counter(i for seen in ranks for batch in seen[f"{kind}{epoch}"] for i in batch)
            assert sorted(indices) == list(range(size)) and set(indices.values()) == {1}, (kind, epoch)
            assert len({len(seen[f"{kind}{epoch}"]) for seen in ranks}) == 1
        orders.append(ranks[0]["train0" if epoch == 0 else "train1"])
    assert orders[0] != orders[1]  # Lightning told the sampler the epoch
    # The first epoch is the sampler's epoch 0 for this process's share.
    expected = LengthGroupedBatchSampler(train, 8, seed=5, num_replicas=devices, rank=0)
    assert ranks[0]["train0"] == epoch_batches(expected, 0)
    assert ranks[0]["train1"] == epoch_batches(expected, 1)


@pytest.mark.parametrize("count, batch_size, replicas", [(3, 4, 8), (1, 1, 8), (5, 1, 4), (2, 16, 3)])
@pytest.mark.parametrize("train", [True, False])
def test_fewer_examples_than_batches_are_repeated_and_no_batch_is_empty(
    count: int, batch_size: int, replicas: int, train: bool
) -> None:
    # 3 examples on 8 TPU cores: every process still gets a batch with a real example (the collator cannot
    # pad an empty one), repeated cyclically as DistributedSampler does.
    dataset = reviews(count)
    uses: Counter[int] = Counter()
    for rank in range(replicas):
        sampler = LengthGroupedBatchSampler(dataset, batch_size, shuffle=train, seed=1, num_replicas=replicas, rank=rank)
        batches = epoch_batches(sampler, 0)
        assert len(batches) == len(sampler) and all(1 <= len(batch) <= batch_size for batch in batches), batches
        uses.update(index for batch in batches for index in batch)
    assert sorted(uses) == list(range(count)) and max(uses.values()) - min(uses.values()) <= 1


def test_a_dataset_without_examples_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="예제가 하나도 없어 배치를 만들 수 없습니다. 고치는 법: "):
        make_batch_sampler([], DownstreamConfig(batch_size=8), train=True)


def test_a_saved_position_resumes_its_epoch_at_the_next_batch_and_a_mismatch_is_named() -> None:
    dataset = reviews(100)
    sampler = LengthGroupedBatchSampler(dataset, 8, seed=3, num_replicas=2, rank=1)
    whole = epoch_batches(sampler, 2)
    position = sampler.position(4)  # what a checkpoint keeps after 4 of the epoch's steps
    assert position == {"epoch": 2, "batches_done": 4, "dataset_length": 100, "batch_size": 8, "num_replicas": 2,
                        "seed": 3}
    resumed = LengthGroupedBatchSampler(dataset, 8, seed=3, num_replicas=2, rank=1)
    resumed.set_epoch(2)
    assert resumed.resume_at(position) is None
    assert list(resumed) == whole[4:] and len(resumed) == len(whole)  # Lightning still counts the whole epoch
    assert epoch_batches(resumed, 3) == epoch_batches(sampler, 3)  # the next epoch is whole again
    # Another batch size (a GPU run resumed on a CPU): the 4 batches were other examples; nothing is skipped.
    smaller = LengthGroupedBatchSampler(dataset, 4, seed=3, num_replicas=2, rank=1)
    smaller.set_epoch(2)
    notice = smaller.resume_at(position)
    assert notice is not None and "batch_size 8 -> 4" in notice and "고치는 법: " in notice and "\n" not in notice
    assert list(smaller) == epoch_batches(LengthGroupedBatchSampler(dataset, 4, seed=3, num_replicas=2, rank=1), 2)
    assert "dataset_length 100 -> 99" in LengthGroupedBatchSampler(reviews(99), 8, seed=3, num_replicas=2).resume_at(position)
