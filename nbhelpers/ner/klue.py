"""KLUE-NER v1.1: chapter 4's second corpus, one BIO tag per character.

The TSV files hold a ``## guid<TAB>tagged sentence`` comment, then one ``CHAR<TAB>BIO-TAG`` line per
character (spaces included); the character lines are the source of truth, turned into spans by
``nbhelpers.ner.spans.spans_from_bio`` like every other BIO sequence, as strict IOB2 (KLUE's scorer reads
the gold tags that way too). A tag whose type is not one of KLUE's six, or an ``I-X`` that continues no
``X`` entity (strict IOB2 reads it as no entity, so the annotator's entity would silently vanish), is an
error in the learner's files and a warning in the pinned upstream files. A file (or a folder's file) with
no sentence at all is an error naming it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError
from nbhelpers.errors import quote as quote_text
from nbhelpers.files import Paths, as_paths, check_not_empty, read_lines
from nbhelpers.ner.examples import NERExample, count_entities
from nbhelpers.ner.spans import spans_from_bio, stray_inside_tags
from nbhelpers.registry import CorpusSpec, register

logger = logging.getLogger(__name__)


KLUE_TAGS = ("PS", "LC", "OG", "DT", "TI", "QT")
"""The six KLUE-NER entity types."""


KLUE_COMMIT = "3efd98708a40ff49251fddde35453f8fbb11f536"


KLUE_RAW = f"https://raw.githubusercontent.com/KLUE-benchmark/KLUE/{KLUE_COMMIT}/klue_benchmark/klue-ner-v1.1"


KLUE_PATTERNS = ("*.tsv",)


KLUE_PINNED_NAMES = ("klue-ner-v1.1_train.tsv", "klue-ner-v1.1_dev.tsv")
"""Names of the downloaded KLUE-NER files, whose unknown tags are warned about rather than refused."""


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
        stray_lines: list[int] = []
        lines = read_lines(path)
        chars: list[str] = []
        tags: list[str] = []
        numbers: list[int] = []
        guid = ""
        first_line = 0

        def flush() -> None:
            nonlocal guid, first_line
            if not chars:
                guid = ""
                return
            text = "".join(chars)
            stray = [numbers[position] for position in stray_inside_tags(tags)]
            if stray and not pinned:
                raise CorpusFormatError(
                    path, f"line {stray[0]}",
                    f"태그 {quote_text(tags[numbers.index(stray[0])])}가 이어 갈 개체가 없습니다(앞 글자가 같은 종류의 "
                    "개체가 아닙니다). 엄격한 IOB2에서는 개체가 아니므로 이 개체는 사라집니다",
                    "개체의 첫 글자는 B-종류, 이어지는 글자는 같은 종류의 I-종류로 쓰세요.",
                )
            stray_lines.extend(stray)
            spans = spans_from_bio(tags, text)
            examples.append(NERExample(guid or f"{path.name}:line {first_line}", text, tuple(spans)))
            chars.clear()
            tags.clear()
            numbers.clear()
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
                    f"글자 하나로 된 'CHARACTER<TAB>TAG' 꼴이어야 하는데 {quote_text(line)}입니다",
                    "한 줄에 글자 하나, 탭, 그 글자의 BIO 태그(O, B-PS, I-PS, ...)를 쓰세요.",
                )
            char, tag = fields
            if tag != "O" and not re.fullmatch(r"[BI]-[A-Z]+", tag):
                raise CorpusFormatError(
                    path, f"line {number}", f"태그 {quote_text(tag)}이(가) O, B-TYPE, I-TYPE 중 어느 것도 아닙니다",
                    "O, B-PS, I-PS 같은 IOB2 태그를 쓰세요.",
                )
            if tag != "O" and tag[2:] not in KLUE_TAGS:
                if not pinned:
                    raise CorpusFormatError(
                        path, f"line {number}",
                        f"태그 {quote_text(tag)}: KLUE의 개체 유형이 아닙니다",
                        f"B-/I- 뒤에 {', '.join(KLUE_TAGS)} 중 하나를 쓰거나 O를 쓰세요.",
                    )
                unknown[tag[2:]] += 1
            first_line = first_line or number
            chars.append(char)
            tags.append(tag)
            numbers.append(number)
        flush()
        if stray_lines:
            logger.warning(
                "%s: 이어 갈 개체가 없는 I- 태그 %d개는 KLUE 채점기처럼 개체가 아닌 것으로 읽습니다"
                "(줄 %s)", path, len(stray_lines), ", ".join(map(str, stray_lines[:5])),
            )
        if unknown:
            logger.warning(
                "%s: KLUE의 여섯 유형 밖의 개체 유형은 그대로 둡니다: %s", path, dict(unknown.most_common(10))
            )
        check_not_empty(path, len(examples) - before, "파일에 문장이 없습니다",
                        "'## guid<TAB>sentence' 줄을 쓰고, 그 아래에 글자마다 'CHARACTER<TAB>TAG' 줄을 쓰세요.")
    return examples


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
