"""Training curves: the best checkpoint's re-validation is not drawn as the last point, panels wrap at three."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification, DataCollatorWithPadding  # noqa: E402

from nbhelpers.classification.config import ClassificationConfig  # noqa: E402
from nbhelpers.classification.features import encode_classification  # noqa: E402
from nbhelpers.classification.task import ClassificationTask  # noqa: E402
from nbhelpers.config import resolve_config  # noqa: E402
from nbhelpers.plots import (  # noqa: E402
    best_checkpoint_step,
    curve_points,
    panel_grid,
    training_curves_figure,
)
from nbhelpers.training import LOG_DIR_NAME, finish_training, make_trainer, read_logged_metrics  # noqa: E402

KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "grad_norm")


def write_log(model_dir: Path, rows: list[dict[str, float]], best: str) -> None:
    path = model_dir / LOG_DIR_NAME / "version_0" / "metrics.csv"
    path.parent.mkdir(parents=True)
    names = sorted({key for row in rows for key in row})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    (model_dir / "metrics.json").write_text(json.dumps({"best_checkpoint": str(model_dir / best)}), encoding="utf-8")


@pytest.fixture()
def logged_run(tmp_path: Path) -> ClassificationConfig:
    rows: list[dict[str, float]] = []
    for step in range(1, 31):
        rows.append({"step": step, "train_loss": 1.0 / step, "train_acc": 0.5, "lr": 1e-3, "grad_norm": 1.0})
        if step % 10 == 0:
            rows.append({"step": step, "val_loss": 1.0 / step, "val_acc": step / 40})
    # What logs written before finish_training stopped logging it hold: the best (step 20) validated again at the end.
    rows.append({"step": 30, "val_loss": 0.05, "val_acc": 0.5})
    write_log(tmp_path, rows, "best-epoch=1-step=20-val_acc=0.5000.ckpt")
    return ClassificationConfig(downstream_model_dir=str(tmp_path))


def test_a_second_validation_at_the_same_step_is_not_a_new_point() -> None:
    rows = [{"step": 10, "val_acc": 0.6}, {"step": 20, "val_acc": 0.7}, {"step": 20, "val_acc": 0.6}]
    assert curve_points(rows, "val_acc") == [(10, 0.6), (20, 0.7)]
    assert curve_points(rows, "val_loss") == []


@pytest.mark.parametrize(("count", "grid"), [(1, (1, 1)), (3, (1, 3)), (4, (2, 3)), (6, (2, 3)), (7, (3, 3))])
def test_panels_wrap_at_three_per_row(count: int, grid: tuple[int, int]) -> None:
    assert panel_grid(count) == grid


def test_curves_wrap_drop_the_revalidation_and_mark_the_best_step(logged_run: ClassificationConfig) -> None:
    assert best_checkpoint_step(logged_run) == 20
    figure = training_curves_figure(logged_run, keys=KEYS)
    assert figure is not None
    visible = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in visible] == list(KEYS)
    columns = {round(axis.get_position().x0, 3) for axis in visible}
    rows = {round(axis.get_position().y0, 3) for axis in visible}
    assert len(columns) == 3 and len(rows) == 2
    val_acc = visible[KEYS.index("val_acc")]
    curve, best_line = val_acc.get_lines()
    assert list(curve.get_xdata()) == [10, 20, 30] and list(curve.get_ydata()) == [0.25, 0.5, 0.75]
    assert list(best_line.get_xdata()) == [20, 20]
    plt.close(figure)


def test_no_logs_no_figure(tmp_path: Path) -> None:
    assert training_curves_figure(ClassificationConfig(downstream_model_dir=str(tmp_path))) is None
    assert best_checkpoint_step(ClassificationConfig(downstream_model_dir=str(tmp_path))) is None


def test_finish_training_does_not_log_its_revalidation(tmp_path: Path, tiny_model_dir: Path, nsmc_sample) -> None:  # noqa: ANN001
    train, val = nsmc_sample
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(tmp_path / "run")}
    config = resolve_config(ClassificationConfig(), env=env, show=False)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    collator = DataCollatorWithPadding(tokenizer)
    train_dl = DataLoader(encode_classification(train[:64], tokenizer, 64), batch_size=16, collate_fn=collator)
    val_dl = DataLoader(encode_classification(val[:32], tokenizer, 64), batch_size=16, collate_fn=collator)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2)
    task = ClassificationTask(model, learning_rate=1e-3, pretrained_model_name=str(tiny_model_dir))
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode, max_epochs=2)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl)
    metrics = finish_training(trainer, task, val_dl, config)
    validations = [row for row in read_logged_metrics(config) if "val_acc" in row]
    assert [row["step"] for row in validations] == [3, 7]  # one per epoch (4 steps each), logged at its last step
    assert metrics["val_acc"] in [row["val_acc"] for row in validations]
    assert trainer.loggers, "the trainer's loggers are given back after the re-validation"
