"""``korquad-eval`` as a tool: unusable input ends in one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbhelpers.qa.korquad_eval import USAGE_ERROR, main

DATASET = {
    "version": "KorQuAD_v1.0_dev",
    "data": [{"title": "한빛", "paragraphs": [{"context": "한빛대학교는 1950년에 세워졌다.", "qas": [
        {"id": "q-1", "question": "언제?", "answers": [{"text": "1950년", "answer_start": 7}]},
        {"id": "q-2", "question": "무엇?", "answers": [{"text": "한빛대학교", "answer_start": 0}]},
    ]}]}],
}
PREDICTIONS = {"q-1": "1950년", "q-2": "한빛"}


def write(path: Path, content: str | bytes) -> str:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], dataset: str, predictions: str) -> tuple[int, str, str]:
    code = main([dataset, predictions])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    return (write(tmp_path / "dev.json", json.dumps(DATASET, ensure_ascii=False)),
            write(tmp_path / "predictions.json", json.dumps(PREDICTIONS, ensure_ascii=False)))


def test_good_input_scores(files: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *files)
    assert code == 0 and err == ""
    assert json.loads(out)["exact_match"] == 50.0


def bad_case(tmp_path: Path, name: str) -> tuple[str, str, str]:
    """(dataset path, predictions path, words the error line must contain) for one malformed case."""
    dataset = write(tmp_path / "dev.json", json.dumps(DATASET, ensure_ascii=False))
    predictions = str(tmp_path / "predictions.json")
    if name == "non-string prediction":
        return dataset, write(Path(predictions), json.dumps({"q-1": ["1950년"], "q-2": "한빛"})), "question id q-1"
    if name == "number prediction":
        return dataset, write(Path(predictions), json.dumps({"q-1": 1950})), "int 1950"
    if name == "list of predictions":
        return dataset, write(Path(predictions), json.dumps([{"id": "q-1", "prediction_text": "1950년"}])), "JSON list"
    if name == "list dataset":
        return write(Path(dataset), json.dumps(DATASET["data"])), write(Path(predictions), "{}"), "\"data\" 리스트가 없습니다"
    if name == "swapped":
        good = write(Path(predictions), json.dumps(PREDICTIONS))
        return good, dataset, "순서를 바꾸세요"
    if name == "dataset twice":
        return dataset, dataset, "예측이 아니라 데이터셋"
    if name == "truncated predictions":
        return dataset, write(Path(predictions), json.dumps(PREDICTIONS)[:-3]), "올바른 JSON이 아닙니다"
    if name == "truncated dataset":
        return write(Path(dataset), json.dumps(DATASET)[:-10]), write(Path(predictions), "{}"), "올바른 JSON이 아닙니다"
    if name == "cp949 predictions":
        return dataset, write(Path(predictions), json.dumps(PREDICTIONS, ensure_ascii=False).encode("cp949")), "UTF-8 텍스트 파일이 아닙니다"
    if name == "missing file":
        return dataset, str(tmp_path / "nowhere.json"), "예측 파일을 읽을 수 없습니다"
    if name == "question without answers":
        broken = json.loads(json.dumps(DATASET))
        broken["data"][0]["paragraphs"][0]["qas"][1]["answers"] = []
        return write(Path(dataset), json.dumps(broken)), write(Path(predictions), json.dumps(PREDICTIONS)), "question id q-2"
    if name == "answers not a list":
        broken = json.loads(json.dumps(DATASET))
        broken["data"][0]["paragraphs"][0]["qas"][0]["answers"] = "1950년"
        return write(Path(dataset), json.dumps(broken)), write(Path(predictions), json.dumps(PREDICTIONS)), "question id q-1"
    if name == "no matching id":
        return dataset, write(Path(predictions), json.dumps({"other-1": "x", "other-2": "y"})), "예측 id 2개(예: 'other-1') 중 어느 것도"
    if name == "empty predictions":
        return dataset, write(Path(predictions), "{}"), "파일에 예측이 없습니다"
    raise AssertionError(name)


CASES = ["non-string prediction", "number prediction", "list of predictions", "list dataset", "swapped",
         "dataset twice", "truncated predictions", "truncated dataset", "cp949 predictions", "missing file",
         "question without answers", "answers not a list", "no matching id", "empty predictions"]


@pytest.mark.parametrize("name", CASES)
def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    dataset, predictions, words = bad_case(tmp_path, name)
    code, out, err = run(capsys, dataset, predictions)
    assert code == USAGE_ERROR == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
    assert len(err.encode()) < 500


def test_swapped_arguments_say_which_is_which(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset, predictions, _ = bad_case(tmp_path, "swapped")
    _, _, err = run(capsys, dataset, predictions)
    assert err.startswith(f"error: {dataset}, arguments: 이 파일은 예측 파일이고 {predictions}이(가) 데이터셋입니다")
    assert f"korquad-eval {predictions} {dataset}" in err


def test_some_ids_matching_is_scored_with_the_rest_as_zero(files: tuple[str, str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    partial = write(tmp_path / "partial.json", json.dumps({"q-1": "1950년", "other": "x"}, ensure_ascii=False))
    code, out, err = run(capsys, files[0], partial)
    assert code == 0 and json.loads(out) == {"exact_match": 50.0, "f1": 50.0}
    assert "Unanswered question q-2" in err


def test_subprocess_never_prints_a_traceback(tmp_path: Path) -> None:
    for name in ("swapped", "cp949 predictions", "missing file", "list of predictions"):
        dataset, predictions, _ = bad_case(tmp_path, name)
        result = subprocess.run([sys.executable, "-m", "nbhelpers", "korquad-eval", dataset, predictions],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
