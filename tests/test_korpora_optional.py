"""Korpora is optional: without it the package imports, and NSMC comes from the pinned URL and is verified.

Korpora 0.2.0 is an unmaintained extra (``nbhelpers[korpora]``) that the notebooks install in a separate,
allowed-to-fail pip call, so every path that uses it must work when it cannot be imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest

from nbhelpers.download import RemoteFile
from nbhelpers.registry import CORPORA, download_corpus, get_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = ("id\tdocument\tlabel\n" + "".join(f"{i}\t리뷰 {i}\t{i % 2}\n" for i in range(50))).encode("utf-8")
BLOB = hashlib.sha1(b"blob %d\0" % len(DATA) + DATA).hexdigest()


class PinnedServer:
    """Serves DATA for every URL and records which URLs were asked for."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        self.urls.append(url)
        return [DATA[start:]], len(DATA), start > 0


def test_korpora_is_an_extra_not_a_requirement() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("korpora")]
    assert [d for d in project["optional-dependencies"]["korpora"] if d.startswith("Korpora")]


def test_nsmc_falls_back_to_the_pinned_url_when_korpora_is_not_importable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "Korpora", None)  # `from Korpora import Korpora` now raises ImportError
    nsmc = get_corpus("nsmc")
    assert nsmc.korpora_name == "nsmc"  # the real spec still asks Korpora first
    pinned = [RemoteFile(f"https://example.invalid/{r.filename}", r.filename, git_blob=BLOB)
              for r in (*nsmc.train_files, *nsmc.val_files)]
    spec = dataclasses.replace(nsmc, name="nsmc-pinned", train_files=(pinned[0],), val_files=(pinned[1],))
    monkeypatch.setitem(CORPORA, spec.name, spec)
    server = PinnedServer()
    files = download_corpus(spec.name, tmp_path, transport=server, progress=False)
    assert server.urls == [p.url for p in pinned]
    assert files.train == [tmp_path / pinned[0].filename] and files.val == [tmp_path / pinned[1].filename]
    assert files.train[0].read_bytes() == DATA


def test_every_module_imports_without_korpora(tmp_path: Path) -> None:
    code = """
import importlib, pkgutil, sys
sys.modules["Korpora"] = None
import nbhelpers
names = [m.name for m in pkgutil.walk_packages(nbhelpers.__path__, "nbhelpers.") if ".samples." not in m.name]
for name in names:
    importlib.import_module(name)
print(len(names))
"""
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=tmp_path,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 10
