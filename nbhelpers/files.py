"""Reading corpus files the same way everywhere: paths, globs, UTF-8 text, JSON and TSV rows.

Every reader goes through these helpers so that a bad byte, a broken JSON document or a short TSV row
is reported the same way: the file, the line and the fix. A folder stands for the files of the corpus's
format in it (KMOU NER is distributed as a folder of 1,427 files), wherever a path is accepted.

Text is checked before it is read: UTF-16 (Windows Notepad's "Unicode"), with or without its byte-order
mark, is refused by name instead of being read as text full of NUL characters, and a file or folder the
session may not read says so (the path and the fix) instead of a traceback or "no such file". Lines come
out in Unicode NFC (``nbhelpers.text``), so a file saved on macOS reads the same as one saved elsewhere;
JSON readers normalise the values they take, because offsets into them must be recomputed.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nbhelpers.errors import CorpusFormatError, clip, quote
from nbhelpers.text import to_nfc

logger = logging.getLogger(__name__)

PathLike = str | Path


Paths = PathLike | Sequence[PathLike]


ANY_FILE = ("*",)
"""Patterns of a folder's files when the caller names no format: every visible file."""


def describe_files(files: Sequence[Path], shown: int = 3) -> str:
    """``"파일 4개: a.txt, b.txt, c.txt, ..."``: what was read, short enough for one line."""
    names = ", ".join(clip(f.name, 60) for f in files[:shown])
    return f"파일 {len(files):,}개: {names}{', ...' if len(files) > shown else ''}"


def permission_denied(path: Path, folder: bool = False) -> PermissionError:
    """The error for a file or folder this session may not read: the path and how to get at it."""
    what = "폴더를" if folder else "파일을"
    return PermissionError(
        f"{path}: 이 {what} 읽을 권한이 없습니다. 고치는 법: chmod -R u+rX '{path}' 로 읽기 권한을 주거나, "
        f"읽을 수 있는 곳에 복사해 그 경로를 쓰세요."
    )


def _is_readable_folder(path: Path) -> bool:
    """Whether ``path`` is a folder; one whose entries may not be listed raises ``permission_denied``."""
    try:
        if not path.is_dir():
            return False
    except PermissionError:
        raise permission_denied(path) from None
    if not os.access(path, os.R_OK | os.X_OK):
        # glob would list nothing and the learner would read "the folder has no file".
        raise permission_denied(path, folder=True)
    return True


def folder_files(folder: Path, patterns: Sequence[str]) -> list[Path]:
    """The files of ``folder`` (not its subfolders) matching ``patterns``, sorted by name; hidden files skipped.

    Hidden files are editor and macOS leftovers (``.DS_Store``, ``._00827_NER.txt``), never corpus files.
    """
    _is_readable_folder(folder)
    files = sorted(
        {f for pattern in patterns for f in folder.glob(pattern) if f.is_file() and not f.name.startswith(".")}
    )
    if not files:
        raise FileNotFoundError(
            f"{folder}: 폴더에 {' 또는 '.join(patterns)} 파일이 없습니다. 고치는 법: 말뭉치 파일이 든 폴더나 "
            "그 파일들을 직접 가리키세요."
        )
    logger.info("%s: 읽는 %s", folder, describe_files(files))
    return files


def as_paths(paths: Paths, patterns: Sequence[str] = ANY_FILE) -> list[Path]:
    """One path or several, as a list of files; a folder stands for its files matching ``patterns``."""
    items = [paths] if isinstance(paths, (str, Path)) else paths
    result: list[Path] = []
    for item in (Path(p) for p in items):
        result.extend(folder_files(item, patterns) if _is_readable_folder(item) else [item])
    return result


def expand_user_files(value: str, patterns: Sequence[str] = ANY_FILE) -> list[Path]:
    """Files from a config value: comma-separated paths, each a file, a folder or a glob (``~/data/*.txt``).

    A folder stands for its files matching ``patterns`` (the corpus's format), as in ``as_paths``.
    """
    paths: list[Path] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        item = os.path.expanduser(item)
        matches = [Path(m) for m in sorted(glob.glob(item))] if glob.has_magic(item) else [Path(item)]
        if not matches or not all(_exists(m) for m in matches):
            raise FileNotFoundError(
                f"{clip(item)}: 그런 파일이나 폴더가 없습니다. 고치는 법: train_file/val_file"
                "(NBHELPERS_TRAIN_FILE, NBHELPERS_VAL_FILE)을 확인하세요. 경로 여러 개는 쉼표로 나누고, "
                "* 패턴을 쓸 수 있으며, 폴더는 그 안의 말뭉치 파일들을 뜻합니다."
            )
        paths.extend(as_paths(matches, patterns))
    return paths


