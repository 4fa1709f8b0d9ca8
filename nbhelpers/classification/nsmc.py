"""NSMC (Naver sentiment movie corpus): the document-classification chapter's data.

Upstream files are UTF-8 TSV with the header ``id<TAB>document<TAB>label``. Quotes are ordinary text
(some reviews contain ``"`` and a CSV reader would swallow tabs and newlines inside them), so lines are
split on tabs with no quoting rules.

Empty documents: upstream has a handful of rows whose review is empty. They carry no text to learn
from or to predict, so the reader skips them and logs how many and where; every other row is kept.
"""

from __future__ import annotations

import logging

from nbhelpers.classification.examples import ClassificationExample, count_label_names
from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import Paths, as_paths, check_not_empty, iter_tsv_rows
from nbhelpers.registry import CorpusSpec, register

logger = logging.getLogger(__name__)

NSMC_LABELS = ("negative", "positive")
NSMC_HEADER = ["id", "document", "label"]
NSMC_PATTERNS = ("*.txt", "*.tsv")
"""Files of a folder that are read as NSMC (upstream ``ratings_*.txt``)."""
_COMMIT = "cc0670e872d4ac27bfe36c87456783004b39ef6c"
_RAW = f"https://raw.githubusercontent.com/e9t/nsmc/{_COMMIT}"


def read_nsmc(paths: Paths) -> list[ClassificationExample]:
    """Reviews of one or several NSMC files (or folders of them), in file order; empty reviews are skipped.

    A file with no review at all (only the header, or only empty reviews) is an error naming it.
    """
    examples: list[ClassificationExample] = []
    for path in as_paths(paths, NSMC_PATTERNS):
        skipped: list[int] = []
        before = len(examples)
        for line_number, (guid, document, label) in iter_tsv_rows(path, NSMC_HEADER, "id<TAB>review<TAB>label"):
            if label not in ("0", "1"):
                raise CorpusFormatError(
                    path, f"line {line_number}", f"레이블 {quote(label)}이(가) 0이나 1이 아닙니다",
                    "부정 리뷰는 0, 긍정 리뷰는 1로 쓰세요.",
                )
            if not document.strip():
                skipped.append(line_number)
                continue
            examples.append(ClassificationExample(guid=guid, text_a=document, text_b=None, label=int(label)))
        if skipped:
            logger.warning("%s: 빈 리뷰 %d개를 건너뜁니다(줄 번호 %s)", path, len(skipped), skipped[:10])
        check_not_empty(path, len(examples) - before, "리뷰가 없습니다: 머리줄이나 빈 리뷰뿐입니다",
                        "리뷰를 하나 이상 쓰거나 이 파일을 빼세요.")
    return examples


NSMC = register(
    CorpusSpec(
        name="nsmc",
        task="classification",
        train_files=(RemoteFile(f"{_RAW}/ratings_train.txt", "nsmc/ratings_train.txt",
                                git_blob="ac0dba272895dc1d0b3dd5f11afbeaeb7abe7876"),),
        val_files=(RemoteFile(f"{_RAW}/ratings_test.txt", "nsmc/ratings_test.txt",
                              git_blob="b6cfcd8cd1557bcd9bf06617b0e429ed73e9a367"),),
        read=read_nsmc,
        count_labels=count_label_names(NSMC_LABELS),
        label_names=NSMC_LABELS,
        file_patterns=NSMC_PATTERNS,
        sample_train=("nsmc_train.txt",),
        sample_val=("nsmc_val.txt",),
        korpora_name="nsmc",
        license="NSMC (e9t/nsmc), CC0 1.0",
    )
)
