"""KMOU NER (the book's chapter 4): the corpus files, the book's tutorial format, and the pinned file list.

Two input formats, detected per file; both give :class:`nbhelpers.ner.examples.NERExample`:

* KMOU corpus files (``kmounlp/NER``, folder ``말뭉치 - 형태소_개체명``): blocks of ``## n``, ``## raw
  sentence``, ``## sentence with <text:TAG>`` and morpheme lines, separated by blank lines. The tagged
  sentence is the source of truth; the morpheme lines (lemmatised, so not character-aligned) are
  skipped. One upstream file starts with a UTF-8 BOM. A ``##`` line after morpheme lines, or a
  ``## n`` line after a complete header, starts the next block even when the blank line between them
  is missing (merging them would keep only the last sentence); a header of more than three ``##``
  lines is an error naming its fourth line. A block that does not parse (tagged and raw sentences
  differ, an entity type outside the ten KMOU types) is an error naming file and block, except in the
  pinned upstream files, which a learner cannot fix: there it is skipped and logged.
* The book's own tutorial files: one sentence a line, ``raw sentence␞tagged sentence`` (U+241E).

A file (or a folder's file) with no sentence at all is an error naming it.

The corpus is 1,427 files pinned to one commit by a manifest (path, git blob id, size). They come in one
request, GitHub's archive of that commit (each file inside checked against its manifest row), or one by
one from raw URLs when the archive fails; the Drive cache keeps them as one zip. It has no official split; :func:`is_validation_file` puts whole source files in validation, so no sentence of an
article can appear on both sides.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from nbhelpers.download import PinnedArchive, RemoteFile
from nbhelpers.errors import CorpusFormatError
from nbhelpers.errors import quote as quote_text
from nbhelpers.files import Paths, as_paths, check_not_empty, read_lines
from nbhelpers.ner.examples import NERExample, count_entities
from nbhelpers.ner.spans import EntitySpan, parse_tagged
from nbhelpers.registry import CorpusSpec, register

logger = logging.getLogger(__name__)


KMOU_TAGS = ("PER", "ORG", "LOC", "DAT", "TIM", "DUR", "MNY", "PNT", "NOH", "POH")
"""The ten KMOU entity types, in the order label lists use."""


BOOK_SEPARATOR = "\u241e"
"""``␞``: separates the raw and the tagged sentence in the book's tutorial files."""


KMOU_COMMIT = "1e557de738b8e6215c7cacac116e735518c0f680"


KMOU_RAW = f"https://raw.githubusercontent.com/kmounlp/NER/{KMOU_COMMIT}"


KMOU_MANIFEST = Path(__file__).resolve().parent / "kmou_ner_manifest.tsv"


KMOU_FOLDER = "말뭉치 - 형태소_개체명"
"""The repository folder of the corpus files (every manifest row is a file directly in it)."""


KMOU_ARCHIVE = PinnedArchive(
    url=f"https://github.com/kmounlp/NER/archive/{KMOU_COMMIT}.zip",
    folder=KMOU_FOLDER,
    # The whole repository at that commit, about 23 MiB compressed (the corpus alone is 23.8 MB of text).
    max_size=256 << 20,
    max_entries=20_000,
)


VALIDATION_BUCKETS = 10
"""About one source file in ``VALIDATION_BUCKETS`` goes to validation."""


KMOU_PATTERNS = ("*.txt",)
"""Files of a folder read as KMOU or book-format NER files (upstream ``*_NER.txt``)."""


_BLOCK_NUMBER = re.compile(r"##\s*\d+\s*")


def _check_types(spans: Sequence[EntitySpan], known: Sequence[str], path: Path, location: str) -> None:
    unknown = sorted({span.label for span in spans} - set(known))
    if unknown:
        raise CorpusFormatError(
            path, location, f"개체 유형 {quote_text(', '.join(unknown))}은(는) KMOU 유형이 아닙니다",
            f"개체에 {', '.join(known)} 중 하나를 붙이세요(예: <서울:LOC>).",
        )


# What is left of a tag that ``parse_tagged`` did not take: a type in lower case, blanks inside the brackets.
_BROKEN_TAG = re.compile(r"<[^<>:]*:\s*[A-Za-z]+\s*>")


def _broken_tag(plain: str, spans: Sequence[EntitySpan]) -> str | None:
    """What is wrong with the first tag written almost right (``<서울:loc>``, ``< 서울:LOC>``), if any."""
    for span in spans:
        if span.text != span.text.strip():
            return f"읽지 못한 태그 {quote_text(f'<{span.text}:{span.label}>')}: 개체의 앞이나 뒤에 공백이 있습니다"
    match = _BROKEN_TAG.search(plain)
    if match is None:
        return None
    tag = match.group()
    kind = tag[tag.rindex(":") + 1 : -1]
    reason = (f"유형 {quote_text(kind.strip())}에 소문자가 있습니다" if kind.strip() != kind.strip().upper()
              else "태그 안에 공백이 있습니다")
    return f"읽지 못한 태그 {quote_text(tag)}: {reason}"


