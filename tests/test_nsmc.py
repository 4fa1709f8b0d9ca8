from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbhelpers.classification.nsmc import read_nsmc
from nbhelpers.errors import CorpusFormatError

HEADER = "id\tdocument\tlabel\n"


def write(tmp_path: Path, body: str, name: str = "reviews.txt") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_reads_quotes_as_text_and_skips_empty_reviews(tmp_path: Path) -> None:
    path = write(tmp_path, '1\t"최고"라고 말하고 싶다\t1\n2\t\t0\n3\t"""따옴표""" 세 개\t0\n4\t지루해\t0\n')
    examples = read_nsmc(path)
    assert [e.guid for e in examples] == ["1", "3", "4"]
    assert examples[0].text_a == '"최고"라고 말하고 싶다'
    assert examples[1].text_a == '"""따옴표""" 세 개'
    assert [e.label for e in examples] == [1, 0, 0]
    assert all(e.text_b is None for e in examples)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(("\ufeff" + HEADER + "7\t좋아요\t1\r\n").encode("utf-8"))
    assert read_nsmc(path)[0].text_a == "좋아요"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("1\t좋다\t1\n2\t탭이\t하나 더\t1\n", "line 3", "탭으로 나뉜 필드가 3개여야 하는데 4개입니다"),
        ("1\t좋다\t1\n2\t나쁘다\t2\n", "line 3", "레이블 '2'이(가) 0이나 1이 아닙니다"),
        ("1\t좋다\n", "line 2", "탭으로 나뉜 필드가 3개여야 하는데 2개입니다"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, body: str, line: str, words: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(CorpusFormatError) as info:
        read_nsmc(path)
    assert info.value.path == str(path) and info.value.location == line
    assert words in str(info.value) and "\n  고치는 법: " in str(info.value)


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cp949.txt"
    path.write_bytes((HEADER + "1\t좋다\t1\n").encode("utf-8") + "2\t별로\t0\n".encode("cp949"))
    with pytest.raises(CorpusFormatError, match="line 3: UTF-8 텍스트 파일이 아닙니다"):
        read_nsmc(path)


def test_wrong_header(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("document\tlabel\n좋다\t1\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="line 1"):
        read_nsmc(path)


def test_embedded_sample_is_large_and_balanced(nsmc_sample: tuple[list, list]) -> None:
    train, val = nsmc_sample
    assert len(train) >= 300 and len(val) >= 100
    positives = sum(e.label for e in train) / len(train)
    assert 0.4 < positives < 0.6


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nbhelpers", *args], capture_output=True, text=True, check=False)


def test_inspect_cli_counts_and_fails_on_bad_files(tmp_path: Path) -> None:
    good = write(tmp_path, "1\t좋다\t1\n2\t별로\t0\n3\t최고\t1\n", "good.txt")
    result = run_cli("inspect", "nsmc", str(good))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["examples"] == 3 and summary["labels"] == {"negative": 1, "positive": 2}
    bad = write(tmp_path, "1\t좋다\t1\n2\t별로\n", "bad.txt")
    result = run_cli("inspect", "nsmc", str(good), str(bad))
    assert result.returncode != 0
    assert f"{bad}, line 3" in result.stderr
    assert run_cli("inspect", "no-such-corpus", str(good)).returncode != 0
