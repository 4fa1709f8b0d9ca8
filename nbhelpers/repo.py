"""The one place that says where this repository lives on GitHub.

Colab badges and install cells in every notebook are generated from ``REPO_SLUG`` and ``GIT_REF``;
``python -m nbhelpers set-repo OWNER/NAME [--ref REF]`` rewrites all notebooks when they change, and a
test checks that every badge and install line matches and points at its own notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO_SLUG = "nlpbook-ko/korean-nlp-notebooks"
GIT_REF = "main"

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
_BADGE_RE = re.compile(r"https://colab\.research\.google\.com/github/[^)\"\s\\]+")
_INSTALL_RE = re.compile(r"git\+https://github\.com/[^\"'\s\\]+")


def badge_url(notebook: str, slug: str = REPO_SLUG, ref: str = GIT_REF) -> str:
    return f"https://colab.research.google.com/github/{slug}/blob/{ref}/notebooks/{notebook}"


def badge_markdown(notebook: str, slug: str = REPO_SLUG, ref: str = GIT_REF) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({badge_url(notebook, slug, ref)})"


def install_requirement(slug: str = REPO_SLUG, ref: str = GIT_REF) -> str:
    return f"git+https://github.com/{slug}@{ref}"


def rewrite_notebook(path: Path, slug: str = REPO_SLUG, ref: str = GIT_REF) -> bool:
    """Point the badge and install line of ``path`` at ``slug``/``ref``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = _BADGE_RE.sub(badge_url(path.name, slug, ref), text)
    new = _INSTALL_RE.sub(install_requirement(slug, ref), new)
    if new == text:
        return False
    json.loads(new)  # never write a notebook that stopped being JSON
    path.write_text(new, encoding="utf-8")
    return True


def rewrite_all(slug: str, ref: str, notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Rewrite every notebook and this module's constants; returns the files that changed."""
    changed = [p for p in sorted(notebooks_dir.glob("*.ipynb")) if rewrite_notebook(p, slug, ref)]
    module = Path(__file__)
    source = module.read_text(encoding="utf-8")
    updated = re.sub(r'^REPO_SLUG = ".*"$', f'REPO_SLUG = "{slug}"', source, flags=re.M)
    updated = re.sub(r'^GIT_REF = ".*"$', f'GIT_REF = "{ref}"', updated, flags=re.M)
    if updated != source:
        module.write_text(updated, encoding="utf-8")
        changed.append(module)
    return changed
