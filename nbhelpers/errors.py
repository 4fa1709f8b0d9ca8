"""Errors a learner can act on.

Every error raised for bad input names the file, the line (or item) and the fix, so a learner who
points the notebook at their own data knows what to change without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


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
        self.location = location
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}, {location}: {problem}\n  How to fix: {fix}")


class DownloadError(RuntimeError):
    """A corpus file could not be fetched or verified; the message says where to put it by hand."""
