"""Accuracy and per-class precision/recall/F1 for the classification chapters (what the field reports)."""

from __future__ import annotations

from collections.abc import Sequence

from nbhelpers.text import pad


def per_class_report(y_true: Sequence[int], y_pred: Sequence[int], label_names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label, plus ``accuracy`` under the key ``"all"``."""
    report: dict[str, dict[str, float]] = {}
    for index, name in enumerate(label_names):
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == index and p == index)
        predicted = sum(1 for p in y_pred if p == index)
        support = sum(1 for t in y_true if t == index)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[name] = {"precision": precision, "recall": recall, "f1": f1, "support": float(support)}
    correct = sum(1 for t, p in zip(y_true, y_pred) if t == p)
    report["all"] = {"accuracy": correct / len(y_true) if y_true else 0.0, "support": float(len(y_true))}
    return report


def print_report(report: dict[str, dict[str, float]]) -> None:
    print(f"{'label':<15}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for name, row in report.items():
        if name != "all":
            print(f"{pad(name, 15)}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{int(row['support']):>10}")
    print(f"{'accuracy':<15}{report['all']['accuracy']:>30.4f}{int(report['all']['support']):>10}")
