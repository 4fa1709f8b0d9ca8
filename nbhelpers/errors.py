"""Errors a learner can act on.

Every error raised for bad input names the file, the line (or item) and the fix, so a learner who
points the notebook at their own data knows what to change without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path

QUOTE_LIMIT = 80
"""Most characters of a file's own text that a message quotes (Hangul: half as many, see ``_cut``)."""


def _cut(text: str, limit: int) -> str:
    # Hangul takes 3 bytes in UTF-8: at most 1.5 bytes a character on average keeps a Korean quote
    # near 40 characters, which still identifies the line, and the whole message a few hundred bytes.
    cut = text[:limit]
    while len(cut.encode("utf-8")) > limit * 3 // 2:
        cut = cut[: len(cut) * 3 // 4]
    return cut


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was; a backstop for whole messages."""
    cut = _cut(text, limit)
    return text if cut == text else f"{cut}… ({len(text):,} characters)"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of offending text or data from a file, at most about ``limit`` characters.

    Every reader quotes through this, so a file whose first line is 20 MB (a TSV without newlines, a
    minified JSON) gives a one-line error instead of putting the whole line into it.
    """
    if isinstance(value, str):
        cut = _cut(value, limit)
        return repr(value) if cut == value else f"{cut!r}… ({len(value):,} characters)"
    text = repr(value)
    cut = _cut(text, limit)
    return text if cut == text else f"{cut}…"


class CorpusFormatError(ValueError):
    """A corpus file does not match the format its reader expects.

    Attributes:
        path: The file that was being read.
        location: Where in the file: ``"line 12"``, ``"block 3"``, ``"guid klue-nli-v1_dev_00001"``.
        problem: What is wrong.
        fix: What the user should do about it.
    """

    def __init__(self, path: str | Path, location: str, problem: str, fix: str) -> None:
        self.path = str(path)
        self.fix = fix
        self.location = clip(location, QUOTE_LIMIT)
        self.problem = clip(problem, 3 * QUOTE_LIMIT)
        super().__init__(f"{self.path}, {self.location}: {self.problem}\n  고치는 법: {fix}")


class ConfigError(ValueError):
    """A config value (or an ``NBHELPERS_*`` variable) cannot work; the message names it and the fix."""


class DownloadError(RuntimeError):
    """A corpus file could not be fetched or verified; the message says where to put it by hand."""