def _check_pair(raw: str, tagged: str, path: Path, location: str) -> tuple[str, list[EntitySpan]]:
    plain, spans = parse_tagged(tagged)
    # Trailing blanks differ between the two lines in some hand-edited files; they hold no entity.
    if plain.rstrip() != raw.rstrip():
        broken = _broken_tag(plain, spans)
        if broken is not None:
            raise CorpusFormatError(
                path, location, broken,
                "<서울:LOC>처럼 '<' 바로 뒤에 개체를, ':' 바로 뒤에 대문자 유형을 공백 없이 쓰세요.",
            )
        at = next((i for i, (a, b) in enumerate(zip(plain, raw)) if a != b), min(len(plain), len(raw)))
        raise CorpusFormatError(
            path,
            location,
            f"태그 단 문장이 {at}번째 글자부터 원문과 다릅니다: "
            f"원문 {quote_text(raw[max(0, at - 10) : at + 10])}, 태그를 뺀 문장 "
            f"{quote_text(plain[max(0, at - 10) : at + 10])}",
            "<text:TAG>를 모두 그 text로 바꾸면 원문과 같아지도록 태그 단 문장을 고치세요"
            "(태그 안의 빠진 '>'나 오타를 확인하세요).",
        )
    _check_types(spans, KMOU_TAGS, path, location)
    return raw.rstrip(), spans


def _is_header(line: str) -> bool:
    # Morpheme lines are tab-separated, so a surface form '##' ('##\t##\tSW\tO') is not a header line.
    return line.startswith("##") and "\t" not in line


