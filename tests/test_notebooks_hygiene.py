"""Every notebook: badge and install line from nbhelpers.repo pointing at its own file and release, no outputs,
seven steps; the install cell shows pip's output when it fails and survives a failed Korpora install."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from nbhelpers import repo
from nbhelpers.__main__ import main

# The checkout, not the installed package: CI's Colab leg runs these tests against a non-editable install.
ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_there_are_notebooks() -> None:
    assert any(p.name == "02_doc_classification.ipynb" for p in NOTEBOOKS)


def test_install_is_pinned_to_this_release_tag() -> None:
    # A branch (main) would make a notebook copied to Drive install whatever main is today.
    assert repo.GIT_REF == f"v{PYPROJECT['project']['version']}"


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
        assert re.search(rf"^## {step}단계 ", markdown, re.MULTILINE), f"no '## {step}단계' heading"
    assert "코드 " not in markdown or not re.search(r"코드 \d", markdown)
    for index, cell in enumerate(cells):
        assert "colab" not in cell.get("metadata", {})
        if cell["cell_type"] == "code":
            assert cells[index - 1]["cell_type"] == "markdown", f"cell {index} has no explanation before it"
            if "NBVAL_CHECK_OUTPUT" not in "".join(cell["source"]):
                assert not cell.get("outputs") and cell.get("execution_count") is None


def test_readme_badges_and_release_follow_repo() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badges = re.findall(r"https://colab\.research\.google\.com/github/[^)\"\s]+", readme)
    assert sorted(badges) == sorted(repo.badge_url(p.name) for p in NOTEBOOKS)
    assert set(re.findall(r"\bv\d+\.\d+\.\d+\b", readme)) <= {repo.GIT_REF}, "README names another release tag"


def install_cell(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    (source,) = [s for s in sources if "def pip_install" in s]
    return source


class FakePip:
    """Stands in for ``subprocess.run`` of pip: each requirement gets the return code given for it (0 otherwise)."""

    def __init__(self, codes: dict[str, int]) -> None:
        self.codes = codes
        self.requirements: list[str] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess:
        assert command[:4] == [sys.executable, "-m", "pip", "install"]
        assert kwargs.get("capture_output") and kwargs.get("text"), "pip's output must be captured to be shown"
        requirement = command[-1]
        self.requirements.append(requirement)
        code = next((c for name, c in self.codes.items() if name in requirement), 0)
        return subprocess.CompletedProcess(command, code, stdout=f"out of {requirement}",
                                           stderr=f"ERROR: no version of {requirement}" if code else "")


def run_install_cell(path: Path, pip: FakePip, monkeypatch: pytest.MonkeyPatch) -> tuple[str, RuntimeError | None]:
    """Run the notebook's install cell as on Colab; what it printed, and the error it raised if any."""
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    monkeypatch.setattr(subprocess, "run", pip)
    printed = io.StringIO()
    with redirect_stdout(printed):
        try:
            exec(compile(install_cell(path), str(path), "exec"), {"__name__": "__main__"})  # noqa: S102 (our cell)
        except RuntimeError as error:
            return printed.getvalue(), error
    return printed.getvalue(), None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_installs_this_release_then_korpora(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pip = FakePip({})
    out, error = run_install_cell(path, pip, monkeypatch)
    assert error is None and out == "nbhelpers 설치를 마쳤습니다.\n"
    (korpora,) = PYPROJECT["project"]["optional-dependencies"]["korpora"]
    assert pip.requirements == [f"nbhelpers @ {repo.install_requirement()}", korpora]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_failed_install_prints_pips_output_and_says_what_to_do(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pip = FakePip({"nbhelpers": 1})
    out, error = run_install_cell(path, pip, monkeypatch)
    assert f"out of nbhelpers @ {repo.install_requirement()}" in out and "ERROR: no version of nbhelpers" in out
    assert error is not None and "pip 종료 코드 1" in str(error)
    assert "NBHELPERS" in str(error) and "다시 실행" in str(error)
    assert pip.requirements == [f"nbhelpers @ {repo.install_requirement()}"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_failed_korpora_install_is_only_a_note(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, error = run_install_cell(path, FakePip({"Korpora": 1}), monkeypatch)
    assert error is None
    assert "참고: Korpora를 설치하지 못했습니다(ERROR: no version of Korpora" in out
    assert out.rstrip().endswith("nbhelpers 설치를 마쳤습니다.")


def copy_checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("nlpbook"))
    (tmp_path / "nbhelpers").mkdir()
    shutil.copy(repo.__file__, tmp_path / "nbhelpers" / "repo.py")  # the installed copy when CI tests a wheel
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_set_repo_rewrites_badges_and_install_lines(tmp_path: Path) -> None:
    copy = copy_checkout(tmp_path) / "notebooks" / "02_doc_classification.ipynb"
    assert repo.rewrite_notebook(copy, "someone/fork", "v9")
    text = copy.read_text(encoding="utf-8")
    assert repo.badge_url(copy.name, "someone/fork", "v9") in text
    assert "git+https://github.com/someone/fork@v9" in text and repo.REPO_SLUG not in text
    json.loads(text)
    assert not repo.rewrite_notebook(copy, "someone/fork", "v9")


def test_set_repo_moves_every_notebook_readme_and_module_to_one_ref(tmp_path: Path) -> None:
    root = copy_checkout(tmp_path)
    changed = repo.rewrite_all("someone/fork", "v9.1.0", root)
    assert set(changed) == {*(root / "notebooks").glob("*.ipynb"), root / "README.md", root / "nbhelpers" / "repo.py"}
    for path in (root / "notebooks").glob("*.ipynb"):
        text = path.read_text(encoding="utf-8")
        badge_refs = set(re.findall(r"/blob/([^/]+)/notebooks/", text))
        install_refs = set(re.findall(r"git\+https://github\.com/[^@]+@([^\"\\]+)", text))
        refs = badge_refs | install_refs
        assert refs == {"v9.1.0"}, path.name  # the badge opens tag X and the cell installs tag X
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert all(repo.badge_url(p.name, "someone/fork", "v9.1.0") in readme for p in NOTEBOOKS)
    module = (root / "nbhelpers" / "repo.py").read_text(encoding="utf-8")
    assert 'REPO_SLUG = "someone/fork"' in module and 'GIT_REF = "v9.1.0"' in module
    assert repo.rewrite_all("someone/fork", "v9.1.0", root) == []


def test_set_repo_outside_a_checkout_says_where_to_run_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo, "REPO_ROOT", tmp_path)  # as for an installed package: no notebooks beside it
    with pytest.raises(FileNotFoundError, match="git clone"):
        main(["set-repo", "someone/fork", "--ref", "v9"])
