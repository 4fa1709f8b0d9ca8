"""The plots the chapters show: training curves, token lengths, confusion matrices, per-class bars.

Axis labels are English: Colab's matplotlib has no Korean font and would draw empty boxes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from nbhelpers.config import BaseConfig


def plot_training_curves(config: BaseConfig, keys: Sequence[str] = ("train_loss", "val_loss", "val_acc")) -> None:
    """One panel per logged metric, against the optimizer step."""
    from nbhelpers.training import read_logged_metrics

    rows = read_logged_metrics(config)
    present = [key for key in keys if any(key in row for row in rows)]
    if not present:
        print("아직 기록된 학습 지표가 없습니다.")
        return
    figure, axes = plt.subplots(1, len(present), figsize=(4.5 * len(present), 3.2), squeeze=False)
    for axis, key in zip(axes[0], present):
        points = [(row["step"], row[key]) for row in rows if key in row]
        steps, values = zip(*points)
        axis.plot(steps, values, marker="o" if len(points) < 30 else None)
        axis.set_title(key)
        axis.set_xlabel("step")
    figure.tight_layout()
    plt.show()


def plot_length_histogram(lengths: Sequence[int], max_seq_length: int) -> None:
    """Token lengths with ``max_seq_length`` marked, and the share of inputs it truncates."""
    lengths = np.asarray(lengths)
    truncated = float((lengths >= max_seq_length).mean())
    plt.figure(figsize=(6, 3))
    plt.hist(lengths, bins=50)
    plt.axvline(max_seq_length, color="red", linestyle="--", label=f"max_seq_length={max_seq_length}")
    plt.xlabel("tokens per example")
    plt.ylabel("examples")
    plt.legend()
    plt.tight_layout()
    plt.show()
    print(
        f"토큰 길이: 중앙값 {np.median(lengths):.0f}, 95% {np.percentile(lengths, 95):.0f}, 최대 {lengths.max()}; "
        f"max_seq_length={max_seq_length} 에서 잘리는 비율 {truncated:.1%}"
    )


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], num_labels: int) -> np.ndarray:
    matrix = np.zeros((num_labels, num_labels), dtype=int)
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix


def plot_confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], label_names: Sequence[str]) -> np.ndarray:
    """Counts of (true, predicted) label pairs; rows are the truth."""
    matrix = confusion_matrix(y_true, y_pred, len(label_names))
    figure, axis = plt.subplots(figsize=(1.4 * len(label_names) + 2, 1.2 * len(label_names) + 1.5))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(label_names)), label_names, rotation=30)
    axis.set_yticks(range(len(label_names)), label_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (i, j), count in np.ndenumerate(matrix):
        axis.text(j, i, str(count), ha="center", va="center", color="black")
    figure.tight_layout()
    plt.show()
    return matrix


def plot_bars(values: dict[str, float], title: str, ylabel: str = "") -> None:
    plt.figure(figsize=(max(4, 0.7 * len(values) + 2), 3))
    plt.bar(list(values), list(values.values()))
    plt.title(title)
    plt.ylabel(ylabel)
    plt.ylim(0, max(1.0, max(values.values(), default=0)))
    plt.tight_layout()
    plt.show()
