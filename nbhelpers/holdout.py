"""The validation set that picks the checkpoint, held out from the training data in whole groups.

A score read on the data that chose the checkpoint is optimistic: among the epochs' checkpoints, the
best on a set is partly the luckiest on that set. So every chapter reports its metric on the corpus's
official dev or test file, read once at the end, and picks the best checkpoint on a validation set cut
from the training data here.

The cut keeps related examples together, or the validation score rises for the wrong reason: a
KLUE-NLI premise comes with several hypotheses, a KorQuAD paragraph with several questions, a KMOU
file is one article, NSMC holds reviews written twice word for word. The chapter says what belongs
together (``key``); whole groups are drawn in a seeded random order until the held-out examples reach
``fraction`` of the data (at most ``max_examples``), so the same data and seed always give the same split.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass(frozen=True)
class HoldOut(Generic[Item]):
    """Training examples split into what is trained on and the validation set that picks the checkpoint.

    Attributes:
        train: The examples left for training, in their original order.
        val: The held-out validation examples, in their original order.
        group: What the examples are grouped by, in words (e.g. ``"전제(premise)"``).
        train_groups: Groups left in ``train``.
        val_groups: Groups in ``val``.
        fraction: The share of the examples that was asked for.
        max_examples: The cap on the held-out examples that was asked for.
        seed: The seed of the group order.
    """

    train: list[Item]
    val: list[Item]
    group: str
    train_groups: int
    val_groups: int
    fraction: float
    max_examples: int
    seed: int

    def summary(self, purpose: str = "검증용") -> str:
        """Korean sentences with the real counts, for the notebook (``purpose``: what the held-out part is for)."""
        total = len(self.train) + len(self.val)
        return (
            f"학습 데이터 {total:,}개를 {self.group} 단위로 묶으면 {self.train_groups + self.val_groups:,}묶음입니다. "
            f"시드 {self.seed}로 고른 {self.val_groups:,}묶음({len(self.val):,}개, {len(self.val) / total:.1%})을 "
            f"{purpose}으로 떼어 두고 {len(self.train):,}개로 학습합니다 "
            f"(설정: holdout_fraction={self.fraction:g}, holdout_max_examples={self.max_examples:,})."
        )


def hold_out(
    items: Sequence[Item],
    key: Callable[[Item], Hashable],
    fraction: float,
    max_examples: int,
    seed: int,
    group: str = "예제",
    min_groups: int = 1,
) -> HoldOut[Item]:
    """Hold out whole groups of ``items`` (``key`` gives each item's group) as the validation set.

    Groups are drawn in a random order from ``seed`` until the held-out items reach
    ``min(round(fraction * len(items)), max_examples)`` (at least one item; the last group drawn may
    overshoot by its size). Each side gets at least ``min_groups`` groups (NSP needs two documents to
    draw a random next sentence from), so fewer than ``2 * min_groups`` groups is an error.
    """
    if not 0 < fraction < 1:
        raise ValueError(
            f"holdout_fraction={fraction!r}: 검증용으로 떼어 낼 학습 데이터의 비율은 0과 1 사이여야 합니다. "
            "고치는 법: 설정에서 holdout_fraction을 0.05처럼 적으세요."
        )
    if max_examples < 1:
        raise ValueError(
            f"holdout_max_examples={max_examples!r}: 검증 데이터는 한 개 이상이어야 합니다. "
            "고치는 법: 설정에서 holdout_max_examples를 5000처럼 적으세요."
        )
    members: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        members.setdefault(key(item), []).append(index)
    if len(members) < 2 * min_groups:
        raise ValueError(
            f"학습 데이터 {len(items):,}개가 {group} 묶음 {len(members)}개뿐이라 떼어 낼 수 없습니다"
            f"(떼어 낸 쪽과 남는 쪽에 {min_groups}묶음 이상씩 있어야 합니다). 고치는 법: 학습 데이터를 더 넣으세요."
        )
    order = list(members)
    random.Random(seed).shuffle(order)
    target = max(1, min(round(fraction * len(items)), max_examples))
    held: set[int] = set()
    val_groups = 0
    for name in order[: len(order) - min_groups]:  # the last groups in the order always stay for training
        if len(held) >= target and val_groups >= min_groups:
            break
        held.update(members[name])
        val_groups += 1
    return HoldOut(
        train=[item for index, item in enumerate(items) if index not in held],
        val=[item for index, item in enumerate(items) if index in held],
        group=group,
        train_groups=len(members) - val_groups,
        val_groups=val_groups,
        fraction=fraction,
        max_examples=max_examples,
        seed=seed,
    )
