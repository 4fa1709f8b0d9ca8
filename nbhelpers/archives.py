"""Opening a downloaded corpus archive safely: refuse zip bombs and path traversal, check every CRC.

Some corpora (kowikitext) come as zips in a GitHub release with no published hash, so the zip's own CRCs
are the check that a download is complete. The archive is also untrusted input that will be unpacked on
Colab's small disk: too many entries, entries that would land outside the target folder or on the folder
itself (``.``, an empty name), and sizes absurd for the corpus are refused from the central directory
before a single byte is decompressed.

Archives of pinned files (a repository archive at a commit, the corpus bundle kept on Drive) are opened
by :func:`extract_pinned` instead: only the entries that stand for a pinned file are read, each no
further than its declared size, and each is checked against its git blob id before it gets its name.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from nbhelpers.download import RemoteFile
from nbhelpers.errors import DownloadError

DEFAULT_MAX_UNZIPPED_BYTES = 4 << 30
"""Default limit on what one zip may unpack to (all entries together); corpora set their own."""
DEFAULT_MAX_RATIO = 100.0
"""Default limit on an entry's uncompressed/compressed size; text deflates about 3-5x, a zip bomb ~1000x."""
DEFAULT_MAX_ENTRIES = 10_000
"""Default limit on a zip's entry count; kowikitext's zips hold one file each, a repository archive a few thousand."""
RATIO_CHECK_MIN_BYTES = 1 << 20
"""Entries smaller than this are not ratio-checked: they cannot fill a disk, and tiny repetitive files
(test fixtures, empty files) legitimately compress very well."""


def _refuse(zip_path: Path, problem: str) -> DownloadError:
    return DownloadError(
        f"{zip_path}: {problem}. 말뭉치 압축 파일이 아닌 것 같습니다. 고치는 법: 이 파일을 지우고 셀을 다시 실행하세요."
    )


def _check_entry_count(zip_path: Path, members: Sequence[zipfile.ZipInfo], max_entries: int) -> None:
    if len(members) > max_entries:
        raise _refuse(zip_path, f"항목이 {len(members):,}개로 이 말뭉치에 맞는 최대 {max_entries:,}개를 넘어 풀지 않습니다")


def _safe_member_path(zip_path: Path, dest: Path, name: str) -> Path:
    """Where entry ``name`` goes below ``dest``; entries that would land elsewhere, or on ``dest`` itself, are refused."""
    pure = PurePosixPath(name.replace("\\", "/"))
    target = dest.joinpath(*pure.parts) if pure.parts else dest
    root = dest.resolve()
    if not pure.parts or target.resolve() == root:  # "", ".", "./", "a/..": the entry would replace the folder
        raise _refuse(zip_path, f"항목 이름 {name[:80]!r}: 압축을 풀 폴더 {dest} 자체를 가리키므로 풀지 않습니다")
    outside = (
        pure.is_absolute()
        or ".." in pure.parts
        or re.match(r"^[A-Za-z]:", name) is not None
        or root not in target.resolve().parents
    )
    if outside:
        raise DownloadError(
            f"{zip_path}: 항목 {name[:80]!r}이(가) {dest} 바깥에 쓰이게 되므로 풀지 않습니다.\n"
            "  고치는 법: 말뭉치 압축 파일이 아닙니다. 이 파일을 지우고 셀을 다시 실행하세요."
        )
    return target


