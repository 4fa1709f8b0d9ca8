"""Padding and batching choices every chapter's DataLoader shares.

Padding happens per batch in the collator, to the longest example of the batch: short reviews then
cost short compute (see ``bench/padding.py``). The exception is the TPU, where every new tensor shape
triggers an XLA recompilation, so there every batch is padded to ``max_seq_length``.

Padding to the longest row of a *random* batch still wastes most of the work: NSMC reviews average
about 21 tokens, but a batch of 32 random reviews usually holds one of 60 or more. So training
batches are grouped by length, as Hugging Face's ``group_by_length`` and fairseq's buckets do
(:class:`LengthGroupedBatchSampler`): shuffle with the seed and the epoch, cut the order into
mega-batches of 50 steps, sort each mega-batch by length, cut it into batches and shuffle the
batches. Every batch then holds rows of similar length; which rows share a batch changes every
epoch and the batches come in random order, so training follows no fixed order. That a batch's rows
are alike in length is the one difference from random batches (``bench/train_speed.py`` compares the
validation accuracy of both). Evaluation goes through
the examples from longest to shortest (:func:`length_order`); results travel with their example's
index, so they are put back in input order.

Under DDP each process takes its own share of every step (the sampler splits the data itself, so
the Trainer runs with ``use_distributed_sampler=False``): every example is seen exactly once per
epoch across processes, every process gets the same number of batches, and the batches of one step
have similar lengths, so no process waits for a much longer batch of another.

A training run cut inside an epoch (a Colab disconnect, ``max_time``) resumes at the next batch of
that epoch: the checkpoint keeps the sampler's :meth:`LengthGroupedBatchSampler.position` and the
resumed run hands it back (:meth:`LengthGroupedBatchSampler.resume_at`; ``nbhelpers.training.ExactResume``
does both), so the resumed run trains on exactly the batches the uninterrupted run would have.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence, Sized
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import Sampler

from nbhelpers.config import BaseConfig

MEGA_BATCH_STEPS = 50
"""Steps per mega-batch: the window inside which examples are sorted by length (Hugging Face uses 50)."""

POSITION_KEYS = ("dataset_length", "batch_size", "num_replicas", "seed")
"""What must be the same for a saved position to point at the same batches (the epoch is checked apart)."""

EMPTY_DATASET = (
    "데이터셋에 예제가 하나도 없어 배치를 만들 수 없습니다. 고치는 법: train_file·val_file이 가리키는 파일에 "
    "예제가 있는지, 전처리에서 모두 걸러지지 않았는지 확인하세요."
)


def padding_for(accelerator: str, max_length: int) -> dict[str, Any]:
    """The padding rule, in the keyword arguments of transformers' padding collators and ``tokenizer.pad``.

    ``accelerator`` is ``"tpu"``, ``"gpu"`` or ``"cpu"``: a fixed ``max_length`` on a TPU (one shape, no
    recompilation), the batch's longest input rounded up to a multiple of 8 on a GPU (tensor cores), the
    longest input on a CPU. Training (:func:`padding_options`) and prediction (``Predictor.padding``) use it.
    """
    if accelerator == "tpu":
        return {"padding": "max_length", "max_length": max_length}
    if accelerator == "gpu":
        return {"padding": "longest", "pad_to_multiple_of": 8}
    return {"padding": "longest"}


def padding_options(config: BaseConfig) -> dict[str, Any]:
    """Keyword arguments for transformers' padding collators, chosen for the config's accelerator."""
    return padding_for(config.accelerator, config.max_seq_length)


def pad_to_multiple_of(config: BaseConfig) -> int | None:
    """The same rule for collators that take only ``pad_to_multiple_of`` (``DataCollatorForLanguageModeling``).

    On a TPU a multiple of ``max_seq_length`` is ``max_seq_length`` itself, since no input is longer.
    """
    options = padding_options(config)
    if options["padding"] == "max_length":
        return int(options["max_length"])
    return options.get("pad_to_multiple_of")


def dataloader_options(config: BaseConfig, dataset: object) -> dict[str, Any]:
    """Worker keywords for a chapter's ``DataLoader(dataset, ..., **dataloader_options(config, dataset))``.

    ``config.num_workers`` processes prepare batches while the accelerator computes. On a GPU they are
    kept alive between epochs and across the validation runs inside an epoch (``persistent_workers``):
    otherwise every pass forks them anew, and each fork copies the notebook process (datasets,
    tokenizer) before the first batch comes. Not for a dataset that changes with the epoch (it has a
    ``set_epoch`` method): persistent workers would keep serving their copy of the first epoch. On a
    GPU batches also go into pinned (page-locked) memory, from which the copy to the GPU is faster
    (``pin_memory``), except when ``fit`` forks its processes (``ddp_notebook``, several GPUs from a
    notebook): pinning needs a CUDA context, and a notebook that looks at one batch before training
    (every chapter does) would then have initialised CUDA, which a forked process cannot inherit.
    """
    workers = max(0, config.num_workers)
    on_gpu = config.accelerator == "gpu"
    changes_per_epoch = callable(getattr(dataset, "set_epoch", None))
    forks = config.strategy in ("ddp_notebook", "ddp_fork")
    return {
        "num_workers": workers,
        "persistent_workers": on_gpu and workers > 0 and not changes_per_epoch,
        "pin_memory": on_gpu and not forks,
    }


def length_order(lengths: Sequence[int]) -> list[int]:
    """Indices of the examples from longest to shortest (stable for equal lengths).

    Evaluation and prediction batch examples in this order so that each batch pads to a length close to
    its own rows'; callers put the results back with the same indices, so outputs keep the input order.
    The longest batch comes first, so an out-of-memory error shows up at once, not at the end.
    """
    return sorted(range(len(lengths)), key=lambda index: -lengths[index])


def dataset_lengths(dataset: Sized) -> list[int]:
    """Tokens per example: the dataset's ``lengths`` when it has them, else ``len(item["input_ids"])``.

    A dataset whose rows are stored padded (QA windows) must define ``lengths``: the padded width would
    make every example look equally long.
    """
    lengths = getattr(dataset, "lengths", None)
    if lengths is not None:
        return [int(length) for length in lengths]
    return [len(dataset[index]["input_ids"]) for index in range(len(dataset))]  # type: ignore[index]


_REPLICAS: tuple[int, int] | None = None


def set_replicas(num_replicas: int | None, rank: int = 0) -> None:
    """Tell the samplers of this process how many processes share the data and which one this is.

    The Trainer's :class:`nbhelpers.training.ShareBatches` callback calls it when a run starts, from
    Lightning's own ``world_size`` and ``global_rank`` (on a TPU there is no ``torch.distributed``
    group to ask); ``None`` forgets it again.
    """
    global _REPLICAS
    _REPLICAS = None if num_replicas is None else (num_replicas, rank)


def current_replicas() -> tuple[int, int]:
    """``(number of processes, rank of this one)``: as set by the Trainer, else ``torch.distributed``, else one."""
    if _REPLICAS is not None:
        return _REPLICAS
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


class EpochShuffle(Sampler[int]):
    """The order of a dataset in one epoch: a permutation drawn from ``seed + epoch``, or input order.

    Lightning calls ``set_epoch`` on ``DataLoader.batch_sampler.sampler`` before every epoch, as it does
    for ``DistributedSampler``; a dataset that changes with the epoch (chapter 1 draws new sentence
    pairs every epoch) hears of it here, before the DataLoader's workers copy it. In the first epoch of
    a resumed run Lightning makes the DataLoader iterator before it calls ``set_epoch``, and with worker
    processes that iterator draws its first batches at once: ``nbhelpers.training.ExactResume`` tells
    the sampler the epoch at the start of training and makes the iterator again.

    Attributes:
        dataset: What is sampled; told the epoch when it has a ``set_epoch`` method.
        shuffle: Permute (training) or keep input order (evaluation).
        seed: Base seed; the permutation of epoch ``e`` comes from ``seed + e`` in every process.
        epoch: The current epoch.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int = 0) -> None:
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        set_dataset_epoch = getattr(self.dataset, "set_epoch", None)
        if callable(set_dataset_epoch):
            set_dataset_epoch(epoch)

    def __len__(self) -> int:
        return len(self.dataset)

    def __iter__(self) -> Iterator[int]:
        if not self.shuffle:
            return iter(range(len(self.dataset)))
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(len(self.dataset), generator=generator).tolist())


