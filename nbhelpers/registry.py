"""The corpus registry: one name per corpus, its pinned files, its reader and its embedded sample.

Notebooks, the smoke profile and ``python -m nbhelpers inspect`` all go through this table, so a corpus
is described once: where it comes from, how to verify it, how to read it, and what to count.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbhelpers.download import RemoteFile, Transport, fetch_file, verify
from nbhelpers.errors import CorpusFormatError

logger = logging.getLogger(__name__)

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"

PathLike = str | Path
Paths = PathLike | Sequence[PathLike]


@dataclass(frozen=True)
class ClassificationExample:
    """One document (or sentence pair) with its label id.

    Attributes:
        guid: Where it came from: the upstream id, or ``file:line``.
        text_a: The document, or the premise of a pair.
        text_b: The hypothesis of a pair; ``None`` for single-sentence tasks.
        label: Label id (see the corpus's ``label_names``).
    """

    guid: str
    text_a: str
    text_b: str | None
    label: int


@dataclass(frozen=True)
class CorpusSpec:
    """Everything the project knows about one corpus.

    Attributes:
        name: Registry name, the value of ``config.downstream_corpus_name``.
        task: ``"classification"``, ``"pair-classification"``, ``"ner"``, ``"qa"`` or ``"pretraining"``.
        train_files: Pinned upstream files of the training split.
        val_files: Pinned upstream files of the validation split.
        read: Reader taking one or several paths and returning typed examples.
        count_labels: Counts per label name over the examples (for ``inspect`` and the notebooks).
        label_names: Label names in id order, for classification corpora.
        sample_train: File names under ``nbhelpers/samples`` used by the smoke profile.
        sample_val: Same, for validation.
        korpora_name: Name in Korpora, for corpora the book fetched with ``Korpora.fetch``.
        license: Upstream licence, shown when the corpus is downloaded.
    """

    name: str
    task: str
    train_files: tuple[RemoteFile, ...]
    val_files: tuple[RemoteFile, ...]
    read: Callable[[Paths], list[Any]]
    count_labels: Callable[[list[Any]], dict[str, int]]
    label_names: tuple[str, ...] = ()
    sample_train: tuple[str, ...] = ()
    sample_val: tuple[str, ...] = ()
    korpora_name: str | None = None
    license: str = ""


@dataclass
class CorpusFiles:
    """The local files of one corpus, split by use.

    Attributes:
        train: Training files.
        val: Validation files.
    """

    train: list[Path] = field(default_factory=list)
    val: list[Path] = field(default_factory=list)


CORPORA: dict[str, CorpusSpec] = {}


def register(spec: CorpusSpec) -> CorpusSpec:
    CORPORA[spec.name] = spec
    return spec


def get_corpus(name: str) -> CorpusSpec:
    """The registered corpus called ``name``, with the known names in the error if there is none."""
    import nbhelpers.corpora  # noqa: F401  (registers every corpus module)

    try:
        return CORPORA[name]
    except KeyError:
        raise KeyError(f"Unknown corpus {name!r}. Known corpora: {', '.join(sorted(CORPORA))}.") from None


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


def sample_files(spec: CorpusSpec, split: str) -> list[Path]:
    names = spec.sample_train if split == "train" else spec.sample_val
    return [SAMPLES_DIR / name for name in names]


def _fetch_with_korpora(spec: CorpusSpec, root: Path) -> None:
    """The book's way (``Korpora.fetch``); any failure is left to the pinned downloader to report."""
    try:
        from Korpora import Korpora

        Korpora.fetch(spec.korpora_name, root_dir=str(root))
    except Exception as error:  # noqa: BLE001 (Korpora raises URLError, HTTPError, OSError, ...)
        logger.info("Korpora.fetch(%r) failed (%s); using the pinned download instead.", spec.korpora_name, error)


def download_corpus(
    name: str,
    data_root: PathLike,
    train_file: str = "",
    val_file: str = "",
    transport: Transport | None = None,
    progress: bool = True,
) -> CorpusFiles:
    """Local, verified files of corpus ``name``; the user's own files when ``train_file``/``val_file`` are set.

    Files already on disk that verify are used as they are, without touching the network.
    """
    spec = get_corpus(name)
    root = Path(os.path.expanduser(str(data_root)))
    needed = [r for r, use in ((spec.train_files, not train_file), (spec.val_files, not val_file)) if use]
    remotes = [remote for group in needed for remote in group]
    if spec.korpora_name and any(not verify(root / r.filename, r) for r in remotes):
        _fetch_with_korpora(spec, root)
    if remotes and spec.license:
        print(f"{spec.name}: {spec.license}")

    def resolve(user_value: str, group: Sequence[RemoteFile]) -> list[Path]:
        if user_value:
            return expand_user_files(user_value)
        if len(group) == 1:
            return [fetch_file(group[0], root / group[0].filename, transport=transport, progress=progress)]
        # Many files (KMOU NER has 1,427): one bar over files rather than a bar per file.
        from tqdm.auto import tqdm

        return [
            fetch_file(r, root / r.filename, transport=transport, progress=False)
            for r in tqdm(group, desc=spec.name, unit="file", disable=not progress)
        ]

    return CorpusFiles(train=resolve(train_file, spec.train_files), val=resolve(val_file, spec.val_files))


def count_label_names(label_names: Sequence[str]) -> Callable[[list[ClassificationExample]], dict[str, int]]:
    """A ``count_labels`` for classification corpora: examples per label name, in label order."""

    def count(examples: list[ClassificationExample]) -> dict[str, int]:
        counts = Counter(example.label for example in examples)
        return {name: counts.get(index, 0) for index, name in enumerate(label_names)}

    return count


def inspect_files(name: str, files: Sequence[PathLike]) -> dict[str, Any]:
    """Parse ``files`` with the corpus's reader and summarise them (``python -m nbhelpers inspect``)."""
    spec = get_corpus(name)
    examples = spec.read(as_paths(files))
    return {
        "corpus": spec.name,
        "files": [str(f) for f in files],
        "examples": len(examples),
        "labels": spec.count_labels(examples),
    }
