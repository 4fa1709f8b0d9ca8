"""Opening a downloaded corpus archive safely: refuse zip bombs and path traversal, check every CRC.

Some corpora (kowikitext) come as zips in a GitHub release with no published hash, so the zip's own CRCs
are the check that a download is complete. The archive is also untrusted input that will be unpacked on
Colab's small disk: entries that would land outside the target folder, and sizes absurd for the corpus,
are refused from the central directory before a single byte is decompressed.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from nbhelpers.errors import DownloadError

DEFAULT_MAX_UNZIPPED_BYTES = 4 << 30
"""Default limit on what one zip may unpack to (all entries together); corpora set their own."""
DEFAULT_MAX_RATIO = 100.0
"""Default limit on an entry's uncompressed/compressed size; text deflates about 3-5x, a zip bomb ~1000x."""
RATIO_CHECK_MIN_BYTES = 1 << 20
"""Entries smaller than this are not ratio-checked: they cannot fill a disk, and tiny repetitive files
(test fixtures, empty files) legitimately compress very well."""


def _safe_member_path(zip_path: Path, dest: Path, name: str) -> Path:
    """Where entry ``name`` goes below ``dest``; entries that would land elsewhere are refused."""
    pure = PurePosixPath(name.replace("\\", "/"))
    target = dest.joinpath(*pure.parts) if pure.parts else dest
    root = dest.resolve()
    outside = (
        pure.is_absolute()
        or ".." in pure.parts
        or re.match(r"^[A-Za-z]:", name) is not None
        or (target.resolve() != root and root not in target.resolve().parents)
    )
    if outside:
        raise DownloadError(
            f"{zip_path}: entry {name[:80]!r} would be written outside {dest}; refusing to extract it.\n"
            "  How to fix: this is not the corpus archive; delete it and run the cell again."
        )
    return target


def _check_sizes(zip_path: Path, entries: list[zipfile.ZipInfo], max_total_bytes: int, max_ratio: float) -> None:
    """Refuse a zip bomb from its central directory, before a single byte is decompressed."""
    fix = "  How to fix: this is not the corpus archive; delete it and run the cell again."
    total = 0
    for info in entries:
        total += info.file_size
        if total > max_total_bytes:
            raise DownloadError(
                f"{zip_path}: entries up to {info.filename[:80]!r} unpack to {total:,} bytes, more than the "
                f"{max_total_bytes:,} this corpus can need; refusing to extract.\n{fix}"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > max_ratio:
            raise DownloadError(
                f"{zip_path}: entry {info.filename[:80]!r} unpacks to {info.file_size:,} bytes, {ratio:,.0f} times "
                f"its compressed size (at most {max_ratio:,.0f} expected); refusing to extract.\n{fix}"
            )


def _extract_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Write one entry through a temporary name; zipfile raises BadZipFile on a CRC mismatch at its end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    written = 0
    try:
        with archive.open(info) as source, temporary.open("wb") as sink:
            for block in iter(lambda: source.read(1 << 20), b""):
                written += len(block)
                if written > info.file_size:  # zipfile stops at the declared size; never trust it blindly
                    raise zipfile.BadZipFile(f"entry {info.filename!r} is longer than declared")
                sink.write(block)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _marker_path(path: Path, dest: Path) -> Path:
    return dest / f".{path.name}.extracted.json"


def _zip_stamp(path: Path, entries: list[zipfile.ZipInfo]) -> dict[str, Any]:
    stat = path.stat()
    return {
        "zip_size": stat.st_size,
        "zip_mtime_ns": stat.st_mtime_ns,
        "entries": {info.filename: [info.file_size, info.CRC] for info in entries},
    }


def extract_zip(
    path: str | Path,
    dest: str | Path,
    max_total_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> list[Path]:
    """Extract the zip at ``path`` into ``dest``, checking every entry's CRC; returns the extracted files.

    Release assets such as kowikitext's have no published hash, so the zip's own CRCs are the check:
    a truncated or corrupt archive is deleted and ``DownloadError`` is raised, so fetching it again
    starts from scratch. Before anything is decompressed, entries that would land outside ``dest`` and
    sizes that are absurd for the corpus (``max_total_bytes`` over all entries, ``max_ratio`` for one
    entry of at least 1 MiB) are refused: a zip bomb would otherwise fill Colab's disk.

    A marker beside the extracted files (``.NAME.zip.extracted.json``) records the zip's size, mtime and
    entry CRCs. While the zip matches it, present files of the right size are not extracted (nor
    decompressed) again; when the zip changed (fetched again, replaced), every file is rewritten.
    """
    path, dest = Path(path), Path(dest)
    marker = _marker_path(path, dest)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            files = [info for info in members if not info.is_dir()]
            targets = [_safe_member_path(path, dest, info.filename) for info in members]
            _check_sizes(path, files, max_total_bytes, max_ratio)
            stamp = _zip_stamp(path, files)
            try:
                unchanged = json.loads(marker.read_text(encoding="utf-8")) == stamp
            except (OSError, ValueError):
                unchanged = False
            if not unchanged:
                marker.unlink(missing_ok=True)
            extracted: list[Path] = []
            for info, target in zip(members, targets):
                if info.is_dir():
                    continue
                if not (unchanged and target.is_file() and target.stat().st_size == info.file_size):
                    _extract_entry(archive, info, target)
                extracted.append(target)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        path.unlink(missing_ok=True)
        raise DownloadError(
            f"{path} is not a valid zip archive ({error}); it was deleted so that the next attempt "
            "downloads it again."
        ) from error
    if not unchanged:
        dest.mkdir(parents=True, exist_ok=True)
        temporary = marker.with_name(marker.name + ".tmp")
        temporary.write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        temporary.replace(marker)
    return extracted
