"""The corpus registry: one name per corpus, its pinned files, its reader and its embedded sample.

Notebooks, the smoke profile and ``python -m nbhelpers inspect`` all go through this table, so a corpus
is described once: where it comes from, how to verify it, how to read it, and what to count.

:func:`download_corpus` also decides where the files come from, cheapest first: the session's disk, the
corpus cache on Drive, Korpora (the book's way), one archive of the pinned commit (KMOU NER's 1,427
files in a single request), and last the pinned files one by one. On Colab the notebooks set
``data_root`` to a folder on Drive (``MyDrive/Korpora``, next to ``nlpbook/``): the files are then
read from a copy on the session's disk (``~/Korpora``, fast, and never half-synced), and Drive keeps the
verified files so a new session copies them instead of downloading again. Everything is verified on
the session's disk before it is used.
"""

from __future__ import annotations

import logging
import os
import urllib.error
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbhelpers.archives import extract_pinned, write_bundle
from nbhelpers.download import (
    HttpTransport,
    PinnedArchive,
    RemoteFile,
    Transport,
    copy_from_cache,
    fetch_file,
    is_verified,
    set_aside,
    store_in_cache,
)
from nbhelpers.errors import DownloadError
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
        archive: One archive of the pinned commit that holds the files (tried before the files one by one).
        cache_bundle: For a corpus of many small files, the name of the one zip that keeps them in the
            Drive cache (Drive is slow per file); empty: each file is kept as it is.
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
    archive: PinnedArchive | None = None
    cache_bundle: str = ""

    def reader(self, split: str) -> Callable[[Paths], list[Any]]:
        """The reader for ``"train"`` or ``"val"`` files."""
        if split not in ("train", "val"):
            raise ValueError(f"split={split!r}은(는) 없는 분할입니다. 고치는 법: 'train'이나 'val'을 쓰세요.")
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
        raise KeyError(f"{name!r}은(는) 등록된 말뭉치가 아닙니다. 고치는 법: {', '.join(sorted(CORPORA))} 중 하나를 쓰세요.") from None


def sample_files(spec: CorpusSpec, split: str) -> list[Path]:
    names = spec.sample_train if split == "train" else spec.sample_val
    return [SAMPLES_DIR / name for name in names]


def _fetch_with_korpora(spec: CorpusSpec, root: Path) -> None:
    """The book's way (``Korpora.fetch``); any failure is left to the pinned downloader to report."""
    try:
        from Korpora import Korpora

        Korpora.fetch(spec.korpora_name, root_dir=str(root))
    except Exception as error:  # noqa: BLE001 (Korpora raises URLError, HTTPError, OSError, ...)
        logger.info("Korpora.fetch(%r) 실패(%s). 대신 고정된 주소에서 받습니다.", spec.korpora_name, error)


def download_arguments(
    source: str | BaseConfig, data_root: PathLike, train_file: str, val_file: str
) -> tuple[str, PathLike, str, str]:
    """``(corpus name, data_root, train_file, val_file)`` of a download: as given, or from a checked config."""
    if isinstance(source, str):
        return source, data_root, train_file, val_file
    from nbhelpers.config import check_resolved

    check_resolved(source)
    return source.corpus_name, source.data_root, source.train_file, source.val_file


LOCAL_CORPUS_ROOT = "~/Korpora"
"""Where corpus files are read from when ``data_root`` is on Drive: the session's own disk."""


def corpus_roots(data_root: PathLike) -> tuple[Path, Path | None]:
    """The folder corpus files are read from, and the Drive folder that keeps them across sessions (or None).

    A ``data_root`` on Google Drive is the cache; the files are read from ``LOCAL_CORPUS_ROOT``. Any
    other ``data_root`` (local Jupyter, CI, Colab without Drive) is read directly and needs no cache.
    """
    from nbhelpers.colab import is_drive_path

    root = Path(os.path.expanduser(str(data_root)))
    if is_drive_path(root):
        return Path(os.path.expanduser(LOCAL_CORPUS_ROOT)), root
    return root, None


