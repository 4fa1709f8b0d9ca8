"""Korean Wikipedia as documents of sentences for BERT pretraining (chapter 1), or the learner's own text.

Two formats are read, chosen per file:

* kowikitext (lovit/kowikitext, the corpus Korpora calls ``kowikitext``): wikitext layout, where an
  article starts with a title line `` = 제목 = ``, section headings look like `` = = 개요 = = `` and
  every other non-blank line is a paragraph. Headings are dropped and paragraphs are cut into
  sentences after ``.``, ``?`` or ``!`` followed by a space (good enough for NSP segments; a wrong cut
  only moves a segment boundary).
* The learner's own text: one sentence per line, a blank line between documents.

A file whose first non-blank line is a level-1 title is read as kowikitext; any other file as plain text.

The upstream assets are zips in a GitHub release pinned by its tag. Their sizes and hashes are not
recorded anywhere we could check, so the pins carry none; a download is checked by the zip's own CRCs
instead (``archives.extract_zip``), and a corrupt or truncated zip is deleted and fetched once more.
Once a zip has passed that check its size is recorded beside it (``NAME.zip.size.json``, see
``download.record_size``) and becomes its pin: a release asset can be replaced by its owner, and a copy
on Drive can be cut short by a lost sync, so a zip of another size is fetched again before anything is
extracted from it, rather than trusted because a file of that name exists.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from nbhelpers.archives import DEFAULT_MAX_UNZIPPED_BYTES, extract_zip
from nbhelpers.download import (
    RemoteFile,
    Transport,
    fetch_file,
    record_size,
    recorded_size,
)
from nbhelpers.errors import DownloadError
from nbhelpers.files import Paths, as_paths, check_not_empty, read_lines
from nbhelpers.registry import (
    CorpusFiles,
    CorpusSpec,
    corpus_roots,
    download_arguments,
    download_corpus,
    get_corpus,
    register,
    store_corpus_cache,
)

if TYPE_CHECKING:
    from nbhelpers.config import BaseConfig

logger = logging.getLogger(__name__)

Document = list[str]
"""One document: its sentences in order."""

_TAG = "kowikitext.20200920.v2"
_RELEASE = f"https://github.com/lovit/kowikitext/releases/download/{_TAG}"
_DIR = "kowikitext"
_TITLE = re.compile(r"^=\s+(?!=)(.*\S)\s+=$")
_SECTION = re.compile(r"^=(\s+=)+\s.*=$")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
TEXT_PATTERNS = ("*.txt", "kowikitext_*.train", "kowikitext_*.dev", "kowikitext_*.test")
"""Files of a folder that are read: the learner's ``.txt`` files and the extracted kowikitext splits."""


# What each zip may unpack to, far above the real sizes (train about 1.6 GB of text, dev and test 0.5 %
# of the articles each) and far below a zip bomb's: a bad archive is refused before it fills the disk.
# The same numbers cap the download of each zip (deflate never makes text bigger), since nobody pinned
# their sizes.
_MAX_TRAIN_BYTES = 4 << 30
_MAX_SPLIT_BYTES = 256 << 20


def _asset(split: str, max_size: int, keep_in_cache: bool = True) -> RemoteFile:
    # Sizes and hashes of the release assets are unknown (not in REFERENCE.md); see the module docstring.
    return RemoteFile(f"{_RELEASE}/kowikitext_20200920.{split}.zip", f"{_DIR}/kowikitext_20200920.{split}.zip",
                      max_size=max_size, keep_in_cache=keep_in_cache)


# The train zip (hundreds of MB for 1.6 GB of text) is not kept in the Drive cache: free Drive is 15 GB and a
# finished chapter takes about 2.2 GB, while GitHub's release CDN sends the zip again in about as long as
# Drive takes to read it back. The dev zip (the default corpus, a few MB) is kept.
KOWIKITEXT_TRAIN = _asset("train", _MAX_TRAIN_BYTES, keep_in_cache=False)
KOWIKITEXT_DEV = _asset("dev", _MAX_SPLIT_BYTES)
KOWIKITEXT_TEST = _asset("test", _MAX_SPLIT_BYTES)

_MAX_UNZIPPED_BYTES = {
    KOWIKITEXT_TRAIN.filename: _MAX_TRAIN_BYTES,
    KOWIKITEXT_DEV.filename: _MAX_SPLIT_BYTES,
    KOWIKITEXT_TEST.filename: _MAX_SPLIT_BYTES,
}


def split_sentences(paragraph: str) -> list[str]:
    """Cut a paragraph after sentence-final punctuation followed by whitespace."""
    return [part.strip() for part in _SENTENCE_END.split(paragraph.strip()) if part.strip()]


def is_wikitext(lines: list[str]) -> bool:
    """True when the first non-blank line is a level-1 title such as `` = 이순신 = ``."""
    first = next((line.strip() for line in lines if line.strip()), "")
    return bool(_TITLE.match(first))


def parse_wikitext(lines: list[str]) -> list[Document]:
    """Articles of a kowikitext file; each title starts a new document and headings are dropped."""
    documents: list[Document] = []
    current: Document = []
    for line in (line.strip() for line in lines):
        if not line or _SECTION.match(line):
            continue
        if _TITLE.match(line):
            if current:
                documents.append(current)
            current = []
            continue
        current.extend(split_sentences(line))
    if current:
        documents.append(current)
    return documents


