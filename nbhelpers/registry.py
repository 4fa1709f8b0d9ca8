"""The corpus registry: one name per corpus, its pinned files, its reader and its embedded sample.

Notebooks, the smoke profile and ``python -m nbhelpers inspect`` all go through this table, so a corpus
is described once: where it comes from, how to verify it, how to read it, and what to count.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbhelpers.download import RemoteFile, Transport, fetch_file, verify
from nbhelpers.files import (
    ANY_FILE,
    PathLike,
    Paths,
    as_paths,
    describe_files,
    expand_user_files,
)

if TYPE_CHECKING:
    from nbhelpers.config import BaseConfig

logger = logging.getLogger(__name__)


SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


@dataclass(frozen=True)
class CorpusSpec:
    """Everything the project knows about one corpus.

    Attributes:
        name: Registry name, the value of ``config.corpus_name``.
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
        file_patterns: Which files of a folder are corpus files (a folder is accepted wherever files are).
        read_val: Reader for validation files when they must meet more than training files (KorQuAD:
            every question needs a gold answer to be scored); ``read`` otherwise.
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
    file_patterns: tuple[str, ...] = ANY_FILE
    read_val: Callable[[Paths], list[Any]] | None = None

    def reader(self, split: str) -> Callable[[Paths], list[Any]]:
        """The reader for ``"train"`` or ``"val"`` files."""
        if split not in ("train", "val"):
            raise ValueError(f"split={split!r}: use 'train' or 'val'.")
        return self.read_val if split == "val" and self.read_val is not None else self.read


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
    """The registered corpus called ``name``, with the known names in the error if there is none.

    A chapter package registers its corpora when it is imported (``import nbhelpers.ner``); the core never
    imports a chapter, so the CLI imports the chapters first (``nbhelpers.__main__.load_chapters``).
    """
    try:
        return CORPORA[name]
    except KeyError:
        raise KeyError(f"Unknown corpus {name!r}. Known corpora: {', '.join(sorted(CORPORA))}.") from None


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


def download_arguments(
    source: str | BaseConfig, data_root: PathLike, train_file: str, val_file: str
) -> tuple[str, PathLike, str, str]:
    """``(corpus name, data_root, train_file, val_file)`` of a download: as given, or from a checked config."""
    if isinstance(source, str):
        return source, data_root, train_file, val_file
    from nbhelpers.config import check_resolved

    check_resolved(source)
    return source.corpus_name, source.data_root, source.train_file, source.val_file


def download_corpus(
    name: str | BaseConfig,
    data_root: PathLike = "~/Korpora",
    train_file: str = "",
    val_file: str = "",
    transport: Transport | None = None,
    progress: bool = True,
) -> CorpusFiles:
    """Local, verified files of corpus ``name``; the user's own files when ``train_file``/``val_file`` are set.

    The notebooks pass their resolved config instead of a name (``download_corpus(config)``): its corpus,
    ``data_root``, ``train_file`` and ``val_file`` are used, and a config that did not pass the latest
    ``resolve_config`` call is refused before anything is fetched (``config.check_resolved``): a failed
    config cell must not be followed by a multi-GB download of the wrong corpus.

    Files already on disk that verify are used as they are, without touching the network.
    """
    name, data_root, train_file, val_file = download_arguments(name, data_root, train_file, val_file)
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
            return expand_user_files(user_value, spec.file_patterns)
        if not group:  # nothing to fetch: no empty "0file" progress bar under the cell
            return []
        if len(group) == 1:
            return [fetch_file(group[0], root / group[0].filename, transport=transport, progress=progress)]
        # Many files (KMOU NER has 1,427): one bar over files rather than a bar per file.
        from tqdm.auto import tqdm

        return [
            fetch_file(r, root / r.filename, transport=transport, progress=False)
            for r in tqdm(group, desc=spec.name, unit="file", disable=not progress)
        ]

    return CorpusFiles(train=resolve(train_file, spec.train_files), val=resolve(val_file, spec.val_files))


def inspect_files(name: str, files: Sequence[PathLike], split: str = "train") -> dict[str, Any]:
    """Parse ``files`` (folders: their corpus files) as ``split`` and summarise them (``python -m nbhelpers inspect``).

    ``split="val"`` applies what only validation files need (KorQuAD: a gold answer for every question).
    """
    spec = get_corpus(name)
    paths = as_paths(files, spec.file_patterns)
    examples = spec.reader(split)(paths)
    return {
        "corpus": spec.name,
        "split": split,
        "files": [str(f) for f in files],
        "files_read": describe_files(paths),
        "examples": len(examples),
        "labels": spec.count_labels(examples),
    }
