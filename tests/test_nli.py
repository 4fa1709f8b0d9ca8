"""Chapter 3: KLUE-NLI and KorNLI readers, the pair encoding, and the CLI on our own fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from nbhelpers.classification.examples import ClassificationExample
from nbhelpers.classification.features import encode_classification
from nbhelpers.classification.nli import read_klue_nli, read_kornli
from nbhelpers.errors import CorpusFormatError


def klue_item(guid: str, label: str, premise: str = "민수는 공원에서 산책을 했다.",
              hypothesis: str = "민수는 공원에 갔다.") -> dict[str, str]:
    return {"guid": guid, "source": "test", "premise": premise, "hypothesis": hypothesis, "gold_label": label,
            "author": label, "label2": label, "label3": label, "label4": label, "label5": label}


def write_json(tmp_path: Path, items: list, name: str = "nli.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(items, ensure_ascii=False, indent=4), encoding="utf-8")
    return path


def test_klue_labels_follow_the_book(tmp_path: Path) -> None:
    path = write_json(tmp_path, [klue_item("a", "entailment"), klue_item("b", "contradiction"),
                                 klue_item("c", "neutral")])
    examples = read_klue_nli(path)
    assert [(e.guid, e.label) for e in examples] == [("a", 0), ("b", 1), ("c", 2)]
    assert examples[0].text_a.startswith("민수는") and examples[0].text_b == "민수는 공원에 갔다."


def test_unknown_label_names_the_guid(tmp_path: Path) -> None:
    path = write_json(tmp_path, [klue_item("ok", "neutral"), klue_item("klue-nli-v1_dev_00042", "maybe")])
    with pytest.raises(CorpusFormatError) as info:
        read_klue_nli(path)
    assert info.value.location == "guid klue-nli-v1_dev_00042" and "'maybe'" in str(info.value)


def test_broken_json_and_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"guid": "a",\n  "premise": }\n]', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="line 3"):
        read_klue_nli(path)
    item = klue_item("x", "neutral")
    del item["hypothesis"]
    with pytest.raises(CorpusFormatError, match="guid x.*hypothesis"):
        read_klue_nli(write_json(tmp_path, [item]))


def test_kornli_tsv(tmp_path: Path) -> None:
    path = tmp_path / "xnli.dev.ko.tsv"
    path.write_text("sentence1\tsentence2\tgold_label\n비가 온다.\t날씨가 맑다.\tcontradiction\n"
                    "비가 온다.\t우산이 필요하다.\tneutral\n", encoding="utf-8")
    assert [(e.text_b, e.label) for e in read_kornli(path)] == [("날씨가 맑다.", 1), ("우산이 필요하다.", 2)]
    path.write_text("sentence1\tsentence2\tgold_label\n비가 온다.\t맑다.\t-\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="line 2"):
        read_kornli(path)


def test_pair_encoding_segments_and_truncation(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    hypothesis = "영화가 좋았다"
    pair = ClassificationExample("p", " ".join(["정말 지루한 영화였다"] * 40), hypothesis, 0)
    item = encode_classification([pair], tokenizer, 32)[0]
    ids, segments = item["input_ids"], item["token_type_ids"]
    assert len(ids) == 32
    sep = tokenizer.sep_token_id
    first_sep = ids.index(sep)
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == sep
    assert segments == [0] * (first_sep + 1) + [1] * (32 - first_sep - 1)
    kept_hypothesis = ids[first_sep + 1 : -1]
    assert kept_hypothesis == tokenizer(hypothesis, add_special_tokens=False)["input_ids"]  # never dropped
    both_long = ClassificationExample("q", pair.text_a, pair.text_a, 0)
    item = encode_classification([both_long], tokenizer, 32)[0]
    assert 10 <= item["token_type_ids"].count(1) <= 16  # the budget is split, neither side vanishes


def test_inspect_cli_for_both_formats(tmp_path: Path) -> None:
    klue = write_json(tmp_path, [klue_item("a", "entailment"), klue_item("b", "neutral"), klue_item("c", "neutral")])
    out = subprocess.run([sys.executable, "-m", "nbhelpers", "inspect", "klue-nli", str(klue)],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["labels"] == {"entailment": 1, "contradiction": 0, "neutral": 2}
    kornli = tmp_path / "k.tsv"
    kornli.write_text("sentence1\tsentence2\tgold_label\n가\t나\tentailment\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "nbhelpers", "inspect", "kornli", str(kornli)],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["examples"] == 1


def test_embedded_sample_is_balanced() -> None:
    from nbhelpers.registry import get_corpus, sample_files

    spec = get_corpus("klue-nli")
    train = spec.read(sample_files(spec, "train"))
    assert len(train) >= 300 and {e.label for e in train} == {0, 1, 2}
    assert max(sum(e.label == k for e in train) for k in range(3)) == len(train) // 3
