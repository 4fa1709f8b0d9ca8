"""Decomposed Hangul (NFD: macOS, some web exports) and UTF-16 files (issue 20 item 7).

An NFD file passed every reader and ``inspect`` and the tokenizer turned it into 100 % ``[UNK]`` without a
word; a UTF-16 file without a byte-order mark was read as text with NUL characters. Every reader now gives
the same examples for an NFD copy of a file as for the file itself (KorQuAD's ``answer_start`` recomputed),
and UTF-16 is refused by name.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from transformers import AutoTokenizer

from nbhelpers.__main__ import main
from nbhelpers.classification.nli import read_klue_nli, read_kornli
from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.errors import CorpusFormatError
from nbhelpers.ner.klue import read_klue_ner
from nbhelpers.ner.kmou import read_kmou_ner
from nbhelpers.pretraining.kowikitext import read_kowikitext
from nbhelpers.qa.korquad import read_korquad
from nbhelpers.qa.korquad_eval import main as korquad_eval
from nbhelpers.registry import CORPORA, SAMPLES_DIR, sample_files
from nbhelpers.text import nfc_with_offsets, original_span, to_nfc

FORMATS = Path("/work/shared/formats")
"""Real upstream files (this machine only); the embedded samples below run everywhere."""

SAMPLES = sorted({(spec.read, path) for spec in CORPORA.values() for split in ("train", "val")
                  for path in sample_files(spec, split)}, key=lambda case: case[1].name)

REAL_FORMATS: list[tuple[Callable[..., Any], str]] = [
    (read_nsmc, "nsmc/ratings_sample.txt"),
    (read_klue_nli, "klue-nli/klue-nli-v1.1_dev_sample.json"),
    (read_kornli, "kornli/xnli.dev.ko_sample.tsv"),
    (read_korquad, "korquad/KorQuAD_v1.0_dev_sample.json"),
    (read_kowikitext, "pretrain/ko_text_sample.txt"),
    (read_kmou_ner, "kmou-ner/말뭉치 - 형태소_개체명/00827_NER.txt"),
    (read_kmou_ner, "kmou-ner/말뭉치 - 형태소_개체명/10105_NER.txt"),
    (read_kmou_ner, "kmou-ner/말뭉치 - 형태소_개체명/32567_NER.txt"),
    (read_kmou_ner, "kmou-ner/말뭉치 - 형태소_개체명/32661_NER.txt"),
]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def nfd_copy(source: Path, folder: Path) -> Path:
    """``source`` with every character decomposed, BOM kept, under the same name (readers name examples by file)."""
    data = source.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    text = data.decode("utf-8-sig")
    if source.suffix == ".json":
        # JSON may spell Hangul as \uXXXX escapes (the KorQuAD dev file does): decompose the parsed values.
        # Offsets stay as written: the file was decomposed after the offsets were computed.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    copy = folder / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(bom + nfd(text).encode("utf-8"))
    assert copy.read_bytes() != data
    return copy


def korquad_nfd_with_nfd_offsets(source: Path, folder: Path) -> Path:
    """A KorQuAD file made from NFD text: contexts, questions and answers decomposed, offsets counted in NFD."""
    document = json.loads(source.read_text(encoding="utf-8"))
    for article in document["data"]:
        article["title"] = nfd(article["title"])
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                qa["question"] = nfd(qa["question"])
                for answer in qa["answers"]:
                    answer["answer_start"] = len(nfd(context[: answer["answer_start"]]))
                    answer["text"] = nfd(answer["text"])
            paragraph["context"] = nfd(context)
    copy = folder / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize(("reader", "path"), SAMPLES, ids=[path.name for _, path in SAMPLES])
def test_an_nfd_copy_of_every_embedded_sample_reads_the_same(reader: Callable, path: Path, tmp_path: Path) -> None:
    assert reader(nfd_copy(path, tmp_path)) == reader(path)


@pytest.mark.skipif(not FORMATS.is_dir(), reason="the real upstream samples are only on the project's machine")
@pytest.mark.parametrize(("reader", "name"), REAL_FORMATS, ids=[name.split("/")[-1] for _, name in REAL_FORMATS])
def test_an_nfd_copy_of_every_real_format_file_reads_the_same(reader: Callable, name: str, tmp_path: Path) -> None:
    original = reader(FORMATS / name)
    assert reader(nfd_copy(FORMATS / name, tmp_path)) == original
    if reader is read_korquad:
        assert read_korquad(korquad_nfd_with_nfd_offsets(FORMATS / name, tmp_path / "nfd-offsets")) == original


@pytest.mark.parametrize("name", ["korquad_train.json", "korquad_val.json"])
def test_korquad_offsets_counted_in_the_decomposed_text_are_recomputed(name: str, tmp_path: Path) -> None:
    path = SAMPLES_DIR / name
    nfd_file = korquad_nfd_with_nfd_offsets(path, tmp_path)
    examples = read_korquad(nfd_file)
    assert examples == read_korquad(path)
    assert all(e.context[a.answer_start:a.answer_end] == a.text for e in examples for a in e.answers)


def test_an_answer_that_splits_a_syllable_is_an_error(tmp_path: Path) -> None:
    context = nfd("한빛대학교는 1950년에 세워졌다.")
    # "한" decomposed is three jamo; an answer starting at the second one cuts the syllable.
    document = {"data": [{"title": "t", "paragraphs": [{"context": context, "qas": [
        {"id": "q", "question": "?", "answers": [{"text": context[1:4], "answer_start": 1}]}]}]}]}
    path = tmp_path / "split.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CorpusFormatError) as error:
        read_korquad(path)
    assert error.value.location == "question id q" and "음절의 중간" in error.value.problem


def test_the_tokenizer_reads_nfd_hangul_as_unknown_which_is_why_text_is_normalised(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    review = "배우들 연기가 정말 좋았다"
    ids = tokenizer(nfd(review), add_special_tokens=False)["input_ids"]
    assert set(ids) == {tokenizer.unk_token_id}
    assert tokenizer.unk_token_id not in tokenizer(to_nfc(nfd(review)), add_special_tokens=False)["input_ids"]


def test_offsets_found_in_the_nfc_text_map_back_to_the_text_as_given() -> None:
    given = nfd("서울은 café 1950년에 Å ") + "가\u0301"
    normal, starts, ends = nfc_with_offsets(given)
    assert normal == unicodedata.normalize("NFC", given)
    for word in ("서울은", "café", "1950년에", "Å"):
        at = normal.index(word)
        start, end = original_span(starts, ends, at, at + len(word), len(given))
        assert to_nfc(given[start:end]) == word
    assert original_span(starts, ends, len(normal), len(normal), len(given)) == (len(given), len(given))
    plain = "이미 NFC인 글"
    assert nfc_with_offsets(plain) == (plain, list(range(len(plain))), list(range(1, len(plain) + 1)))


def test_korquad_eval_scores_an_nfd_dataset_like_the_original(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = SAMPLES_DIR / "korquad_val.json"
    predictions = {e.qid: e.answers[0].text for e in read_korquad(path)}
    predictions_path = tmp_path / "predictions.json"
    predictions_path.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    assert korquad_eval([str(nfd_copy(path, tmp_path / "nfd")), str(predictions_path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"exact_match": 100.0, "f1": 100.0}


# --- UTF-16 ---------------------------------------------------------------------------------------------------

UTF16_CASES = [
    (read_nsmc, "reviews.txt", "id\tdocument\tlabel\n1\t재미있게 봤어요\t1\n"),
    (read_kowikitext, "english.txt", "First sentence.\nSecond sentence.\n\nAnother document.\n"),
    (read_korquad, "data.json", json.dumps({"data": [{"title": "t", "paragraphs": [{"context": "abc", "qas": [
        {"id": "q", "question": "?", "answers": [{"text": "b", "answer_start": 1}]}]}]}]})),
    (read_klue_ner, "klue.tsv", "## a\tab\na\tO\nb\tO\n"),
]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
@pytest.mark.parametrize(("reader", "name", "text"), UTF16_CASES, ids=[c[1] for c in UTF16_CASES])
def test_utf16_is_refused_by_name_with_or_without_a_bom(
    reader: Callable, name: str, text: str, encoding: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))  # "utf-16" writes a byte-order mark, the others do not
    with pytest.raises(CorpusFormatError) as error:
        reader(path)
    assert "UTF-16" in error.value.problem and "UTF-8" in error.value.fix and error.value.path == str(path)


def test_inspect_names_utf16_in_one_short_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Plain English text.\nAnother line.\n".encode("utf-16-le"))
    assert main(["inspect", "kowikitext", str(path)]) != 0
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}, line 1") and "UTF-16" in err and len(err.encode()) < 500