class LengthGroupedBatchSampler(Sampler[list[int]]):
    """Batches of similar-length examples in random order (training) or longest first (evaluation).

    Training (``shuffle=True``): the epoch's permutation (:class:`EpochShuffle`) is cut into
    mega-batches of ``mega_batch_steps`` steps, each sorted by length and cut into steps; the steps
    are shuffled (from ``seed`` and the epoch too) and the one holding the longest example goes first,
    so an out-of-memory error shows up in the first step, not hours later. Evaluation
    (``shuffle=False``): longest to shortest. ``group_by_length=False`` gives the plain batches of
    ``DataLoader(shuffle=...)``: consecutive examples of the permutation, or of the input order.

    A step is one batch for each of the ``num_replicas`` processes, cut from consecutive examples, so
    the processes of one step get similar lengths. Every process gets the same number of batches
    (``len(self)``); the last step or two are split evenly instead of leaving a short remainder, so
    every example is used exactly once per epoch. Only when there are fewer examples than batches to
    fill (batch size 1, or fewer examples than processes: 3 examples on 8 TPU cores) are examples
    repeated, cyclically as ``DistributedSampler`` does, so no batch is ever empty. A dataset without
    examples is an error.

    ``len(self)`` is always the whole epoch's batch count. After :meth:`resume_at`, the next pass over
    that epoch starts after the batches a checkpoint says were trained (Lightning counts them as done).

    Attributes:
        sampler: The :class:`EpochShuffle` that Lightning tells the epoch.
        batch_size: Examples per batch per process (the last steps may hold fewer).
        group_by_length: Sort within mega-batches (training) or the whole set (evaluation).
        drop_last: Always False: no example is dropped (kept for ``BatchSampler``'s interface).
    """

    def __init__(
        self,
        dataset: Sized,
        batch_size: int,
        *,
        shuffle: bool = True,
        group_by_length: bool = True,
        seed: int = 0,
        mega_batch_steps: int = MEGA_BATCH_STEPS,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size}: 배치에는 예제가 하나 이상 있어야 합니다. 고치는 법: batch_size를 1 이상으로 주세요.")
        if len(dataset) == 0:
            raise ValueError(EMPTY_DATASET)
        self.sampler = EpochShuffle(dataset, shuffle=shuffle, seed=seed)
        self.batch_size = batch_size
        self.group_by_length = group_by_length
        self.mega_batch_steps = max(1, mega_batch_steps)
        self.drop_last = False
        self._replicas = (num_replicas, rank)
        self._resume: tuple[int, int] | None = None  # (epoch, batches of it already trained)
        # A dataset that changes with the epoch changes its lengths too: those are read per epoch.
        self._fixed_lengths = None if callable(getattr(dataset, "set_epoch", None)) else dataset_lengths(dataset)

    @property
    def dataset(self) -> Sized:
        return self.sampler.dataset

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def replicas(self) -> tuple[int, int]:
        """``(number of processes, rank of this one)``: as given, else as the run says (:func:`current_replicas`)."""
        num_replicas, rank = self._replicas
        if num_replicas is None:
            return current_replicas()
        return num_replicas, rank or 0

    def __len__(self) -> int:
        num_replicas, _ = self.replicas()
        return math.ceil(len(self.dataset) / (num_replicas * self.batch_size))

    def position(self, batches_done: int) -> dict[str, int]:
        """Where training stands in this epoch, for a checkpoint: ``batches_done`` of the epoch's batches
        are trained; the other values say which batches those were (see :meth:`resume_at`)."""
        num_replicas, _ = self.replicas()
        return {"epoch": self.sampler.epoch, "batches_done": batches_done, "dataset_length": len(self.dataset),
                "batch_size": self.batch_size, "num_replicas": num_replicas, "seed": self.sampler.seed}

    def resume_at(self, position: Mapping[str, int] | None) -> str | None:
        """Make the next pass over ``position["epoch"]`` skip the ``batches_done`` batches trained before.

        Returns None when the position fits this sampler (or is None: no skip). When the data, batch size,
        number of processes or seed differ, the saved count points at other batches: nothing is skipped
        and a one-line Korean notice saying what differs is returned for the caller to show.
        """
        self._resume = None
        if position is None:
            return None
        current = self.position(int(position["batches_done"]))
        differs = [f"{key} {position.get(key)} -> {current[key]}" for key in POSITION_KEYS
                   if position.get(key) != current[key]]
        if differs:
            return (
                f"이어 학습: 체크포인트의 위치({int(position['epoch']) + 1}번째 에폭에서 배치 {position['batches_done']}개까지 "
                "학습)가 "
                f"지금 데이터로더와 맞지 않습니다({', '.join(differs)}). 이 에폭의 남은 배치는 에폭의 처음 순서부터 읽으므로 "
                "일부 예제는 두 번 보고 일부는 이 에폭에서 보지 못합니다. 고치는 법: 처음과 같은 데이터, batch_size, 장치 수로 "
                "이어 가거나(batch_size=0이면 가속기가 정합니다), resume=False로 처음부터 학습하세요."
            )
        self._resume = (int(position["epoch"]), int(position["batches_done"]))
        return None

    def __iter__(self) -> Iterator[list[int]]:
        num_replicas, rank = self.replicas()
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not one of the {num_replicas} processes.")
        skip = self._resume[1] if self._resume is not None and self._resume[0] == self.sampler.epoch else 0
        for step in self.steps(num_replicas)[skip:]:
            yield step[rank]

    def steps(self, num_replicas: int = 1) -> list[list[list[int]]]:
        """This epoch's steps, each a list of one batch (example indices) per process."""
        lengths = self._fixed_lengths if self._fixed_lengths is not None else dataset_lengths(self.dataset)
        if len(lengths) == 0:
            raise ValueError(EMPTY_DATASET)
        step_size = num_replicas * self.batch_size
        order = list(self.sampler)
        shuffle = self.sampler.shuffle
        if self.group_by_length:
            if shuffle:
                window = step_size * self.mega_batch_steps
                order = [
                    index
                    for start in range(0, len(order), window)
                    for index in sorted(order[start : start + window], key=lambda i: -lengths[i])
                ]
            else:
                order = length_order(lengths)
        count = math.ceil(len(order) / step_size)
        missing = count * num_replicas - len(order)
        if missing > 0:  # fewer examples than batches: repeat from the start, as often as it takes
            order += (order * math.ceil(missing / len(order)))[:missing]
        batches: list[list[int]] = []
        start = 0
        for size in _batch_sizes(len(order), num_replicas, self.batch_size):
            batches.append(order[start : start + size])
            start += size
        steps = [batches[first : first + num_replicas] for first in range(0, len(batches), num_replicas)]
        if shuffle and self.group_by_length:
            random.Random(f"steps:{self.sampler.seed}:{self.sampler.epoch}").shuffle(steps)
            longest = max(range(len(steps)), key=lambda s: max(lengths[i] for batch in steps[s] for i in batch))
            steps.insert(0, steps.pop(longest))
        return steps


