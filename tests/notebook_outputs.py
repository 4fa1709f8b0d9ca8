"""What a learner sees under a notebook cell must be for the learner: the check, and a pytest plugin that feeds it.

``problems`` lists what does not belong under a cell: anything on stderr (library warnings, Lightning's
banner), ANSI colour codes, Lightning's tips and litlogger advert, deprecation notices, install paths,
transformers' LOAD REPORT and per-load progress bars, raw dataclass reprs of our predictions.

CI already executes every notebook once under nbval, and a second execution would double its time.
So :class:`NotebookOutputs`, registered by ``tests/conftest.py``, records the outputs of every notebook
cell nbval runs in the session, and moves ``test_notebook_outputs.py`` after the notebooks; its tests
check the recorded outputs and execute a notebook themselves (once, with nbclient, smoke profile) only
when no notebook runs under nbval in the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PLUGIN_NAME = "nbhelpers-notebook-outputs"

FORBIDDEN: dict[str, re.Pattern[str]] = {
    "ANSI escape code": re.compile(r"\x1b\["),
    "Lightning tip": re.compile(r"💡|\bTip:"),
    "litlogger advert": re.compile(r"litlogger", re.IGNORECASE),
    "deprecation notice": re.compile(r"DeprecationWarning|FutureWarning|is deprecated"),
    "install path": re.compile(r"/(site|dist)-packages/"),
    "transformers LOAD REPORT": re.compile(r"LOAD REPORT"),
    "progress bar of a load or save": re.compile(r"(Loading weights|Writing model shards)\b.*\d+/\d+"),
    "log line with a timestamp or logger name": re.compile(r"(?m)^(\d\d:\d\d:\d\d )?(INFO|WARNING|ERROR) \S+: "),
    "progress bar frozen at 0 %": re.compile(r"(?m)^(?!Loading weights|Writing model shards).*\s0%\|"),
    "raw dataclass repr": re.compile(
        r"\b[A-Z][A-Za-z]*(Prediction|Example|Answer|Span|Scores|Baseline|Features)\((\w+=|\))"
    ),
}
"""Name of each kind of output a learner should not see, and how to recognise it."""


@dataclass
class CellOutputs:
    """The outputs one code cell produced when it ran.

    Attributes:
        index: The cell's position in the notebook (as nbval and nbclient count).
        source: Its code, to name it in a failure.
        outputs: Jupyter output dicts (``output_type``, ``name``/``text`` or ``data``).
    """

    index: int
    source: str
    outputs: list[Mapping[str, Any]] = field(default_factory=list)


def output_texts(output: Mapping[str, Any]) -> list[str]:
    """The text a learner would read in one output: a stream, or the text of a display."""
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    data = output.get("data") or {}
    return [value for key, value in data.items() if key.startswith("text/") and isinstance(value, str)]


def problems(cells: Iterable[CellOutputs]) -> list[str]:
    """One line per output that does not belong under a cell: cell index, what it is, and the offending text.

    An ``error`` output is not judged here: a failing cell already fails the notebook's run.
    """
    found = []
    for cell in cells:
        first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        where = f"cell {cell.index} ({first_line[:60]!r})"
        for output in cell.outputs:
            if output.get("output_type") == "error":
                continue
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = output.get("text", "").strip()
                found.append(f"{where}: output on stderr: {text[:300]!r}")
                continue
            for text in output_texts(output):
                for name, pattern in FORBIDDEN.items():
                    match = pattern.search(text)
                    if match:
                        start = max(0, match.start() - 80)
                        found.append(f"{where}: {name}: {text[start : match.end() + 120]!r}")
    return found


def is_nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num")


class NotebookOutputs:
    """Records, per notebook, the outputs of the cells nbval runs (see the module docstring)."""

    def __init__(self) -> None:
        self.cells: dict[Path, list[CellOutputs]] = {}
        self.nbval_notebooks: set[Path] = set()

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
        self.nbval_notebooks = {Path(item.path).resolve() for item in items if is_nbval_cell(item)}
        # The output checks read what nbval recorded, so they run after the notebooks.
        checks = [item for item in items if Path(item.path).name == "test_notebook_outputs.py"]
        if checks and self.nbval_notebooks:
            rest = [item for item in items if Path(item.path).name != "test_notebook_outputs.py"]
            items[:] = rest + checks

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        report = yield
        if call.when == "call" and is_nbval_cell(item):
            outputs = [dict(output) for output in (getattr(item, "test_outputs", None) or [])]
            cell = CellOutputs(item.cell_num, getattr(item.cell, "source", ""), outputs)
            self.cells.setdefault(Path(item.path).resolve(), []).append(cell)
        return report


def execute_notebook(path: Path, timeout: int = 900) -> list[CellOutputs]:
    """Run ``path`` once with nbclient in the current environment; the outputs of each code cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return [
        CellOutputs(index, cell.source, [dict(output) for output in cell.get("outputs", [])])
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    ]
