"""The plots the chapters show: training curves, token lengths, confusion matrices, per-class bars.

Axis labels are English: Colab's matplotlib has no Korean font and would draw empty boxes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from nbhelpers.config import BaseConfig

PANELS_PER_ROW = 3
"""More panels than this side by side are unreadable at Colab's width: they wrap to the next row."""


def curve_points(rows: Sequence[dict[str, float]], key: str) -> list[tuple[float, float]]:
    """``(step, value)`` of ``key`` in logging order, one per step.

    A validation logged again at a step that already has one (re-validating the best checkpoint after
    training, in logs written before ``finish_training`` stopped logging it) is not a new point of the
    curve: drawn as the last point, it would look as if the metric jumped at the end. The first value
    logged at a step is kept.
    """
    seen: set[float] = set()
    points: list[tuple[float, float]] = []
    for row in rows:
        if key in row and row.get("step", 0.0) not in seen:
            seen.add(row.get("step", 0.0))
            points.append((row.get("step", 0.0), row[key]))
    return points


def best_checkpoint_step(config: BaseConfig) -> int | None:
    """The optimizer step of the best checkpoint ``metrics.json`` names (``...-step=78-...``), if any."""
    path = Path(config.model_dir) / "metrics.json"
    if not path.is_file():
        return None
    try:
        best = json.loads(path.read_text(encoding="utf-8")).get("best_checkpoint") or ""
    except json.JSONDecodeError:
        return None
    match = re.search(r"step=(\d+)", Path(best).name)
    return int(match.group(1)) if match else None


def panel_grid(count: int, per_row: int = PANELS_PER_ROW) -> tuple[int, int]:
    """Rows and columns for ``count`` panels, at most ``per_row`` to a row."""
    columns = max(1, min(count, per_row))
    return -(-count // columns), columns


def training_curves_figure(
    config: BaseConfig, keys: Sequence[str] = ("train_loss", "val_loss", "val_acc")
) -> Figure | None:
    """One panel per logged metric against the optimizer step, at most three to a row; None if nothing is logged.

    The best checkpoint's step (from ``metrics.json``) is marked with a dotted line on every panel:
    that is the model the chapter evaluates and exports, not necessarily the last one.
    """
    from nbhelpers.training import read_logged_metrics

    rows = read_logged_metrics(config)
    present = [key for key in keys if any(key in row for row in rows)]
    if not present:
        return None
    grid_rows, columns = panel_grid(len(present))
    figure, axes = plt.subplots(grid_rows, columns, figsize=(4.5 * columns, 3.2 * grid_rows), squeeze=False)
    best_step = best_checkpoint_step(config)
    for axis, key in zip(axes.flat, present):
        points = curve_points(rows, key)
        steps, values = zip(*points)
        axis.plot(steps, values, marker="o" if len(points) < 30 else None)
        if best_step is not None:
            axis.axvline(best_step, color="gray", linestyle=":", label="best checkpoint")
            axis.legend(loc="best", fontsize="small")
        axis.set_title(key)
        axis.set_xlabel("step")
    for axis in list(axes.flat)[len(present) :]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure


def plot_training_curves(config: BaseConfig, keys: Sequence[str] = ("train_loss", "val_loss", "val_acc")) -> None:
    """Show :func:`training_curves_figure` (returns nothing, so a notebook does not draw it twice)."""
    if training_curves_figure(config, keys) is None:
        print("아직 기록된 학습 지표가 없습니다.")
        return
    plt.show()


def plot_length_histogram(lengths: Sequence[int], max_seq_length: int) -> None:
    """Token lengths with ``max_seq_length`` marked, and the share of inputs it truncates.

    ``lengths`` are counts of the untruncated encodings (special tokens included): lengths of encodings
    already cut at ``max_seq_length`` would pile up at the line and hide how much is cut.
    """
    lengths = np.asarray(lengths)
    truncated = float((lengths > max_seq_length).mean())
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


def cell_text_colors(matrix: np.ndarray) -> list[list[str]]:
    """White digits on the dark half of the colour scale, black on the light half: both stay readable."""
    top = matrix.max() if matrix.size else 0
    return [["white" if top and value > top / 2 else "black" for value in row] for row in matrix]


def plot_confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], label_names: Sequence[str]) -> np.ndarray:
    """Counts of (true, predicted) label pairs; rows are the truth."""
    matrix = confusion_matrix(y_true, y_pred, len(label_names))
    figure, axis = plt.subplots(figsize=(1.4 * len(label_names) + 2, 1.2 * len(label_names) + 1.5))
    axis.imshow(matrix, cmap="Blues", vmin=0)
    axis.set_xticks(range(len(label_names)), label_names, rotation=30)
    axis.set_yticks(range(len(label_names)), label_names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    colors = cell_text_colors(matrix)
    for (i, j), count in np.ndenumerate(matrix):
        axis.text(j, i, str(count), ha="center", va="center", color=colors[i][j])
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
