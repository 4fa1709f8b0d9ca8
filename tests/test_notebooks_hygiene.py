"""Every notebook: badge and install line from nbhelpers.repo pointing at its own file, no outputs, seven steps."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from nbhelpers import repo

NOTEBOOKS = sorted(repo.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert any(p.name == "02_doc_classification.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_badge_install_and_hygiene(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook["cells"]
    first = "".join(cells[0]["source"])
    assert repo.badge_url(path.name) in first
    text = path.read_text(encoding="utf-8")
    assert set(re.findall(r"colab\.research\.google\.com/github/[^)\"\s]+", text)) == {
        repo.badge_url(path.name).removeprefix("https://")}
    installs = set(re.findall(r"git\+https://github\.com/[^\"'\s\\]+", text))
    assert installs == {repo.install_requirement()}
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", path.name)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in notebook["metadata"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for step in range(1, 8):
        assert re.search(rf"^## {step}단계 ", markdown, re.M), f"no '## {step}단계' heading"
    assert "코드 " not in markdown or not re.search(r"코드 \d", markdown)
    for index, cell in enumerate(cells):
        assert "colab" not in cell.get("metadata", {})
        if cell["cell_type"] == "code":
            assert cells[index - 1]["cell_type"] == "markdown", f"cell {index} has no explanation before it"
            if "NBVAL_CHECK_OUTPUT" not in "".join(cell["source"]):
                assert not cell.get("outputs") and cell.get("execution_count") is None


def test_set_repo_rewrites_badges_and_install_lines(tmp_path: Path) -> None:
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    copy = tmp_path / "02_doc_classification.ipynb"
    assert repo.rewrite_notebook(copy, "someone/fork", "v9")
    text = copy.read_text(encoding="utf-8")
    assert repo.badge_url(copy.name, "someone/fork", "v9") in text
    assert "git+https://github.com/someone/fork@v9" in text and repo.REPO_SLUG not in text
    json.loads(text)
    assert not repo.rewrite_notebook(copy, "someone/fork", "v9")
