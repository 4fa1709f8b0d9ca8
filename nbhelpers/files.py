"""Reading corpus files the same way everywhere: paths, globs, UTF-8 text, JSON and TSV rows.

Every reader goes through these helpers so that a bad byte, a broken JSON document or a short TSV row
is reported the same way: the file, the line and the fix.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nbhelpers.errors import CorpusFormatError

PathLike = str | Path


Paths = PathLike | Sequence[PathLike]


def as_paths(paths: Paths) -> list[Path]:
    """One path or several, as a list; lets every reader take either."""
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    return [Path(p) for p in paths]


def expand_user_files(value: str) -> list[Path]:
    """Paths from a config value: comma-separated, each may be a glob (``~/data/*.txt``)."""
    paths: list[Path] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        item = os.path.expanduser(item)
        matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        if not matches or not all(Path(m).is_file() for m in matches):
            raise FileNotFoundError(
                f"{item}: no such file. How to fix: check train_file/val_file (NBHELPERS_TRAIN_FILE, "
                "NBHELPERS_VAL_FILE); several files are separated by commas and may use * patterns."
            )
        paths.extend(Path(m) for m in matches)
    return paths


def read_text(path: Path) -> str:
    """A corpus file as text: UTF-8 with or without a BOM; anything else is an error naming the line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusFormatError(
            path, f"line {line}", "the file is not UTF-8 text",
            "save the file as UTF-8 (in most editors: Save As > Encoding > UTF-8).",
        ) from None


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 corpus file, split on ``\n`` only (``\r`` dropped).

    Not ``str.splitlines``: it also breaks at U+2028 and similar characters that news text contains
    inside sentences, which would shift every line number after them.
    """
    return [line.removesuffix("\r") for line in read_text(path).split("\n")]


def read_json(path: Path, fix: str) -> Any:
    """A UTF-8 JSON corpus file; a syntax error names its line and says ``fix``."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise CorpusFormatError(path, f"line {error.lineno}", f"not valid JSON ({error.msg})", fix) from None


def iter_tsv_rows(path: Path, header: Sequence[str], line_hint: str) -> Iterator[tuple[int, list[str]]]:
    """``(line_number, fields)`` of a headed TSV file; quotes are plain text, blank lines are skipped.

    The header and the field count are checked here so every TSV reader reports them the same way;
    ``line_hint`` shows the user what one line should look like.
    """
    for line_number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if line_number == 1:
            if fields != list(header):
                raise CorpusFormatError(path, "line 1", f"header is {fields!r}, expected {list(header)!r}",
                                        f"start the file with the line {chr(9).join(header)!r} (tab-separated).")
            continue
        if fields == [""]:
            continue  # blank line, e.g. a trailing newline added by an editor
        if len(fields) != len(header):
            raise CorpusFormatError(path, f"line {line_number}",
                                    f"{len(fields)} tab-separated fields, expected {len(header)}",
                                    f"each line must be '{line_hint}'; remove tabs inside the text.")
        yield line_number, fields
