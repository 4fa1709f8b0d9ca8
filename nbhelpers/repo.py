"""The one place that says where this repository lives on GitHub and which release the notebooks install.

Colab badges (in every notebook and in the README) and the notebooks' install cells are generated from
``REPO_SLUG`` and ``GIT_REF``. ``GIT_REF`` is a release tag, not a branch: a notebook opened from tag X (or
copied to Drive from it) installs the package of tag X, so it keeps working after ``main`` moves on.
``python -m nbhelpers set-repo OWNER/NAME [--ref REF]`` rewrites all of them when they change, and a test checks
that every badge and install line matches and points at its own notebook.

Releasing: bump ``version`` in pyproject.toml, run ``python -m nbhelpers set-repo OWNER/NAME --ref vVERSION``,
commit, then create and push the tag ``vVERSION`` on that commit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO_SLUG = "nlpbook-ko/korean-nlp-notebooks"
GIT_REF = "v0.2.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
_BADGE_RE = re.compile(r"https://colab\.research\.google\.com/github/[^)\"\s\\]+")
_INSTALL_RE = re.compile(r"git\+https://github\.com/[^\"'\s\\]+")
_NOTEBOOK_NAME_RE = re.compile(r"/notebooks/([^/]+\.ipynb)$")


def badge_url(notebook: str, slug: str = REPO_SLUG, ref: str = GIT_REF) -> str:
    return f"https://colab.research.google.com/github/{slug}/blob/{ref}/notebooks/{notebook}"


def install_requirement(slug: str = REPO_SLUG, ref: str = GIT_REF) -> str:
    return f"git+https://github.com/{slug}@{ref}"


def _rewrite_text(text: str, slug: str, ref: str, notebook: str | None) -> str:
    """Badges point at ``notebook`` (a notebook's own file) or, in the README, at the notebook each one names."""

    def badge(match: re.Match[str]) -> str:
        if notebook is not None:
            return badge_url(notebook, slug, ref)
        named = _NOTEBOOK_NAME_RE.search(match.group(0))
        return badge_url(named.group(1), slug, ref) if named else match.group(0)

    return _INSTALL_RE.sub(install_requirement(slug, ref), _BADGE_RE.sub(badge, text))


def rewrite_notebook(path: Path, slug: str = REPO_SLUG, ref: str = GIT_REF) -> bool:
    """Point the badge and install line of ``path`` at ``slug``/``ref``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = _rewrite_text(text, slug, ref, path.name)
    if new == text:
        return False
    json.loads(new)  # never write a notebook that stopped being JSON
    path.write_text(new, encoding="utf-8")
    return True


def rewrite_readme(path: Path, slug: str = REPO_SLUG, ref: str = GIT_REF) -> bool:
    """Point the README's Colab badges at ``slug``/``ref``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = _rewrite_text(text, slug, ref, None)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def rewrite_all(slug: str, ref: str, root: Path | None = None) -> list[Path]:
    """Rewrite every notebook, the README and this module's constants in the checkout at ``root`` (this one).

    Returns the files that changed. Raises FileNotFoundError when ``root`` is not a source checkout (an
    installed package has no notebooks to rewrite).
    """
    root = REPO_ROOT if root is None else root
    notebooks_dir, readme, module = root / "notebooks", root / "README.md", root / "nbhelpers" / "repo.py"
    if not notebooks_dir.is_dir() or not module.is_file():
        raise FileNotFoundError(
            f"{root}은(는) 이 저장소의 체크아웃이 아닙니다(notebooks/나 nbhelpers/repo.py가 없습니다). "
            "고치는 법: `pip install -e .`로 설치한 git clone에서 set-repo를 실행하세요."
        )
    changed = [p for p in sorted(notebooks_dir.glob("*.ipynb")) if rewrite_notebook(p, slug, ref)]
    if readme.is_file() and rewrite_readme(readme, slug, ref):
        changed.append(readme)
    source = module.read_text(encoding="utf-8")
    updated = re.sub(r'^REPO_SLUG = ".*"$', f'REPO_SLUG = "{slug}"', source, flags=re.MULTILINE)
    updated = re.sub(r'^GIT_REF = ".*"$', f'GIT_REF = "{ref}"', updated, flags=re.MULTILINE)
    if updated != source:
        module.write_text(updated, encoding="utf-8")
        changed.append(module)
    return changed