def _exists(path: Path) -> bool:
    try:
        return path.is_file() or path.is_dir()
    except PermissionError:  # a folder on the way may not be entered: say so, not "no such file"
        raise permission_denied(path) from None


def check_not_empty(path: Path, found: int, problem: str, fix: str) -> None:
    """Raise ``problem`` when ``path`` gave no examples: an empty file fails now, not as an IndexError hours later."""
    if found == 0:
        raise CorpusFormatError(path, "whole file", problem, fix)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_text(path: Path) -> str:
    """A corpus file as text, as written: UTF-8 with or without a BOM; anything else is an error naming the line.

    UTF-16 and UTF-32 are refused by name: without a byte-order mark their ASCII characters are valid
    UTF-8 with a NUL byte between them, which would otherwise be read as text. No corpus text holds NUL.
    """
    try:
        data = path.read_bytes()
    except PermissionError:
        raise permission_denied(path) from None
    nul = data.find(b"\0")
    if data.startswith(_UTF16_BOMS) or nul >= 0:
        line = 1 if data.startswith(_UTF16_BOMS) else data[:nul].count(b"\n") + 1
        raise CorpusFormatError(
            path, f"line {line}", "UTF-16(또는 UTF-32)으로 저장된 파일입니다(NUL 바이트가 있습니다)",
            "UTF-8로 다시 저장하세요(메모장: 다른 이름으로 저장 > 인코딩 UTF-8, "
            "터미널: iconv -f UTF-16 -t UTF-8 원래파일 > 새파일).",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusFormatError(
            path, f"line {line}", "UTF-8 텍스트 파일이 아닙니다",
            "파일을 UTF-8로 저장하세요(대부분의 편집기: 다른 이름으로 저장 > 인코딩 > UTF-8).",
        ) from None


def read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 corpus file in Unicode NFC, split on ``\n`` only (``\r`` dropped).

    Not ``str.splitlines``: it also breaks at U+2028 and similar characters that news text contains
    inside sentences, which would shift every line number after them.
    """
    return [line.removesuffix("\r") for line in to_nfc(read_text(path)).split("\n")]


def read_json(path: Path, fix: str) -> Any:
    """A UTF-8 JSON corpus file; a syntax error names its line and says ``fix``."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise CorpusFormatError(path, f"line {error.lineno}", f"올바른 JSON이 아닙니다({error.msg})", fix) from None
    except RecursionError:
        raise CorpusFormatError(path, "whole file", "JSON이 너무 깊이 중첩되어 읽을 수 없습니다", fix) from None


def iter_tsv_rows(path: Path, header: Sequence[str], line_hint: str) -> Iterator[tuple[int, list[str]]]:
    """``(line_number, fields)`` of a headed TSV file; quotes are plain text, blank lines are skipped.

    The header and the field count are checked here so every TSV reader reports them the same way;
    ``line_hint`` shows the user what one line should look like.
    """
    lines = read_lines(path)
    if not any(line.strip() for line in lines):
        raise CorpusFormatError(path, "whole file", "파일이 비어 있습니다",
                                f"머리줄 {chr(9).join(header)!r}을 쓰고 그 아래에 한 줄에 하나씩 '{line_hint}'을 쓰세요.")
    for line_number, line in enumerate(lines, start=1):
        fields = line.split("\t")
        if line_number == 1:
            if fields != list(header):
                raise CorpusFormatError(path, "line 1", f"머리줄이 {chr(9).join(header)!r}이어야 하는데 {quote(line)}입니다",
                                        f"파일 첫 줄을 {chr(9).join(header)!r}(탭으로 구분)로 시작하세요.")
            continue
        if fields == [""]:
            continue  # blank line, e.g. a trailing newline added by an editor
        if len(fields) != len(header):
            raise CorpusFormatError(path, f"line {line_number}",
                                    f"탭으로 나뉜 필드가 {len(header)}개여야 하는데 {len(fields)}개입니다",
                                    f"각 줄은 '{line_hint}' 꼴이어야 합니다. 텍스트 안의 탭을 지우세요.")
        yield line_number, fields