def split_kmou_blocks(lines: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Blocks of ``(line number, line)``; a missing blank line between two blocks still separates them.

    A new block starts at a blank line, at a header line that follows morpheme lines, and at a ``## n``
    line after a complete three-line header. Any other fourth header line stays in its block, where
    reading it reports "more than three '##' lines" with that line's number.
    """
    blocks: list[list[tuple[int, str]]] = []
    block: list[tuple[int, str]] = []
    header = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if block:
                blocks.append(block)
            block, header = [], 0
            continue
        if _is_header(line):
            body_seen = len(block) > header
            if block and (body_seen or (header == 3 and _BLOCK_NUMBER.fullmatch(line))):
                blocks.append(block)
                block, header = [], 0
            if len(block) == header:
                header += 1
        block.append((number, line))
    if block:
        blocks.append(block)
    return blocks


def _read_kmou_blocks(path: Path, lines: list[str], skip_bad_blocks: bool = False) -> list[NERExample]:
    examples: list[NERExample] = []
    skipped: list[CorpusFormatError] = []

    def read_block(ordinal: int, block: list[tuple[int, str]]) -> NERExample:
        header = [(number, line) for number, line in block if _is_header(line)]
        location = f"block {ordinal} (line {block[0][0]})"
        if len(header) > 3:
            raise CorpusFormatError(
                path, f"line {header[3][0]}", f"{ordinal}번째 블록에 '##' 줄이 세 개보다 많습니다",
                "블록은 '## 번호', '## 원문', '## <text:TAG>를 단 문장', 그다음 형태소 줄들입니다. "
                "블록마다 빈 줄 하나로 끝내세요.",
            )
        if len(header) < 2:
            raise CorpusFormatError(
                path, location, f"'##' 줄이 '## 번호', '## 원문', '## 태그 단 문장' 세 개여야 하는데 "
                f"{len(header)}개입니다",
                "모든 블록을 '## 번호', '## 원문', '## <text:TAG>를 단 문장'으로 시작하고 "
                "블록 사이는 빈 줄 하나로 나누세요.",
            )
        comments = [line[2:].removeprefix(" ") for _, line in header]
        raw, tagged = comments[-2], comments[-1]
        name = comments[0] if len(comments) > 2 else str(ordinal)
        text, spans = _check_pair(raw, tagged, path, location)
        return NERExample(f"{path.name}:block {name}", text, tuple(spans))

    for ordinal, block in enumerate(split_kmou_blocks(lines), start=1):
        try:
            examples.append(read_block(ordinal, block))
        except CorpusFormatError as error:
            if not skip_bad_blocks:
                raise
            skipped.append(error)
    if skipped:
        logger.warning(
            "%s: 고정된 원본 파일에서 읽히지 않는 블록 %d개를 건너뜁니다: %s",
            path, len(skipped),
            "; ".join(f"{e.location}: {e.problem}" for e in skipped[:3]) + (" ..." if len(skipped) > 3 else ""),
        )
    return examples


def _read_book_lines(path: Path, lines: list[str]) -> list[NERExample]:
    examples: list[NERExample] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split(BOOK_SEPARATOR)
        if len(parts) != 2:
            raise CorpusFormatError(
                path, f"line {number}", f"'␞' 구분자가 정확히 1개여야 하는데 {len(parts) - 1}개입니다",
                "문장마다 한 줄에 '원문␞태그 단 문장'(사이에 U+241E)으로 쓰세요.",
            )
        text, spans = _check_pair(parts[0], parts[1], path, f"line {number}")
        examples.append(NERExample(f"{path.name}:line {number}", text, tuple(spans)))
    return examples


def is_pinned_upstream_file(path: Path) -> bool:
    """Whether ``path`` is one of the pinned KMOU files (same name and size as its manifest row)."""
    size = _PINNED_SIZES.get(path.name)
    return size is not None and path.stat().st_size == size


def read_kmou_ner(paths: Paths) -> list[NERExample]:
    """Sentences of KMOU corpus files or of the book's ``raw␞tagged`` files (detected per file).

    A block that does not parse raises ``CorpusFormatError`` naming the file and block, except in the
    pinned upstream files: a learner cannot fix those, so such a block is skipped and logged instead.
    """
    examples: list[NERExample] = []
    for path in as_paths(paths, KMOU_PATTERNS):
        before = len(examples)
        lines = read_lines(path)
        first = next((line for line in lines if line.strip()), "")
        if first.startswith("##"):
            examples.extend(_read_kmou_blocks(path, lines, skip_bad_blocks=is_pinned_upstream_file(path)))
        elif BOOK_SEPARATOR in first:
            examples.extend(_read_book_lines(path, lines))
        elif first:
            raise CorpusFormatError(
                path, "line 1", "KMOU 말뭉치 파일('##'로 시작하는 블록)도, 책의 "
                "'원문␞태그 단 문장' 형식도 아닙니다",
                "KMOU 블록 형식을 쓰거나 한 줄에 '원문␞태그 단 문장'을 하나씩 쓰세요.",
            )
        check_not_empty(path, len(examples) - before, "파일에 문장이 없습니다",
                        "KMOU 블록을 쓰거나 한 줄에 '원문␞태그 단 문장'을 하나씩 쓰세요.")
    return examples


def is_validation_file(name: str) -> bool:
    """Whether a KMOU source file belongs to validation: a stable hash of its name, not its position.

    Whole files move together, so sentences of one article never land on both sides, and the choice
    does not change when files are added to or removed from the list.
    """
    return hashlib.sha1(Path(name).name.encode("utf-8")).digest()[0] % VALIDATION_BUCKETS == 0


def kmou_remote_files(manifest: Path = KMOU_MANIFEST) -> tuple[tuple[RemoteFile, ...], tuple[RemoteFile, ...]]:
    """Pinned KMOU files (one per manifest row: path, git blob id, size), split into train and validation."""
    train: list[RemoteFile] = []
    val: list[RemoteFile] = []
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise CorpusFormatError(manifest, f"line {number}", "'path<TAB>git blob<TAB>size' 꼴이 아닙니다",
                                    "nbhelpers와 함께 온 목록 파일로 되돌리세요.")
        upstream_path, blob, size = fields
        remote = RemoteFile(
            url=f"{KMOU_RAW}/{quote(upstream_path, safe='/')}",
            filename=f"kmou-ner/{Path(upstream_path).name}",
            git_blob=blob,
            size=int(size),
        )
        (val if is_validation_file(upstream_path) else train).append(remote)
    return tuple(train), tuple(val)


_KMOU_TRAIN, _KMOU_VAL = kmou_remote_files()


_PINNED_SIZES = {Path(r.filename).name: r.size for r in _KMOU_TRAIN + _KMOU_VAL if r.size is not None}


KMOU_NER = register(
    CorpusSpec(
        name="ner",
        task="ner",
        train_files=_KMOU_TRAIN,
        val_files=_KMOU_VAL,
        read=read_kmou_ner,
        count_labels=count_entities,
        label_names=KMOU_TAGS,
        file_patterns=KMOU_PATTERNS,
        sample_train=("ner_train.txt",),
        sample_val=("ner_val.txt",),
        license="KMOU NER corpus (kmounlp/NER): non-commercial use only",
        archive=KMOU_ARCHIVE,
        cache_bundle="kmou-ner.zip",
    )
)