def _check_sizes(zip_path: Path, entries: list[zipfile.ZipInfo], max_total_bytes: int, max_ratio: float) -> None:
    """Refuse a zip bomb from its central directory, before a single byte is decompressed."""
    fix = "  고치는 법: 말뭉치 압축 파일이 아닙니다. 이 파일을 지우고 셀을 다시 실행하세요."
    total = 0
    for info in entries:
        total += info.file_size
        if total > max_total_bytes:
            raise DownloadError(
                f"{zip_path}: 항목 {info.filename[:80]!r}까지 풀면 {total:,}바이트로, 이 말뭉치에 필요한 최대 "
                f"{max_total_bytes:,}바이트보다 커서 풀지 않습니다.\n{fix}"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > max_ratio:
            raise DownloadError(
                f"{zip_path}: 항목 {info.filename[:80]!r}을(를) 풀면 {info.file_size:,}바이트로, 압축된 크기의 "
                f"{ratio:,.0f}배입니다(최대 {max_ratio:,.0f}배 예상). 풀지 않습니다.\n{fix}"
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
                    raise zipfile.BadZipFile(f"항목 {info.filename!r}이(가) 적힌 크기보다 깁니다")
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
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> list[Path]:
    """Extract the zip at ``path`` into ``dest``, checking every entry's CRC; returns the extracted files.

    Release assets such as kowikitext's have no published hash, so the zip's own CRCs are the check:
    a truncated or corrupt archive is deleted and ``DownloadError`` is raised, so fetching it again
    starts from scratch. Before anything is decompressed, more than ``max_entries`` entries, entries that
    would land outside ``dest`` or on ``dest`` itself (``.``, an empty name), and sizes that are absurd for the corpus (``max_total_bytes`` over all entries, ``max_ratio`` for one
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
            _check_entry_count(path, members, max_entries)
            targets = [_safe_member_path(path, dest, info.filename) for info in members]  # before is_dir(): "" breaks it
            files = [info for info in members if not info.is_dir()]
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
            f"{path}은(는) 올바른 zip 압축 파일이 아닙니다({error}). 다음 시도에서 다시 받도록 지웠습니다. "
            "고치는 법: 셀을 다시 실행하세요."
        ) from error
    if not unchanged:
        dest.mkdir(parents=True, exist_ok=True)
        temporary = marker.with_name(marker.name + ".tmp")
        temporary.write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        temporary.replace(marker)
    return extracted


@dataclass
class PinnedExtraction:
    """What :func:`extract_pinned` did.

    Attributes:
        extracted: Names (keys of ``wanted``) whose entry verified and was written.
        refused: Names whose entry was present but did not match its pin (nothing written for them).
        ignored: How many entries stand for no wanted file (other folders, other files): never written.
    """

    extracted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    ignored: int = 0


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as the archiver meant it: UTF-8 even without the zip's UTF-8 flag, in NFC."""
    name = info.filename
    if not info.flag_bits & 0x800:  # zipfile decoded the raw bytes as cp437
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _write_verified(archive: zipfile.ZipFile, info: zipfile.ZipInfo, remote: RemoteFile, dest: Path) -> bool:
    """Stream one entry to ``dest`` through a temporary name, reading no more than its declared size."""
    if remote.size is not None and info.file_size != remote.size:
        return False
    blob = hashlib.sha1(f"blob {info.file_size}\0".encode())
    sha256 = hashlib.sha256()
    dest.parent.mkdir(parents=True, exist_ok=True)
    temporary = dest.with_name(dest.name + ".part")
    written = 0
    try:
        with archive.open(info) as source, temporary.open("wb") as sink:
            while written < info.file_size:
                block = source.read(min(1 << 20, info.file_size - written))
                if not block:
                    break
                written += len(block)
                blob.update(block)
                sha256.update(block)
                sink.write(block)
        ok = (
            written == info.file_size
            and (remote.git_blob is None or blob.hexdigest() == remote.git_blob)
            and (remote.sha256 is None or sha256.hexdigest() == remote.sha256)
            and (remote.git_blob is not None or remote.sha256 is not None or remote.size is not None)
        )
        if ok:
            temporary.replace(dest)
        return ok
    finally:
        temporary.unlink(missing_ok=True)


def extract_pinned(
    path: str | Path,
    wanted: Mapping[str, tuple[RemoteFile, Path]],
    strip_top_folder: bool = False,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> PinnedExtraction:
    """Write the entries of the zip at ``path`` that stand for pinned files, each only if it verifies.

    ``wanted`` maps an entry name (``folder/NAME``; with ``strip_top_folder`` the archive's single top
    folder, e.g. GitHub's ``REPO-COMMIT/``, is left out) to the pinned file and where it goes. Any other
    entry is never written, whatever its name, so path traversal cannot happen; an entry is read no
    further than its declared size (a zip bomb cannot fill the disk) and must match the pin's size and
    git blob id or SHA-256 (CRC errors count as a mismatch). Entries that do not match are listed in
    ``refused``; the caller fetches those files another way. An unreadable zip, or one with more than
    ``max_entries`` entries, raises ``DownloadError``.
    """
    path = Path(path)
    result = PinnedExtraction()
    wanted = {unicodedata.normalize("NFC", name): target for name, target in wanted.items()}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_entry_count(path, members, max_entries)
            names = [_entry_name(info) for info in members]
            if strip_top_folder:
                tops = {name.split("/", 1)[0] for name in names if name}
                if len(tops) != 1:
                    raise _refuse(path, f"최상위 폴더가 하나가 아니라 {len(tops)}개입니다")
                names = [name.split("/", 1)[1] if "/" in name else "" for name in names]
            seen: set[str] = set()
            for info, name in zip(members, names):
                target = wanted.get(name)
                if target is None or info.is_dir() or name in seen:
                    result.ignored += 1
                    continue
                seen.add(name)
                remote, dest = target
                try:
                    ok = _write_verified(archive, info, remote, dest)
                except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError):
                    ok = False
                (result.extracted if ok else result.refused).append(name)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise _refuse(path, f"zip 파일로 읽을 수 없습니다({error})") from error
    return result


def write_bundle(files: Sequence[tuple[str, Path]], path: str | Path) -> None:
    """Write ``(entry name, file)`` pairs into a zip at ``path``, under a temporary name first.

    The corpus cache on Drive keeps a corpus of many small files (KMOU NER: 1,427) as one such zip:
    Drive is slow per file, not per byte. :func:`extract_pinned` reads it back, checking every entry.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name, file in files:
                archive.write(file, name)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