def _from_cache(spec: CorpusSpec, missing: list[RemoteFile], root: Path, cache: Path) -> list[RemoteFile]:
    """Copy what the Drive cache holds of ``missing`` to ``root``; returns what is still missing."""
    copied: set[str] = set()
    bundle = cache / spec.cache_bundle if spec.cache_bundle else None
    if bundle is not None and bundle.is_file():
        try:
            result = extract_pinned(bundle, {r.filename: (r, root / r.filename) for r in missing})
            copied.update(result.extracted)
            problem = f"파일 {len(result.refused):,}개가 고정된 원본과 다름" if result.refused else ""
        except (DownloadError, OSError) as error:
            problem = str(error).split("\n", 1)[0]
        if problem:
            # The bundle is this package's own file (never a learner's): a damaged one is replaced after the download.
            logger.warning("Drive의 말뭉치 묶음 %s 를 다 쓰지 못했습니다(%s). 나머지를 받아 묶음을 새로 만듭니다.", bundle, problem)
            try:
                bundle.unlink(missing_ok=True)
            except OSError:
                pass  # written over after the download, or left as it is: its entries are checked anyway
    for remote in [] if bundle is not None else missing:  # a bundled corpus is never kept file by file
        if copy_from_cache(remote, cache / remote.filename, root / remote.filename):
            copied.add(remote.filename)
    if copied:
        print(f"{spec.name}: Drive({cache})에 보관해 둔 파일 {len(copied):,}개를 세션 디스크({root})로 복사했습니다.")
    return [r for r in missing if r.filename not in copied]


def _from_archive(
    archive: PinnedArchive, missing: list[RemoteFile], root: Path, transport: Transport, progress: bool
) -> list[RemoteFile]:
    """Take ``missing`` from one archive of the pinned commit; returns what it did not supply.

    Any failure (network, cap, bad zip) only costs the time: the files are then fetched one by one.
    """
    wanted = {f"{archive.folder}/{Path(r.filename).name}": (r, root / r.filename) for r in missing}
    zip_remote = RemoteFile(archive.url, archive.url.rsplit("/", 1)[-1], max_size=archive.max_size,
                            keep_in_cache=False)
    zip_path = root / ".archives" / zip_remote.filename
    zip_path.unlink(missing_ok=True)  # a leftover from a killed session: entries are checked anyway, but fetch anew
    try:
        fetch_file(zip_remote, zip_path, transport=transport, retries=2, progress=progress)
        result = extract_pinned(zip_path, wanted, strip_top_folder=True, max_entries=archive.max_entries)
    except (DownloadError, OSError, urllib.error.URLError) as error:
        logger.warning("저장소 압축 파일(%s)을 쓰지 못했습니다(%s). 파일을 하나씩 내려받습니다.", archive.url,
                       str(error).split("\n", 1)[0][:300])
        return missing
    finally:
        zip_path.unlink(missing_ok=True)
    if result.refused:
        logger.warning("압축 파일 안의 %d개 파일이 고정된 git blob id와 달라 쓰지 않았습니다(%s%s). 그 파일만 하나씩 받습니다.",
                       len(result.refused), ", ".join(Path(name).name for name in result.refused[:3]),
                       " …" if len(result.refused) > 3 else "")
    done = set(result.extracted)
    return [r for r in missing if f"{archive.folder}/{Path(r.filename).name}" not in done]


def store_corpus_cache(spec: CorpusSpec, remotes: Sequence[RemoteFile], root: Path, cache: Path | None) -> None:
    """Keep the verified local copies of ``remotes`` in the Drive cache (one zip for a ``cache_bundle`` corpus).

    Files that are already there (same size) are not written again; a bundle is rewritten only when it
    lacks one of ``remotes``. Drive being full or gone is a warning: the run goes on.
    """
    if cache is None:
        return
    kept = [r for r in remotes if r.keep_in_cache and (root / r.filename).is_file()]
    if spec.cache_bundle and kept:
        import zipfile

        bundle = cache / spec.cache_bundle
        try:
            with zipfile.ZipFile(bundle) as existing:
                present = {info.filename for info in existing.infolist()}
        except (OSError, zipfile.BadZipFile):
            present = set()
        if all(r.filename in present for r in kept):
            return
        try:
            write_bundle([(r.filename, root / r.filename) for r in kept], bundle)
        except OSError as error:
            logger.warning("말뭉치 묶음을 Drive(%s)에 보관하지 못했습니다(%s). 학습에는 지장이 없고, 다음 세션에서 다시 "
                           "내려받습니다. Drive 용량이 모자라면 필요 없는 파일을 지우세요.", bundle, error)
            return
        print(f"{spec.name}: 파일 {len(kept):,}개를 Drive의 {bundle} 하나로 묶어 보관했습니다. 다음 세션에서는 여기서 복사합니다.")
        return
    stored = [r for r in kept if store_in_cache(r, root / r.filename, cache / r.filename)]
    if stored:
        print(f"{spec.name}: 파일 {len(stored):,}개를 Drive({cache})에 보관했습니다. 다음 세션에서는 여기서 복사합니다.")


