"""Every message nbhelpers raises or logs for a learner is Korean; the next English one fails here.

The scan reads the source with ``ast``: for each ``raise X(...)``, each ``...Error(...)`` built to be raised
later, each ``logger.warning/info/error(...)`` and ``warnings.warn(...)``, the string literals of its arguments
(f-string parts included) are joined, and so are those of the helpers that raise with their caller's
problem and fix (``check_not_empty``, ``read_json``); a message with a Latin word and no Hangul is English.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbhelpers

PACKAGE = Path(nbhelpers.__file__).parent

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "warn"}
MESSAGE_HELPERS = {"check_not_empty", "read_json"}
"""Helpers that raise ``CorpusFormatError`` with the problem and fix their callers write."""
LOCATION_ONLY = re.compile(r"\s*(whole file|top level)\s*")
"""A call whose only literal is a location label (``CorpusFormatError(path, "whole file", problem, fix)``):
the problem and fix come from the caller, whose literals this scan checks where they are written."""

DEVELOPER_ONLY = {
    # (file, start of the message's literal text): internal consistency checks no notebook or learner's file
    # can reach; they name code, not a learner's input, so they stay English.
    ("download.py", "unreachable"),  # after a loop that always returns or raises
    ("batching.py", "rank "),  # the sampler's own rank, set by Lightning, out of range
    ("predictor.py", " items but "),  # Predictor internals: a batch and its lengths out of step
    ("predictor.py", "run_batch returned "),  # a Predictor subclass returning the wrong number of results
    ("pretrained.py", "dryrun tokenizer has "),  # the built-in dry-run tokenizer lost its size
    ("rundir.py", "replace_folder expects the temp folder "),  # a caller passing another folder than its own
    ("samples/make_qa.py", "only "),  # the sample generator asked for more names than it has
    ("wordpiece.py", "tokenizer has "),  # a tokenizer built from a vocabulary lost tokens on the way
}


def _literal_text(node: ast.AST) -> str:
    """The literal parts of a message expression: constants and f-string text, in source order."""
    parts = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return " ".join(parts)


def _message_calls(tree: ast.AST) -> list[ast.Call]:
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            calls.append(node.exc)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (name.endswith(("Error", "Exception")) or name in MESSAGE_HELPERS
                    or (isinstance(func, ast.Attribute) and name in LOG_METHODS)):
                calls.append(node)
    return calls


def english_messages(root: Path) -> list[tuple[str, int, str]]:
    """``(file relative to root, line, literal text)`` of every English message in the package at ``root``."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for call in _message_calls(ast.parse(path.read_text(encoding="utf-8"))):
            text = " ".join(_literal_text(arg) for arg in [*call.args, *(k.value for k in call.keywords)])
            if LATIN_WORD.search(text) and not HANGUL.search(text) and not LOCATION_ONLY.fullmatch(text):
                found.add((relative, call.lineno, text))
    return sorted(found)


def _allowed(relative: str, text: str) -> bool:
    return any(relative == file and text.startswith(start) for file, start in DEVELOPER_ONLY)


def test_every_learner_facing_message_is_korean() -> None:
    english = [m for m in english_messages(PACKAGE) if not _allowed(m[0], m[2])]
    assert english == [], "English messages (write them in Korean, '... 고치는 법: ...'):\n" + "\n".join(
        f"  nbhelpers/{file}:{line}: {text[:100]!r}" for file, line, text in english
    )


def test_the_developer_only_list_names_messages_that_exist() -> None:
    # An entry whose message was translated or removed would silently allow the next English one.
    english = english_messages(PACKAGE)
    stale = [entry for entry in DEVELOPER_ONLY if not any(_allowed(f, t) and f == entry[0] and t.startswith(entry[1])
                                                          for f, _, t in english)]
    assert stale == []


def test_the_scan_finds_english_in_raises_errors_built_for_later_and_logs(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import logging\n"
        "logger = logging.getLogger(__name__)\n"
        "def f(path, n):\n"
        "    if n:\n"
        "        raise ValueError(f'{path}: line {n} is broken. How to fix: repair it.')\n"
        "    last = DownloadError('the file did not verify')\n"
        "    logger.warning('%s: skipped %d lines', path, n)\n"
        "    check_not_empty(path, n, 'no reviews', 'add a review')\n"
        "    raise CorpusFormatError(path, 'line 1', '머리줄이 없습니다', '첫 줄에 머리줄을 쓰세요.')\n",
        encoding="utf-8",
    )
    assert [line for _, line, _ in english_messages(tmp_path)] == [5, 6, 7, 8]
