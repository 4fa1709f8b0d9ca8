"""The install never downgrades Colab, every dependency bound says why it exists, and CI runs what the README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import nbhelpers

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
PROJECT = tomllib.loads(PYPROJECT_TEXT)["project"]
REQUIREMENTS = {Requirement(d).name.lower(): Requirement(d) for d in PROJECT["dependencies"]}


def colab_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / ".ci" / "colab-versions.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


COLAB = colab_versions()
# Colab's own torch builds (GPU image, TPU image); CI can only install the CPU wheel in colab-versions.txt.
COLAB_TORCH = ["2.11.0+cu128", "2.9.0+cpu"]


def test_colab_list_covers_what_the_issue_names() -> None:
    assert {"torch", "transformers", "tokenizers", "numpy", "ipywidgets", "matplotlib"} <= set(COLAB)


@pytest.mark.parametrize(("name", "version"), [*COLAB.items(), *(("torch", v) for v in COLAB_TORCH)])
def test_ranges_admit_colabs_versions(name: str, version: str) -> None:
    assert name in REQUIREMENTS, f"{name} is preinstalled on Colab but not a dependency"
    assert REQUIREMENTS[name].specifier.contains(Version(version)), f"{REQUIREMENTS[name]} refuses Colab's {version}"


def test_python_range_admits_colabs_python() -> None:
    assert SpecifierSet(PROJECT["requires-python"]).contains("3.13.15")


@pytest.mark.parametrize("name", sorted(COLAB))
def test_no_cap_on_what_colab_preinstalls(name: str) -> None:
    # A cap (`transformers<6`) would make pip DOWNGRADE Colab's copy the day Colab moves past it.
    operators = {spec.operator for spec in REQUIREMENTS[name].specifier}
    assert operators <= {">=", ">", "!="}, f"{REQUIREMENTS[name]} caps a package Colab preinstalls"


def test_every_dependency_says_why_its_bounds_exist() -> None:
    start = PYPROJECT_TEXT.index("dependencies = [")
    lines = PYPROJECT_TEXT[start : PYPROJECT_TEXT.index("]\n", start)].splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith('"'):
            assert lines[index - 1].strip().startswith("#"), f"no comment above {line.strip()} in pyproject.toml"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## 테스트") :]
    command = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    marked = re.search(r"# --- README test command.*?---\n(.*?)# ---\n", ci, re.DOTALL).group(1)
    assert " ".join(marked.replace("\\\n", " ").split()) == " ".join(command.split())


def test_package_version_is_the_released_one() -> None:
    assert nbhelpers.__version__ == PROJECT["version"]


@pytest.mark.skipif(not os.environ.get("CI_TESTS_INSTALLED_PACKAGE"), reason="only in CI's Colab-versions leg")
def test_the_colab_leg_tests_the_installed_package() -> None:
    # The Colab cell installs a built package, not the checkout: package data missing from the wheel must fail.
    assert Path(nbhelpers.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())


@pytest.mark.parametrize(("after", "code", "line"), [
    ("numpy==2.1.3\ntorch==2.13.0+cpu\nseqeval==1.2.2\n", 0, "ADD     seqeval 1.2.2"),
    ("numpy==2.4.6\ntorch==2.13.0+cpu\nseqeval==1.2.2\n", 1, "CHANGE  numpy 2.1.3 -> 2.4.6"),
    ("numpy==2.1.3\n", 1, "REMOVE  torch 2.13.0+cpu"),
])
def test_the_freeze_check_fails_on_any_change_to_what_was_there(tmp_path: Path, after: str, code: int,
                                                               line: str) -> None:
    (tmp_path / "before.txt").write_text("numpy==2.1.3\ntorch==2.13.0+cpu\n", encoding="utf-8")
    (tmp_path / "after.txt").write_text(after, encoding="utf-8")
    files = ("before.txt", "after.txt")
    command = [sys.executable, str(ROOT / ".ci" / "pip_changes.py"), "freeze", *(str(tmp_path / f) for f in files)]
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    assert result.returncode == code and line in result.stdout.splitlines()