def fetch_corpus_files(
    spec: CorpusSpec,
    remotes: Sequence[RemoteFile],
    root: Path,
    cache: Path | None = None,
    transport: Transport | None = None,
    progress: bool = True,
) -> list[Path]:
    """Verified local copies of ``remotes`` under ``root``, from the cheapest source that has them.

    In order: ``root`` itself, the Drive ``cache``, Korpora, the corpus's pinned archive, and the
    pinned files one by one (one connection per host, resumed, verified). A file under ``root`` that does
    not verify is moved aside (never deleted) before it is replaced. The files end up in the cache too.
    """
    own_transport = transport is None
    transport = transport or HttpTransport()
    try:
        missing = [r for r in remotes if not is_verified(r, root / r.filename)]
        for remote in missing:
            dest = root / remote.filename
            if dest.exists() or dest.is_symlink():
                set_aside(dest, "고정된 원본과 다른 파일입니다(손으로 고쳤거나 손상됨). 원본을 다시 받습니다")
        if missing and cache is not None:
            missing = _from_cache(spec, missing, root, cache)
        if missing and spec.korpora_name:
            _fetch_with_korpora(spec, root)
            missing = [r for r in missing if not is_verified(r, root / r.filename)]
            for remote in missing:  # written by Korpora just now (from a branch that moved on), not by the learner
                (root / remote.filename).unlink(missing_ok=True)
        if missing and spec.archive is not None and len(missing) > 1:
            missing = _from_archive(spec.archive, missing, root, transport, progress)
        if len(missing) <= 3:  # a few large files (NSMC, KorQuAD): a bar of bytes for each
            for remote in missing:
                fetch_file(remote, root / remote.filename, transport=transport, progress=progress)
        else:
            # Many files (KMOU NER has 1,427): one bar over files rather than a bar per file.
            from tqdm.std import tqdm  # text, not a widget: see nbhelpers.predictor

            for remote in tqdm(missing, desc=spec.name, unit="file", disable=not progress):
                fetch_file(remote, root / remote.filename, transport=transport, progress=False)
    finally:
        if own_transport and isinstance(transport, HttpTransport):
            transport.close()
    store_corpus_cache(spec, remotes, root, cache)
    return [root / r.filename for r in remotes]


def download_corpus(
    name: str | BaseConfig,
    data_root: PathLike = LOCAL_CORPUS_ROOT,
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

    Files already on disk that verify are used as they are, without touching the network. A ``data_root``
    on Drive keeps the files across sessions (see :func:`corpus_roots` and :func:`fetch_corpus_files`).
    """
    name, data_root, train_file, val_file = download_arguments(name, data_root, train_file, val_file)
    spec = get_corpus(name)
    root, cache = corpus_roots(data_root)
    needed = [r for r, use in ((spec.train_files, not train_file), (spec.val_files, not val_file)) if use]
    remotes = [remote for group in needed for remote in group]
    if remotes and spec.license:
        print(f"{spec.name}: {spec.license}")
    if remotes:
        fetch_corpus_files(spec, remotes, root, cache, transport=transport, progress=progress)

    def resolve(user_value: str, group: Sequence[RemoteFile]) -> list[Path]:
        if user_value:
            return expand_user_files(user_value, spec.file_patterns)
        return [root / r.filename for r in group]

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
