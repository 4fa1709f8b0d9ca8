"""extract_zip: zip bombs and path traversal are refused before anything is written, and extracted files
follow their zip when it changes."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from nbhelpers.archives import extract_zip
from nbhelpers.errors import DownloadError

TEXT = "= 문서 =\n\n첫 문장입니다. 두 번째 문장입니다.\n"


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_zip_bomb_entry_is_refused_by_ratio(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.zip", {"a.txt": TEXT.encode(), "zeros.txt": bytes(8 << 20)})
    with pytest.raises(DownloadError) as info:
        extract_zip(path, tmp_path / "out")
    message = str(info.value)
    assert str(path) in message and "'zeros.txt'" in message and "압축된 크기의" in message and "풀지 않습니다" in message
    assert not (tmp_path / "out").exists()  # refused from the directory, nothing decompressed or written
    assert path.exists()  # not a download glitch: kept for the learner to look at


def test_total_uncompressed_size_limit_names_the_entry(tmp_path: Path) -> None:
    entries = {f"part{i}.txt": os.urandom(300_000) for i in range(4)}
    path = _zip(tmp_path / "big.zip", entries)
    with pytest.raises(DownloadError, match=r"항목 'part3.txt'까지 풀면 1,200,000바이트로"):
        extract_zip(path, tmp_path / "out", max_total_bytes=1_000_000)
    assert not (tmp_path / "out").exists()
    assert len(extract_zip(path, tmp_path / "out", max_total_bytes=2_000_000)) == 4


@pytest.mark.parametrize("name", ["../evil.txt", "sub/../../evil.txt", "/tmp/evil.txt", "sub/../inside.txt"])
def test_path_traversal_is_refused_before_anything_is_written(tmp_path: Path, name: str) -> None:
    path = _zip(tmp_path / "evil.zip", {"ok.txt": TEXT.encode(), name: b"pwned"})
    out = tmp_path / "a" / "out"
    with pytest.raises(DownloadError) as info:
        extract_zip(path, out)
    assert str(path) in str(info.value) and repr(name) in str(info.value)
    assert not out.exists() and not (tmp_path / "a" / "evil.txt").exists()


def test_too_many_entries_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.zip", {f"doc{i}.txt": b"x" for i in range(12)})
    with pytest.raises(DownloadError) as info:
        extract_zip(path, tmp_path / "out", max_entries=10)
    assert str(path) in str(info.value) and "12개" in str(info.value) and "최대 10개" in str(info.value)
    assert "고치는 법" in str(info.value)
    assert not (tmp_path / "out").exists() and path.exists()
    from nbhelpers.archives import DEFAULT_MAX_ENTRIES

    assert len(extract_zip(path, tmp_path / "out")) == 12 and DEFAULT_MAX_ENTRIES == 10_000


def _raw_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A stored zip written byte by byte: zipfile itself refuses to write an entry with an empty name."""
    local, central = b"", b""
    for name, data in entries:
        raw, crc = name.encode(), zlib.crc32(data)
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(data), len(data),
                               len(raw), 0, 0, 0, 0, 0, len(local)) + raw
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(raw), 0)
        local += raw + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return local + central + end


@pytest.mark.parametrize("name", [".", "", "./", "a/..", "a/../"])
def test_an_entry_naming_the_target_folder_itself_is_refused_before_writing(tmp_path: Path, name: str) -> None:
    path = tmp_path / "dot.zip"
    path.write_bytes(_raw_zip([(name, b"" if name.endswith("/") else b"would replace the folder"),
                               ("ok.txt", TEXT.encode())]))
    out = tmp_path / "a" / "out"
    with pytest.raises(DownloadError) as info:
        extract_zip(path, out)
    assert str(path) in str(info.value) and repr(name) in str(info.value) and "고치는 법" in str(info.value)
    assert not out.exists() and sorted(p.name for p in tmp_path.rglob("*")) == ["dot.zip"]


def test_changed_zip_refreshes_extracted_files(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip", {"doc.txt": TEXT.encode()})
    [doc] = extract_zip(path, tmp_path)
    assert doc.read_text(encoding="utf-8") == TEXT
    newer = TEXT.replace("첫", "새")  # same length in bytes: a size comparison cannot see the change
    assert len(newer.encode()) == len(TEXT.encode())
    _zip(path, {"doc.txt": newer.encode()})
    [doc] = extract_zip(path, tmp_path)
    assert doc.read_text(encoding="utf-8") == newer


def test_unchanged_zip_is_not_extracted_again_and_missing_files_come_back(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip", {"a.txt": b"first\n", "b.txt": b"second\n"})
    a, b = extract_zip(path, tmp_path / "out")
    a_stat = a.stat()
    b.unlink()
    assert extract_zip(path, tmp_path / "out") == [a, b]
    assert b.read_bytes() == b"second\n"
    assert (a.stat().st_ino, a.stat().st_mtime_ns) == (a_stat.st_ino, a_stat.st_mtime_ns)


def test_crc_error_while_extracting_deletes_the_zip_and_leaves_no_partial_file(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip", {"doc.txt": TEXT.encode() * 40})
    damaged = bytearray(path.read_bytes())
    damaged[50:60] = bytes(10)
    path.write_bytes(bytes(damaged))
    with pytest.raises(DownloadError, match="올바른 zip 압축 파일이 아닙니다"):
        extract_zip(path, tmp_path / "out")
    assert not path.exists()
    assert not any((tmp_path / "out").rglob("*"))


class ZipServer:
    """Serves one zip over the fake transport interface, counting the requests."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.calls = 0

    def open(self, url: str, start: int) -> tuple[list[bytes], int, bool]:
        self.calls += 1
        return [self.payload], len(self.payload), False


def test_recorded_zip_size_catches_a_replaced_zip_before_extraction(tmp_path: Path) -> None:
    from nbhelpers.pretraining.kowikitext import download_kowikitext

    good = _zip(tmp_path / "good.zip", {"kowikitext_20200920.dev": TEXT.encode()}).read_bytes()
    server = ZipServer(good)
    root = tmp_path / "Korpora"
    [text] = download_kowikitext("kowikitext", root, transport=server, progress=False).train
    zip_path = root / "kowikitext" / "kowikitext_20200920.dev.zip"
    assert server.calls == 1 and zip_path.with_name(zip_path.name + ".size.json").is_file()
    # Another valid zip of another size under the same name (a stale copy, a replaced file): it must not be
    # trusted and extracted; the pinned one comes back and the text is refreshed from it.
    _zip(zip_path, {"kowikitext_20200920.dev": ("= 다른 문서 =\n\n" + TEXT * 3).encode()})
    again = download_kowikitext("kowikitext", root, transport=server, progress=False)
    assert server.calls == 2 and zip_path.read_bytes() == good
    assert again.train == [text] and text.read_text(encoding="utf-8") == TEXT