def _batch_sizes(total: int, num_replicas: int, batch_size: int) -> list[int]:
    """Sizes of ``ceil(total / (num_replicas * batch_size))`` steps of ``num_replicas`` batches.

    Full batches, then the last step (or the last two, when the last would leave a process without an
    example) split as evenly as possible. Needs ``total >= steps * num_replicas``.
    """
    step_size = num_replicas * batch_size
    count = math.ceil(total / step_size)
    remainder = total - (count - 1) * step_size
    tail_steps = 1 if remainder >= num_replicas or count == 1 else 2
    tail = total - (count - tail_steps) * step_size
    parts = tail_steps * num_replicas
    return [batch_size] * ((count - tail_steps) * num_replicas) + [
        tail // parts + (1 if part < tail % parts else 0) for part in range(parts)
    ]


def make_batch_sampler(dataset: Sized, config: BaseConfig, train: bool) -> LengthGroupedBatchSampler:
    """The batches of a chapter's DataLoader: ``DataLoader(dataset, batch_sampler=..., collate_fn=...)``.

    Training batches are shuffled anew every epoch from ``config.seed``; evaluation goes from the
    longest example to the shortest. ``config.group_by_length=False`` gives plain random (training)
    or input-order (evaluation) batches instead.
    """
    return LengthGroupedBatchSampler(
        dataset,
        config.batch_size,
        shuffle=train,
        group_by_length=config.group_by_length,
        seed=config.seed,
    )
