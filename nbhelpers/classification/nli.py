"""Natural language inference corpora: KLUE-NLI v1.1 (JSON) and KorNLI (TSV), for chapter 3.

Both map to the book's label ids: entailment 0, contradiction 1, neutral 2. An unknown label is an
error naming the item (KLUE's ``guid``, or the KorNLI line), never a silent skip.

A pair whose premise or hypothesis is empty (a shifted column, a lost cell) is an error naming it in the
learner's files; in the downloaded files (``PINNED_NAMES``), which a learner cannot fix, it is skipped and
counted in a warning. Text is read in Unicode NFC (``nbhelpers.text``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from nbhelpers.classification.examples import ClassificationExample, count_label_names
from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import Paths, as_paths, check_not_empty, iter_tsv_rows, read_json
from nbhelpers.registry import CorpusSpec, register
from nbhelpers.text import to_nfc

logger = logging.getLogger(__name__)

NLI_LABELS = ("entailment", "contradiction", "neutral")
KORNLI_HEADER = ["sentence1", "sentence2", "gold_label"]
KLUE_NLI_PATTERNS = ("*.json",)
KORNLI_PATTERNS = ("*.tsv",)
_KLUE_COMMIT = "3efd98708a40ff49251fddde35453f8fbb11f536"
_KLUE_RAW = f"https://raw.githubusercontent.com/KLUE-benchmark/KLUE/{_KLUE_COMMIT}/klue_benchmark/klue-nli-v1.1"
_KORNLI_COMMIT = "0df0fe7d496eb61b092e022e238c2230b29f1cbc"
_KORNLI_RAW = f"https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/{_KORNLI_COMMIT}/KorNLI"
PINNED_NAMES = ("klue-nli-v1.1_train.json", "klue-nli-v1.1_dev.json", "multinli.train.ko.tsv",
                "snli_1.0_train.ko.tsv", "xnli.dev.ko.tsv")
"""Names of the downloaded files, whose empty pairs are skipped with a warning rather than refused."""


def _label_id(label: object, path: str, location: str) -> int:
    if label not in NLI_LABELS:
        raise CorpusFormatError(
            path, location, f"알 수 없는 레이블 {quote(label)}입니다",
            f"{', '.join(NLI_LABELS)} 중 하나를 쓰세요(책은 이를 0, 1, 2로 바꿉니다).",
        )
    return NLI_LABELS.index(label)  # type: ignore[arg-type]


def _has_both_sentences(premise: str, hypothesis: str, path: Path, location: str, skipped: list[str]) -> bool:
    """False (and the pair noted in ``skipped``) for an empty side in a downloaded file; an error in the learner's."""
    empty = [name for name, text in (("전제(premise)", premise), ("가설(hypothesis)", hypothesis)) if not text.strip()]
    if not empty:
        return True
    if path.name in PINNED_NAMES:
        skipped.append(location)
        return False
    problem = "전제(premise)와 가설(hypothesis)이 모두" if len(empty) == 2 else f"{empty[0]}{'가' if '전제' in empty[0] else '이'}"
    raise CorpusFormatError(
        path, location, f"{problem} 비어 있습니다",
        "두 문장(premise, hypothesis)을 모두 채우거나 그 쌍을 지우세요. 칸이 밀렸다면 문장 안의 탭을 지우세요.",
    )


def _warn_skipped(path: Path, skipped: list[str]) -> None:
    if skipped:
        logger.warning("%s: 빈 문장이 있는 쌍 %d개를 건너뜁니다: %s", path, len(skipped), skipped[:5])


