"""Pinned, verified, resumable downloads.

Colab sessions die mid-download and GitHub raw files change under a branch name, so every corpus file
is pinned to a commit and checked against its git blob id or SHA-256. A file already on disk that
verifies is used without touching the network; a partial file is resumed with an HTTP Range request;
a corrupt one is fetched again; when the network is gone, the error says where to put the file by hand.
"""

from __future__ import annotations

import hashlib
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from nbhelpers.errors import DownloadError

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """One upstream file, pinned.

    Attributes:
        url: Where to fetch it, pinned to a commit (never a branch).
        filename: Path of the file below the corpus directory, e.g. ``nsmc/ratings_train.txt``.
        git_blob: Expected ``git hash-object`` of the file, if known.
        sha256: Expected SHA-256 hex digest, if known.
        size: Expected size in bytes, if known.
    """

    url: str
    filename: str
    git_blob: str | None = None
    sha256: str | None = None
    size: int | None = None


def git_blob_id(path: str | Path) -> str:
    """What ``git hash-object PATH`` prints, without needing git."""
    path = Path(path)
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str | Path, remote: RemoteFile) -> bool:
    """True when the file at ``path`` is exactly the pinned upstream file."""
    path = Path(path)
    if not path.is_file():
        return False
    if remote.size is not None and path.stat().st_size != remote.size:
        return False
    if remote.git_blob is not None and git_blob_id(path) != remote.git_blob:
        return False
    if remote.sha256 is not None and sha256_of(path) != remote.sha256:
        return False
    return True


class Transport(Protocol):
    """How bytes get here; tests pass a fake, the notebooks use HTTP."""

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        """Start reading ``url`` at byte ``start``.

        Returns the chunks, the total size of the whole file if known, and whether the server honoured
        the range (if not, the chunks start at byte 0).
        """
        ...


class HttpTransport:
    """urllib with a Range header; no extra dependency and works the same on Colab and locally."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        request = urllib.request.Request(url, headers={"User-Agent": "nbhelpers"})
        if start > 0:
            request.add_header("Range", f"bytes={start}-")
        response = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 (pinned https URLs)
        resumed = start > 0 and response.status == 206
        length = response.headers.get("Content-Length")
        total = int(length) + (start if resumed else 0) if length is not None else None

        def chunks() -> Iterator[bytes]:
            with response:
                yield from iter(lambda: response.read(CHUNK_SIZE), b"")

        return chunks(), total, resumed


def _progress(total: int | None, initial: int, desc: str, enabled: bool):  # noqa: ANN202 (tqdm type)
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, desc=desc, disable=not enabled)


def fetch_file(
    remote: RemoteFile,
    dest: str | Path,
    transport: Transport | None = None,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    progress: bool = True,
) -> Path:
    """Make ``dest`` hold the verified upstream file and return its path.

    A verified file already at ``dest`` is returned without any network access. Otherwise bytes go to
    ``dest + ".part"`` (resumed across attempts and across sessions), are verified, and only then moved
    into place, so ``dest`` never holds a half-written file.
    """
    dest = Path(dest)
    if verify(dest, remote):
        return dest
    if dest.exists():
        logger.warning("%s does not match the pinned upstream file (corrupt or changed); fetching it again.", dest)
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    transport = transport or HttpTransport()
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        start = part.stat().st_size if part.exists() else 0
        try:
            chunks, total, resumed = transport.open(remote.url, start)
            mode = "ab" if resumed else "wb"
            with part.open(mode) as handle, _progress(total, start if resumed else 0, dest.name, progress) as bar:
                for chunk in chunks:
                    handle.write(chunk)
                    bar.update(len(chunk))
        except (OSError, urllib.error.URLError) as error:
            last_error = error
            logger.warning("Download of %s failed (attempt %d/%d): %s", remote.url, attempt, retries, error)
            if attempt < retries:
                time.sleep(backoff_seconds * attempt)
            continue
        if verify(part, remote):
            part.replace(dest)
            return dest
        last_error = DownloadError(f"{remote.url} arrived but does not match its pinned hash")
        logger.warning("%s did not verify (attempt %d/%d); discarding it.", part, attempt, retries)
        part.unlink()
    expected = ", ".join(
        f"{key} {value}"
        for key, value in (("git blob id", remote.git_blob), ("sha256", remote.sha256), ("size", remote.size))
        if value is not None
    )
    raise DownloadError(
        f"Could not download {remote.url} after {retries} attempts ({last_error}).\n"
        f"  How to fix: check the network (on Colab: Runtime > Restart) and run the cell again; it resumes.\n"
        f"  Or download the file yourself and place it at {dest}"
        + (f" (it must have {expected})." if expected else ".")
    )


def extract_zip(path: str | Path, dest: str | Path) -> list[Path]:
    """Extract the zip at ``path`` into ``dest`` after checking every member's CRC; returns the files.

    Release assets such as kowikitext's have no published hash, so the zip's own CRCs are the check:
    a truncated or corrupt archive is deleted and ``DownloadError`` is raised, so fetching it again
    starts from scratch. Already extracted files of the same size are not written again, and member
    names that would land outside ``dest`` are refused.
    """
    import zipfile
    import zlib

    path, dest = Path(path), Path(dest)
    try:
        with zipfile.ZipFile(path) as archive:
            bad_member = archive.testzip()
            if bad_member is not None:
                raise zipfile.BadZipFile(f"CRC error in member {bad_member}")
            root = dest.resolve()
            extracted: list[Path] = []
            for info in archive.infolist():
                target = (dest / info.filename).resolve()
                if root != target and root not in target.parents:
                    raise DownloadError(f"{path}: member {info.filename!r} would be extracted outside {dest}")
                if info.is_dir():
                    continue
                if not (target.is_file() and target.stat().st_size == info.file_size):
                    archive.extract(info, dest)
                extracted.append(target)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        path.unlink(missing_ok=True)
        raise DownloadError(
            f"{path} is not a valid zip archive ({error}); it was deleted so that the next attempt "
            "downloads it again."
        ) from error
    return extracted
