"""Named-entity corpora: KMOU NER (the book's chapter 4) and KLUE-NER v1.1.

Every reader returns the same thing, a sentence and its entities as character spans over that
sentence (``NERExample``), because spans are what the learner reads, what ``predict`` returns and what
survives any tokenizer. Word-piece labels are derived from spans later (``nbhelpers.ner.features``).

Three input formats:

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
* KLUE-NER TSV: a ``## guid<TAB>tagged sentence`` comment, then one ``CHAR<TAB>BIO-TAG`` line per
  character (spaces included); the character lines are the source of truth. A tag whose type is not
  one of KLUE's six is an error in the learner's files and a warning in the pinned upstream files.

A file (or a folder's file) with no sentence at all is an error naming it.

The KMOU corpus has no official split; ``is_validation_file`` puts whole source files in validation, so
no sentence of an article can appear on both sides.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError
from nbhelpers.errors import quote as quote_text
from nbhelpers.files import Paths, as_paths, check_not_empty, read_lines
from nbhelpers.ner.spans import EntitySpan, parse_tagged, spans_from_bio
from nbhelpers.registry import CorpusSpec, register

logger = logging.getLogger(__name__)


KMOU_TAGS = ("PER", "ORG", "LOC", "DAT", "TIM", "DUR", "MNY", "PNT", "NOH", "POH")
"""The ten KMOU entity types, in the order label lists use."""


KLUE_TAGS = ("PS", "LC", "OG", "DT", "TI", "QT")
"""The six KLUE-NER entity types."""


BOOK_SEPARATOR = "\u241e"
"""``␞``: separates the raw and the tagged sentence in the book's tutorial files."""


KMOU_COMMIT = "1e557de738b8e6215c7cacac116e735518c0f680"


KMOU_RAW = f"https://raw.githubusercontent.com/kmounlp/NER/{KMOU_COMMIT}"


KMOU_MANIFEST = Path(__file__).resolve().parent / "kmou_ner_manifest.tsv"


VALIDATION_BUCKETS = 10
"""About one source file in ``VALIDATION_BUCKETS`` goes to validation."""


KLUE_COMMIT = "3efd98708a40ff49251fddde35453f8fbb11f536"


KLUE_RAW = f"https://raw.githubusercontent.com/KLUE-benchmark/KLUE/{KLUE_COMMIT}/klue_benchmark/klue-ner-v1.1"


KMOU_PATTERNS = ("*.txt",)
"""Files of a folder read as KMOU or book-format NER files (upstream ``*_NER.txt``)."""


KLUE_PATTERNS = ("*.tsv",)


KLUE_PINNED_NAMES = ("klue-ner-v1.1_train.tsv", "klue-ner-v1.1_dev.tsv")
"""Names of the downloaded KLUE-NER files, whose unknown tags are warned about rather than refused."""


_BLOCK_NUMBER = re.compile(r"##\s*\d+\s*")


@dataclass(frozen=True)
class NERExample:
    """A sentence with its entity mentions.

    Attributes:
        guid: Where it came from: ``file:block n``, ``file:line n`` or the KLUE guid.
        text: The raw sentence.
        entities: Mentions in order of ``start``; they never overlap.
    """

    guid: str
    text: str
    entities: tuple[EntitySpan, ...]


def _check_types(spans: Sequence[EntitySpan], known: Sequence[str], path: Path, location: str) -> None:
    unknown = sorted({span.label for span in spans} - set(known))
    if unknown:
        raise CorpusFormatError(
            path, location, f"entity type(s) {quote_text(', '.join(unknown))} are not KMOU types",
            f"tag entities with one of {', '.join(known)} (e.g. <서울:LOC>).",
        )


def _check_pair(raw: str, tagged: str, path: Path, location: str) -> tuple[str, list[EntitySpan]]:
    plain, spans = parse_tagged(tagged)
    # Trailing blanks differ between the two lines in some hand-edited files; they hold no entity.
    if plain.rstrip() != raw.rstrip():
        at = next((i for i, (a, b) in enumerate(zip(plain, raw)) if a != b), min(len(plain), len(raw)))
        raise CorpusFormatError(
            path,
            location,
            f"the tagged sentence does not match the raw sentence from character {at}: "
            f"raw {quote_text(raw[max(0, at - 10) : at + 10])} vs tagged-without-tags "
            f"{quote_text(plain[max(0, at - 10) : at + 10])}",
            "make the tagged sentence equal to the raw one once every <text:TAG> is replaced by its text "
            "(check for a missing '>' or a typo inside a tag).",
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
                path, f"line {header[3][0]}", f"block {ordinal} has more than three '##' lines",
                "a block is '## number', '## raw sentence', '## sentence with <text:TAG>', then its morpheme "
                "lines; end each block with one blank line.",
            )
        if len(header) < 2:
            raise CorpusFormatError(
                path, location, f"{len(header)} '##' line(s), expected '## n', '## raw sentence' and "
                "'## tagged sentence'",
                "start every block with '## number', '## raw sentence', '## sentence with <text:TAG>' "
                "and separate blocks by one blank line.",
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
            "%s: skipped %d block(s) of the pinned upstream file that do not parse: %s",
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
                path, f"line {number}", f"{len(parts) - 1} '␞' separator(s), expected exactly 1",
                "write each sentence as 'raw sentence␞tagged sentence' (U+241E between them), one per line.",
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
                path, "line 1", "neither a KMOU corpus file (blocks starting with '##') nor the book's "
                "'raw␞tagged' format",
                "use the KMOU block format or one 'raw sentence␞tagged sentence' per line.",
            )
        check_not_empty(path, len(examples) - before, "no sentences in the file",
                        "write KMOU blocks or one 'raw sentence␞tagged sentence' per line.")
    return examples