def parse_plain_documents(lines: list[str]) -> list[Document]:
    """One sentence per line, documents separated by one or more blank lines."""
    documents: list[Document] = []
    current: Document = []
    for line in (line.strip() for line in lines):
        if line:
            current.append(line)
        elif current:
            documents.append(current)
            current = []
    if current:
        documents.append(current)
    return documents


def read_kowikitext(paths: Paths) -> list[Document]:
    """Documents (lists of sentences) of one or several files, kowikitext or plain, in file order."""
    documents: list[Document] = []
    for path in as_paths(paths, TEXT_PATTERNS):
        lines = read_lines(path)
        parsed = parse_wikitext(lines) if is_wikitext(lines) else parse_plain_documents(lines)
        check_not_empty(path, len(parsed), "파일에 텍스트가 없습니다",
                        "한 줄에 한 문장씩 쓰고 문서 사이에는 빈 줄을 두세요.")
        documents.extend(parsed)
    return documents


def count_sentences(documents: list[Document]) -> dict[str, int]:
    return {"sentences": sum(len(document) for document in documents)}


def _extracted(remote: RemoteFile, zip_path: Path, transport: Transport | None, progress: bool) -> list[Path]:
    """The text files inside ``zip_path``; a corrupt zip (deleted by ``extract_zip``) is fetched once more.

    The first zip whose CRCs verify has its size recorded (see the module docstring).
    """
    limit = _MAX_UNZIPPED_BYTES.get(remote.filename, DEFAULT_MAX_UNZIPPED_BYTES)
    try:
        members = extract_zip(zip_path, zip_path.parent, max_total_bytes=limit)
    except DownloadError as error:
        if zip_path.exists():  # refused (zip bomb, bad entry names): the same file would come back
            raise
        logger.warning("%s 지금 다시 받습니다.", error)
        fetch_file(remote, zip_path, transport=transport, progress=progress)
        members = extract_zip(zip_path, zip_path.parent, max_total_bytes=limit)
    if recorded_size(remote, zip_path) is None:
        record_size(remote, zip_path)
    # macOS archivers add __MACOSX/ and ._ files that are not text.
    return [m for m in members if "__MACOSX" not in m.parts and not m.name.startswith(".")]


def download_kowikitext(
    name: str | BaseConfig,
    data_root: str | Path = "~/Korpora",
    train_file: str = "",
    val_file: str = "",
    transport: Transport | None = None,
    progress: bool = True,
) -> CorpusFiles:
    """Local text files of ``kowikitext``/``kowikitext-full`` (zips fetched, checked, extracted), or the user's.

    Like ``download_corpus``, it takes the notebook's resolved config in place of the name and refuses a
    config that did not pass ``resolve_config``. Extracted files sit next to their zip
    (``~/Korpora/kowikitext/``, where Korpora puts them too).
    """
    name, data_root, train_file, val_file = download_arguments(name, data_root, train_file, val_file)
    spec = get_corpus(name)
    if name == "kowikitext-full" and not train_file:
        print(
            "주의: kowikitext 전체 학습 데이터는 압축을 풀면 약 1.6 GB이고, 문장 분리와 토큰화에 Colab에서도 "
            "오래 걸리며 메모리를 많이 씁니다. 먼저 기본값(kowikitext, dev 분할)으로 해 보세요."
        )
    files = download_corpus(name, data_root, train_file, val_file, transport=transport, progress=progress)
    remotes = {os.path.basename(r.filename): r for r in (*spec.train_files, *spec.val_files)}
    zips = [remotes[path.name] for path in (*files.train, *files.val) if path.name in remotes]

    def unzip(paths: list[Path]) -> list[Path]:
        result: list[Path] = []
        for path in paths:
            remote = remotes.get(path.name)
            if path.suffix == ".zip" and remote is not None:
                result.extend(_extracted(remote, path, transport, progress))
            else:
                result.append(path)
        return result

    extracted = CorpusFiles(train=unzip(files.train), val=unzip(files.val))
    # A zip's size is recorded only once its CRCs passed (above); only then can a Drive copy be checked later.
    store_corpus_cache(spec, zips, *corpus_roots(data_root))
    return extracted


KOWIKITEXT = register(
    CorpusSpec(
        name="kowikitext",
        task="pretraining",
        # The dev split (0.5 % of the articles) keeps a Colab run short; validation is held out from it.
        train_files=(KOWIKITEXT_DEV,),
        val_files=(),
        read=read_kowikitext,
        file_patterns=TEXT_PATTERNS,
        count_labels=count_sentences,
        sample_train=("pretrain_train.txt",),
        sample_val=("pretrain_val.txt",),
        license="kowikitext (lovit/kowikitext, Korean Wikipedia 2020-09-20), CC BY-SA 3.0",
    )
)

# The same corpus, reader and sample; only the split that is downloaded differs.
KOWIKITEXT_FULL = register(
    dataclasses.replace(KOWIKITEXT, name="kowikitext-full", train_files=(KOWIKITEXT_TRAIN,), val_files=(KOWIKITEXT_DEV,))
)
