"""The package's layering, read from the import statements (ast), so a wrong import fails CI, not a review.

A small core under one package per chapter: a chapter may import the core but never another chapter, the
core never imports a chapter (chapters register their corpora when imported), and a notebook imports only
its own chapter package and the core.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nbhelpers"
CHAPTERS = ("pretraining", "classification", "ner", "qa")
NOTEBOOK_CHAPTER = {
    "01_pretraining.ipynb": "pretraining",
    "02_doc_classification.ipynb": "classification",
    "03_pair_classification.ipynb": "classification",
    "04_ner.ipynb": "ner",
    "05_qa.ipynb": "qa",
}

# Entry points sit above the layers, like a notebook: they are allowed to reach into chapters.
ENTRY_POINTS = {
    # The command line serves every chapter (inspect any corpus, korquad-eval): it loads the chapters it needs.
    PACKAGE / "__main__.py",
}


def is_sample_generator(path: Path) -> bool:
    # nbhelpers/samples/make_*.py are dev tools that regenerate the embedded corpora; they may use a chapter's
    # code (e.g. to parse the tagged sentences they write) and are never imported by the package.
    return path.parent == PACKAGE / "samples" and path.name.startswith("make_")


def imported_modules(tree: ast.AST, package: str) -> set[str]:
    """Every module an ``import``/``from ... import`` names, relative imports resolved against ``package``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from nbhelpers import ner``
    return found


def chapter_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "nbhelpers" and parts[1] in CHAPTERS:
        return parts[1]
    return None


def package_modules() -> list[tuple[Path, str | None, set[str]]]:
    """``(path, its chapter or None for the core, chapters it imports)`` for every module of the package."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        name = ".".join(relative.parts)
        package = name.removesuffix(".__init__") if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = imported_modules(ast.parse(path.read_text(encoding="utf-8")), package)
        modules.append((path, chapter_of(name), {c for c in map(chapter_of, imported) if c}))
    return modules


def test_the_scan_sees_every_chapter_and_the_core() -> None:
    modules = package_modules()
    assert {chapter for _, chapter, _ in modules} == {None, *CHAPTERS}
    # The scan does see chapter imports: every chapter package imports its own modules somewhere.
    assert {chapter for _, chapter, imports in modules if chapter in imports} == set(CHAPTERS)


def test_no_chapter_imports_another_chapter() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports nbhelpers.{other}"
        for path, chapter, imports in package_modules()
        if chapter
        for other in sorted(imports - {chapter})
    ]
    assert not wrong, "a chapter may use the core and itself only: " + "; ".join(wrong)


def test_the_core_never_imports_a_chapter() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports nbhelpers.{other}"
        for path, chapter, imports in package_modules()
        if chapter is None and path not in ENTRY_POINTS and not is_sample_generator(path)
        for other in sorted(imports)
    ]
    assert not wrong, "the core must not depend on a chapter (let the chapter register instead): " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(NOTEBOOK_CHAPTER))
def test_a_notebook_imports_only_its_chapter_and_the_core(name: str) -> None:
    notebook = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            imported |= imported_modules(ast.parse("".join(cell["source"])), "")
    chapters = {chapter_of(module) for module in imported} - {None}
    assert any(module.startswith("nbhelpers") for module in imported)
    assert chapters == {NOTEBOOK_CHAPTER[name]}, f"{name} imports chapters {sorted(chapters)}"