def read_klue_nli(paths: Paths) -> list[ClassificationExample]:
    """Premise/hypothesis pairs of KLUE-NLI JSON files (a list of objects with ``gold_label``)."""
    examples: list[ClassificationExample] = []
    for path in as_paths(paths, KLUE_NLI_PATTERNS):
        items = read_json(path, "KLUE 원본처럼 파일 전체가 객체들의 JSON 리스트 하나여야 합니다.")
        if not isinstance(items, list):
            raise CorpusFormatError(path, "line 1", "최상위가 JSON 리스트가 아닙니다",
                                    "KLUE 파일처럼 항목들을 [ ... ]로 감싸세요.")
        check_not_empty(path, len(items), "리스트가 비어 있습니다: 전제/가설 쌍이 없습니다",
                        "리스트에 {\"guid\", \"premise\", \"hypothesis\", \"gold_label\"} 객체를 하나 이상 넣으세요.")
        skipped: list[str] = []
        for index, item in enumerate(items):
            guid = item.get("guid", f"item {index}") if isinstance(item, dict) else f"item {index}"
            missing = [key for key in ("premise", "hypothesis", "gold_label") if not isinstance(item, dict)
                       or not isinstance(item.get(key), str)]
            if missing:
                raise CorpusFormatError(path, f"guid {guid}", f"필드 {missing}이(가) 없거나 문자열이 아닙니다",
                                        "모든 항목에 문자열 guid, premise, hypothesis, gold_label이 있어야 합니다.")
            label = _label_id(item["gold_label"], str(path), f"guid {guid}")
            premise, hypothesis = to_nfc(item["premise"]), to_nfc(item["hypothesis"])
            if _has_both_sentences(premise, hypothesis, path, f"guid {guid}", skipped):
                examples.append(ClassificationExample(str(guid), premise, hypothesis, label))
        _warn_skipped(path, skipped)
    return examples


def read_kornli(paths: Paths) -> list[ClassificationExample]:
    """Pairs of KorNLI TSV files (``sentence1<TAB>sentence2<TAB>gold_label``)."""
    examples: list[ClassificationExample] = []
    for path in as_paths(paths, KORNLI_PATTERNS):
        before = len(examples)
        skipped: list[str] = []
        for line_number, fields in iter_tsv_rows(path, KORNLI_HEADER, "premise<TAB>hypothesis<TAB>label"):
            label = _label_id(fields[2], str(path), f"line {line_number}")
            if _has_both_sentences(fields[0], fields[1], path, f"line {line_number}", skipped):
                examples.append(ClassificationExample(f"{path.name}:{line_number}", fields[0], fields[1], label))
        _warn_skipped(path, skipped)
        check_not_empty(path, len(examples) - before, "전제/가설 쌍이 없고 머리줄뿐입니다",
                        "머리줄 아래에 쌍마다 'premise<TAB>hypothesis<TAB>label' 줄을 하나씩 쓰세요.")
    return examples


KLUE_NLI = register(
    CorpusSpec(
        name="klue-nli",
        task="pair-classification",
        train_files=(RemoteFile(f"{_KLUE_RAW}/klue-nli-v1.1_train.json", "klue-nli/klue-nli-v1.1_train.json",
                                git_blob="a7903d15f09a3663d8f1d78e68d8d6c10dbd8618"),),
        val_files=(RemoteFile(f"{_KLUE_RAW}/klue-nli-v1.1_dev.json", "klue-nli/klue-nli-v1.1_dev.json",
                              git_blob="db052b2459c68d1ec57dd1573bfe90a9bb3f8157", size=1498298),),
        read=read_klue_nli,
        count_labels=count_label_names(NLI_LABELS),
        label_names=NLI_LABELS,
        file_patterns=KLUE_NLI_PATTERNS,
        sample_train=("klue_nli_train.json",),
        sample_val=("klue_nli_val.json",),
        license="KLUE-NLI (KLUE-benchmark/KLUE), CC BY-SA 4.0",
    )
)

# KorNLI comes through Korpora as in the book (which reads the upstream default branch); every file is
# then checked against its git blob id at the pinned commit and fetched from there when it differs.
KORNLI = register(
    CorpusSpec(
        name="kornli",
        task="pair-classification",
        train_files=(RemoteFile(f"{_KORNLI_RAW}/multinli.train.ko.tsv", "kornli/multinli.train.ko.tsv",
                                git_blob="94d26a9d0dd045928148ef8691a256bd0e7d45c3"),
                     RemoteFile(f"{_KORNLI_RAW}/snli_1.0_train.ko.tsv", "kornli/snli_1.0_train.ko.tsv",
                                git_blob="c91761e52fca2a7420104589811346986ce94073")),
        val_files=(RemoteFile(f"{_KORNLI_RAW}/xnli.dev.ko.tsv", "kornli/xnli.dev.ko.tsv",
                              git_blob="21305150d466aa35d42b14e1890b7dcd58084634", size=511383),),
        read=read_kornli,
        count_labels=count_label_names(NLI_LABELS),
        label_names=NLI_LABELS,
        file_patterns=KORNLI_PATTERNS,
        sample_train=("kornli_train.tsv",),
        sample_val=("kornli_val.tsv",),
        korpora_name="kornli",
        license="KorNLI (kakaobrain/kor-nlu-datasets), CC BY-SA 4.0",
    )
)
