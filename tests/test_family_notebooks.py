"""Notebooks 02-05 with another encoder family, and with chapter 1's own export (issue 19).

The model dropdown of each settings cell must work for every family, so every family runs through a whole
notebook here: tiny RoBERTa (byte-level BPE) and ELECTRA built offline by the smoke profile
(``NBHELPERS_PRETRAINED_MODEL_NAME``), and a chapter-1-style export (``BertForPreTraining`` with its own WordPiece
tokenizer and only 64 positions) pasted in as a folder path. The default runs (tiny BERT) are the plain nbval runs
of the notebooks. One run per notebook keeps CI's time in bounds: RoBERTa where the family differs most (NER
offsets of byte-level pieces, QA windows with 4 special tokens), ELECTRA for pairs, chapter 1's export in chapter 2;
tests/test_model_families.py covers every chapter with all families at unit level.

The notebooks are executed with nbclient (as tests/notebook_outputs.py does), so besides the notebooks' own smoke
checks the outputs are read: the class ``AutoModelFor...`` chose, the tokenizer's layout, and nothing a learner
should not see.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from conftest import read_samples
from notebook_outputs import CellOutputs, execute_notebook, output_texts, problems
from nbhelpers.pretrained import MODEL_CHOICES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = {
    "02_doc_classification": "AutoModelForSequenceClassification",
    "03_pair_classification": "AutoModelForSequenceClassification",
    "04_ner": "AutoModelForTokenClassification",
    "05_qa": "AutoModelForQuestionAnswering",
}


def run(notebook: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """Execute a notebook in the smoke profile with extra ``NBHELPERS_*`` variables; all its output text."""
    monkeypatch.setenv("NBHELPERS_PROFILE", "smoke")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cells: list[CellOutputs] = execute_notebook(NOTEBOOKS / f"{notebook}.ipynb")
    found = problems(cells)
    assert not found, f"{notebook}: outputs a learner should not see:\n" + "\n".join(found)
    return "\n".join(text for cell in cells for output in cell.outputs for text in output_texts(output))


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "family", "chosen", "layout"), [
    ("03_pair_classification", "tiny-electra", "ElectraForSequenceClassification", "[CLS] A [SEP] B [SEP] (특수 토큰 3개)"),
    ("04_ner", "tiny-roberta", "RobertaForTokenClassification", "<s> A </s> </s> B </s> (특수 토큰 4개)"),
    ("05_qa", "tiny-roberta", "RobertaForQuestionAnswering", "<s> A </s> </s> B </s> (특수 토큰 4개)"),
])
def test_notebook_runs_with_another_family(
    notebook: str, family: str, chosen: str, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = run(notebook, monkeypatch, NBHELPERS_PRETRAINED_MODEL_NAME=family)
    assert f"{CHAPTERS[notebook]}가 고른 클래스: {chosen}" in text
    assert layout in text
    if "roberta" in family:
        assert "token_type_ids는 넣지 않습니다" in text and "입력 최대 512토큰(위치 임베딩 514개" in text


def chapter_1_export(path: Path, positions: int) -> Path:
    """What chapter 1 exports: its WordPiece tokenizer and a ``BertForPreTraining`` with ``max_seq_length`` positions."""
    import torch
    from transformers import BertForPreTraining

    from nbhelpers.predictor import export_model, mark_validated
    from nbhelpers.pretraining.config import PretrainConfig
    from nbhelpers.pretraining.model import bert_config_for
    from nbhelpers.pretraining.tokenizer import wordpiece_for_run

    train, _ = read_samples("nsmc")
    texts = [e.text_a for e in train]
    tokenizer = wordpiece_for_run(texts, vocab_size=1000, save_dir=path / "tokenizer", resuming=False)
    config = PretrainConfig(max_seq_length=positions, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=128)
    torch.manual_seed(7)
    model = BertForPreTraining(bert_config_for(config, tokenizer))
    mark_validated(model)
    return export_model(model, tokenizer, path / "pretrained")


@pytest.mark.slow
def test_chapter_1_export_fine_tunes_in_notebook_02(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = chapter_1_export(tmp_path, positions=64)  # the smoke profile's max_seq_length for chapter 2
    assert json.loads((export / "config.json").read_text(encoding="utf-8"))["architectures"] == ["BertForPreTraining"]
    text = run("02_doc_classification", monkeypatch, NBHELPERS_PRETRAINED_MODEL_NAME=str(export))
    assert "AutoModelForSequenceClassification가 고른 클래스: BertForSequenceClassification" in text
    vocabulary = len(AutoTokenizer.from_pretrained(export))
    assert "입력 최대 64토큰(위치 임베딩 64개)" in text and f"어휘 {vocabulary:,}개" in text  # chapter 1's, not kcbert's
    assert "MLM·NSP의 머리" in text  # chapter 1's pretraining heads were dropped, the encoder loaded


@pytest.mark.parametrize("notebook", CHAPTERS)
def test_settings_cell_offers_the_model_dropdown_and_step_6_uses_auto_classes(notebook: str) -> None:
    cells = json.loads((NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    choices = ", ".join(f'"{name}"' for name in MODEL_CHOICES)
    dropdown = f'pretrained_model_name = "{MODEL_CHOICES[0]}"  #@param [{choices}] {{allow-input: true}}'
    assert sum(dropdown in source.splitlines() for source in code) == 1
    assert any(f"{CHAPTERS[notebook]}.from_pretrained(" in source for source in code)
    assert not any("BertFor" in source or "AutoTokenizer.from_pretrained(pretrained)" in source for source in code)
    table = markdown[markdown.index("### 사전 학습 모델 고르기"):]
    for name in MODEL_CHOICES:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}`"))
        assert row.count("|") == 8  # every column filled in, a blank score written as —
    assert "출처: [1]" in table and "**어느 것을 고를까**" in table


def test_notebook_01_ends_with_how_to_use_its_export_in_chapters_2_to_5() -> None:
    cells = json.loads((NOTEBOOKS / "01_pretraining.ipynb").read_text(encoding="utf-8"))["cells"]
    heading, code = ("".join(cell["source"]) for cell in cells[-2:])
    assert heading.startswith("## 2~5장에서 이 모델로 미세 조정하기") and "pretrained_model_name" in heading
    assert "export_dir" in code and "check_max_seq_length" in code
