"""Notebook 05 on KorQuAD files of real shape, not only on the short embedded sample (issue 21).

Real KorQuAD contexts are several hundred tokens long, so no validation question fits one 128-token
window, and the notebook's comparison with plain transformers found nothing to compare and crashed in
``predict([], [])``. The file here is written by the project's own generator
(``nbhelpers.samples.make_qa.write_long``): contexts of 400-700 characters, seven questions each.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from transformers import AutoTokenizer

from nbhelpers.qa.korquad import read_korquad
from nbhelpers.qa.windows import build_qa_features, cut_to_one_window
from nbhelpers.samples.make_qa import write_long

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_qa.ipynb"
MAX_SEQ_LENGTH = 128


@pytest.fixture(scope="module")
def long_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("korquad-long")
    used: set[str] = set()
    return (write_long(folder / "train.json", "train", paragraphs=80, seed=21, used=used),
            write_long(folder / "dev.json", "val", paragraphs=20, seed=22, used=used))


def test_the_long_file_has_the_real_shape(long_files: tuple[Path, Path], tiny_model_dir: Path) -> None:
    train, val = (read_korquad(path, require_answers=True) for path in long_files)
    assert (len(train), len(val)) == (560, 140)
    assert min(len(e.context) for e in train + val) >= 400
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    features = build_qa_features(val, tokenizer, MAX_SEQ_LENGTH, 32, 64)
    # No question fits one window, as with the real dev set: the notebook's old selection found none.
    assert all(len(features.windows_of(i)) > 1 for i in range(len(val)))


def test_cutting_to_one_window_keeps_the_answer_and_fits(long_files: tuple[Path, Path], tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    val = read_korquad(long_files[1])
    cut = [cut_to_one_window(e, tokenizer, MAX_SEQ_LENGTH, 32) for e in val]
    assert all(c is not None for c in cut)
    for example, piece in zip(val, cut):
        assert piece is not None and piece.context in example.context and len(piece.context) < len(example.context)
        assert len(tokenizer(piece.question, piece.context)["input_ids"]) <= MAX_SEQ_LENGTH
        answer = piece.answers[0]
        assert piece.context[answer.answer_start:answer.answer_end] == example.answers[0].text
        # Whole words: the piece's tokens are the context's tokens around the answer.
        inside = tokenizer(piece.context, add_special_tokens=False)["input_ids"]
        whole = tokenizer(example.context, add_special_tokens=False)["input_ids"]
        assert any(whole[i:i + len(inside)] == inside for i in range(len(whole)))
    # A question longer than max_query_length would be truncated by one method only: not compared.
    assert cut_to_one_window(val[0], tokenizer, MAX_SEQ_LENGTH, 2) is None


@pytest.mark.slow
def test_notebook_05_runs_to_the_end_on_real_shaped_files(
    long_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    train, val = long_files
    for name, value in {"NBHELPERS_PROFILE": "smoke", "HF_HUB_OFFLINE": "1", "NBHELPERS_TRAIN_FILE": str(train),
                        "NBHELPERS_VAL_FILE": str(val), "NBHELPERS_MAX_STEPS": "6", "NBHELPERS_EPOCHS": "1",
                        "NBHELPERS_DOWNSTREAM_MODEL_DIR": str(tmp_path / "run")}.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    printed = "\n".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                        for output in cell.get("outputs", []) if output.get("name") == "stdout")
    compared = re.search(r"평가 질문 (\d+)개를 비교했습니다.*?(\d+)개에서 두 방법의 답이 같습니다", printed)
    assert compared, printed[-3000:]
    print(compared.group(0))
    assert int(compared.group(1)) == 100 and int(compared.group(2)) >= 90, compared.group(0)
    assert (tmp_path / "run" / "metrics.json").is_file()
