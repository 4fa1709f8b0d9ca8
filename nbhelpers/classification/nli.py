"""Natural language inference corpora: KLUE-NLI v1.1 (JSON) and KorNLI (TSV), for chapter 3.

Both map to the book's label ids: entailment 0, contradiction 1, neutral 2. An unknown label is an
error naming the item (KLUE's ``guid``, or the KorNLI line), never a silent skip.
"""

from __future__ import annotations

from nbhelpers.classification.examples import ClassificationExample, count_label_names
from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import Paths, as_paths, check_not_empty, iter_tsv_rows, read_json
from nbhelpers.registry import CorpusSpec, register

NLI_LABELS = ("entailment", "contradiction", "neutral")
KORNLI_HEADER = ["sentence1", "sentence2", "gold_label"]
KLUE_NLI_PATTERNS = ("*.json",)
KORNLI_PATTERNS = ("*.tsv",)
_KLUE_COMMIT = "3efd98708a40ff49251fddde35453f8fbb11f536"
_KLUE_RAW = f"https://raw.githubusercontent.com/KLUE-benchmark/KLUE/{_KLUE_COMMIT}/klue_benchmark/klue-nli-v1.1"
_KORNLI_COMMIT = "0df0fe7d496eb61b092e022e238c2230b29f1cbc"
_KORNLI_RAW = f"https://raw.githubusercontent.com/kakaobrain/kor-nlu-datasets/{_KORNLI_COMMIT}/KorNLI"


def _label_id(label: object, path: str, location: str) -> int:
    if label not in NLI_LABELS:
        raise CorpusFormatError(
            path, location, f"unknown label {quote(label)}",
            f"use one of {', '.join(NLI_LABELS)} (the book maps them to 0, 1, 2).",
        )
    return NLI_LABELS.index(label)  # type: ignore[arg-type]


def read_klue_nli(paths: Paths) -> list[ClassificationExample]:
    """Premise/hypothesis pairs of KLUE-NLI JSON files (a list of objects with ``gold_label``)."""
    examples: list[ClassificationExample] = []
    for path in as_paths(paths, KLUE_NLI_PATTERNS):
        items = read_json(path, "the file must be one JSON list of objects, as KLUE ships it.")
        if not isinstance(items, list):
            raise CorpusFormatError(path, "line 1", "the top level is not a JSON list",
                                    "wrap the items in [ ... ] as KLUE's files do.")
        check_not_empty(path, len(items), "the list is empty: no premise/hypothesis pairs",
                        "put at least one {\"guid\", \"premise\", \"hypothesis\", \"gold_label\"} object in the list.")
        for index, item in enumerate(items):
            guid = item.get("guid", f"item {index}") if isinstance(item, dict) else f"item {index}"
            missing = [key for key in ("premise", "hypothesis", "gold_label") if not isinstance(item, dict)
                       or not isinstance(item.get(key), str)]
            if missing:
                raise CorpusFormatError(path, f"guid {guid}", f"missing or non-text field(s) {missing}",
                                        "every item needs guid, premise, hypothesis and gold_label strings.")
            label = _label_id(item["gold_label"], str(path), f"guid {guid}")
            examples.append(ClassificationExample(str(guid), item["premise"], item["hypothesis"], label))
    return examples


def read_kornli(paths: Paths) -> list[ClassificationExample]:
    """Pairs of KorNLI TSV files (``sentence1<TAB>sentence2<TAB>gold_label``)."""
    examples: list[ClassificationExample] = []
    for path in as_paths(paths, KORNLI_PATTERNS):
        before = len(examples)
        for line_number, fields in iter_tsv_rows(path, KORNLI_HEADER, "premise<TAB>hypothesis<TAB>label"):
            label = _label_id(fields[2], str(path), f"line {line_number}")
            examples.append(ClassificationExample(f"{path.name}:{line_number}", fields[0], fields[1], label))
        check_not_empty(path, len(examples) - before, "no premise/hypothesis pairs: only the header",
                        "add one 'premise<TAB>hypothesis<TAB>label' line per pair after the header.")
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
