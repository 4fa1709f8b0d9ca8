"""No code runs from a checkpoint (issue 9 item 8): every load is weights_only, none uses pickle.

A crafted ``.ckpt`` whose pickle would create a file when unpickled is given to every loader a learner
or the Trainer uses; the file must never appear.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from resume_run import pieces, run_config

from nbhelpers.checkpoints import AtomicCheckpointIO, CheckpointError, write_json
from nbhelpers.classification.predictor import Classifier
from nbhelpers.ner.predictor import EntityRecognizer
from nbhelpers.predictor import load_trained_model, model_from_checkpoint
from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.pretraining.fill_mask import MaskedLanguageModel
from nbhelpers.qa.predictor import QuestionAnswerer
from nbhelpers.rundir import fingerprint, run_settings
from nbhelpers.training import last_checkpoint, make_trainer

ROOT = Path(__file__).resolve().parent.parent


class Payload:
    """Unpickling this calls ``open(marker, "w")``: the file appears if and only if the pickle is executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple:
        return (open, (self.marker, "w"))


@pytest.fixture()
def crafted(tmp_path: Path, tiny_model_dir: Path) -> tuple[Path, Path]:
    """A checkpoint that looks like this project's, with a payload inside; and the payload's marker file."""
    marker = tmp_path / "code-ran"
    checkpoint = {
        "state_dict": {},
        "hf_config": tiny_bert_config(100).to_dict(),
        "hyper_parameters": {"pretrained_model_name": str(tiny_model_dir)},
        "global_step": 3,
        "loops": {},
        "optimizer_states": [],
        "lr_schedulers": [],
        "payload": Payload(marker),
    }
    path = tmp_path / "crafted.ckpt"
    torch.save(checkpoint, path)
    return path, marker


LOADERS = {
    "Classifier.load": lambda path: Classifier.load(path),
    "EntityRecognizer.load": lambda path: EntityRecognizer.load(path),
    "QuestionAnswerer.load": lambda path: QuestionAnswerer.load(path),
    "MaskedLanguageModel.load": lambda path: MaskedLanguageModel.load(path),
    "load_trained_model": lambda path: load_trained_model(path, torch.nn.Module),
    "model_from_checkpoint": lambda path: model_from_checkpoint(path, torch.nn.Module),
    "Lightning's checkpoint I/O": lambda path: AtomicCheckpointIO().load_checkpoint(path, weights_only=False),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_a_crafted_checkpoint_runs_no_code_in_any_loader(crafted: tuple[Path, Path], loader: str) -> None:
    path, marker = crafted
    with pytest.raises(CheckpointError, match="불러오기를 거부했습니다") as raised:
        LOADERS[loader](path)
    assert raised.value.unsafe and str(path) in str(raised.value)
    assert not marker.exists(), f"{loader} executed the checkpoint's pickle"


def test_resuming_from_a_crafted_checkpoint_runs_no_code(
    crafted: tuple[Path, Path], tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, marker = crafted
    # As last.ckpt of a run with the same settings: reported by name and not resumed.
    config = run_config(tmp_path / "run")
    (tmp_path / "run").mkdir()
    write_json(tmp_path / "run" / "run.json", {"fingerprint": fingerprint(run_settings(config)),
                                              "settings": run_settings(config)})
    (tmp_path / "run" / "last.ckpt").write_bytes(path.read_bytes())
    assert last_checkpoint(config) is None
    assert "last.ckpt 를 쓸 수 없습니다: 불러오기를 거부했습니다" in capsys.readouterr().out
    # Given to fit directly: Lightning loads it through the project's checkpoint I/O.
    task, train_dl, val_dl = pieces(config, tiny_model_dir)
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode)
    with pytest.raises(CheckpointError, match="불러오기를 거부했습니다"):
        trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl, ckpt_path=str(path))
    assert not marker.exists()


def test_no_weights_only_false_and_no_pickle_anywhere() -> None:
    offenders = []
    files = [*ROOT.glob("nbhelpers/**/*.py"), *ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("bench/*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        if re.search(r"weights_only\s*=\s*False", text) or re.search(r"\bimport pickle\b|\bpickle\.(loads?|dumps?)\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
