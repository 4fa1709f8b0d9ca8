"""Notebook 05's list of right and wrong answers shows every gold answer beside the score (issue 18).

KorQuAD's EM and F1 take the best of a question's gold answers, so a line that printed only the first gold
(``정답 '1949년' | 예측 '1949'`` with ``O F1 1.00``) showed a score its own gold did not give. The cell is run
here as the notebook runs it, on a question with two golds, without training a model.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from nbhelpers.qa.decode import QAPrediction
from nbhelpers.qa.korquad import QAAnswer, QAExample

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_qa.ipynb"


def answers_cell() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    found = [source for source in sources if "task.predictions[example.qid]" in source]
    assert len(found) == 1, "notebook 05 has one cell that prints the test answers"
    return found[0]


def test_the_answer_list_prints_every_gold_and_scores_the_best(capsys: pytest.CaptureFixture[str]) -> None:
    context = "황태민은 1949년에 태어났다."
    example = QAExample(qid="q1", title="", question="황태민이 태어난 해는?", context=context,
                        answers=(QAAnswer("1949년", 5), QAAnswer("1949", 5)))
    task = SimpleNamespace(predictions={"q1": QAPrediction("1949", 5, 9, 3.0, 0.9)})
    exec(answers_cell(), {"test_examples": [example], "task": task})
    line = capsys.readouterr().out.strip()
    # The prediction equals the second gold: EM 1 and F1 1.00 must stand beside both golds, not the first alone.
    assert line.startswith("O F1 1.00 |"), line
    assert "'1949년'" in line and "'1949' |" in line, line