def read_klue_ner(paths: Paths) -> list[NERExample]:
    """Sentences of KLUE-NER v1.1 TSV files (or folders of them); entities come from the per-character BIO tags.

    An entity type outside KLUE's six is an error naming its line, except in the downloaded files
    (``KLUE_PINNED_NAMES``), which a learner cannot fix: there the types are listed in a warning.
    """
    examples: list[NERExample] = []
    for path in as_paths(paths, KLUE_PATTERNS):
        before = len(examples)
        pinned = path.name in KLUE_PINNED_NAMES
        unknown: Counter[str] = Counter()
        lines = read_lines(path)
        chars: list[str] = []
        tags: list[str] = []
        guid = ""
        first_line = 0

        def flush() -> None:
            nonlocal guid, first_line
            if not chars:
                guid = ""
                return
            text = "".join(chars)
            spans = spans_from_bio(tags, text)
            examples.append(NERExample(guid or f"{path.name}:line {first_line}", text, tuple(spans)))
            chars.clear()
            tags.clear()
            guid = ""
            first_line = 0

        for number, line in enumerate(lines, start=1):
            if line.startswith("##"):
                if chars:
                    flush()
                if not guid:
                    guid = line[2:].strip().split("\t")[0]
                    first_line = number
                continue
            if line == "":
                flush()
                continue
            fields = line.split("\t")
            if len(fields) != 2 or len(fields[0]) != 1:
                raise CorpusFormatError(
                    path, f"line {number}",
                    f"expected 'CHARACTER<TAB>TAG' with one character, got {quote_text(line)}",
                    "write one character per line followed by a tab and its BIO tag (O, B-PS, I-PS, ...).",
                )
            char, tag = fields
            if tag != "O" and not re.fullmatch(r"[BI]-[A-Z]+", tag):
                raise CorpusFormatError(
                    path, f"line {number}", f"tag {quote_text(tag)} is not O, B-TYPE or I-TYPE",
                    "use IOB2 tags such as O, B-PS, I-PS.",
                )
            if tag != "O" and tag[2:] not in KLUE_TAGS:
                if not pinned:
                    raise CorpusFormatError(
                        path, f"line {number}",
                        f"tag {quote_text(tag)}: the entity type is not one of KLUE's",
                        f"use B-/I- with one of {', '.join(KLUE_TAGS)}, or O.",
                    )
                unknown[tag[2:]] += 1
            first_line = first_line or number
            chars.append(char)
            tags.append(tag)
        flush()
        if unknown:
            logger.warning(
                "%s: entity types outside KLUE's six, kept as they are: %s", path, dict(unknown.most_common(10))
            )
        check_not_empty(path, len(examples) - before, "no sentences in the file",
                        "write a '## guid<TAB>sentence' line, then one 'CHARACTER<TAB>TAG' line per character.")
    return examples


def count_entities(examples: Sequence[NERExample]) -> dict[str, int]:
    """Entity mentions per type, most frequent first (what ``inspect`` reports as ``labels``)."""
    counts = Counter(span.label for example in examples for span in example.entities)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def entity_types(examples: Iterable[NERExample], known: Sequence[str] = ()) -> list[str]:
    """Entity types to train on: ``known`` ones that occur, in that order, then any others, sorted."""
    found = {span.label for example in examples for span in example.entities}
    return [tag for tag in known if tag in found] + sorted(found - set(known))


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
            raise CorpusFormatError(manifest, f"line {number}", "expected 'path<TAB>git blob<TAB>size'",
                                    "restore the manifest shipped with nbhelpers.")
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
    )
)


KLUE_NER = register(
    CorpusSpec(
        name="klue-ner",
        task="ner",
        train_files=(RemoteFile(f"{KLUE_RAW}/klue-ner-v1.1_train.tsv", "klue-ner/klue-ner-v1.1_train.tsv",
                                git_blob="b4f5d7dba85bb04d9dd72c7491bd62568af55cf1"),),
        val_files=(RemoteFile(f"{KLUE_RAW}/klue-ner-v1.1_dev.tsv", "klue-ner/klue-ner-v1.1_dev.tsv",
                              git_blob="3ed843a2e62d536fc2e2dbcc0f304ee346dda62e", size=2635045),),
        read=read_klue_ner,
        count_labels=count_entities,
        label_names=KLUE_TAGS,
        file_patterns=KLUE_PATTERNS,
        sample_train=("klue_ner_train.tsv",),
        sample_val=("klue_ner_val.tsv",),
        license="KLUE-NER v1.1 (KLUE-benchmark/KLUE), CC BY-SA 4.0",
    )
)
