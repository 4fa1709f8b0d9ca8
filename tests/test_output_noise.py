"""What a learner sees under a cell: short Korean log lines, a compact config, readable tables and plots."""

from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nbhelpers.classification.config import ClassificationConfig  # noqa: E402
from nbhelpers.classification.metrics import print_report  # noqa: E402
from nbhelpers.config import print_config  # noqa: E402
from nbhelpers.ner.metrics import EntityScores  # noqa: E402
from nbhelpers.plots import cell_text_colors, plot_confusion_matrix  # noqa: E402
from nbhelpers.runtime import setup_logging  # noqa: E402
from nbhelpers.text import display_width, pad  # noqa: E402


def test_display_width_counts_hangul_as_two_columns() -> None:
    assert display_width("negative") == 8
    assert display_width("긍정") == 4
    assert display_width("가a!") == 4
    assert display_width("\u1100\u1161") == 2  # a syllable in conjoining jamo: the vowel joins the consonant
    assert pad("긍정", 8) == "긍정    " and pad("긍정", 8, ">") == "    긍정"
    assert pad("아주긴레이블", 4) == "아주긴레이블"
    with pytest.raises(ValueError):
        pad("x", 3, "^")


def test_report_columns_line_up_after_korean_labels(capsys: pytest.CaptureFixture[str]) -> None:
    row = {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 3.0}
    print_report({"긍정": row, "negative": row, "all": {"accuracy": 0.5, "support": 6.0}})
    lines = capsys.readouterr().out.splitlines()
    assert len({display_width(line) for line in lines}) == 1, lines
    assert display_width(lines[1].split("0.5000")[0]) == display_width(lines[2].split("0.5000")[0])


def test_entity_report_lines_up_with_korean_types() -> None:
    row = {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2.0}
    scores = EntityScores(1.0, 0.5, 0.6667, 0.6667, {"인물": row, "PS": row})
    lines = scores.report().splitlines()
    assert len({display_width(line) for line in lines}) == 1, lines


def test_print_config_is_compact_and_full_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    config = ClassificationConfig(downstream_model_dir="/tmp/run", epochs=1, weight_decay=0.02)
    print_config(config)
    short = capsys.readouterr().out.splitlines()
    names = [line.split(" = ")[0].strip() for line in short[:-1]]
    for name in ("pretrained_model_name", "learning_rate", "epochs", "batch_size", "max_seq_length",
                 "downstream_corpus_name", "downstream_model_dir", "weight_decay"):
        assert name in names
    assert "gradient_clip_val" not in names and "checkpoint_every_minutes" not in names  # defaults left out
    assert "full=True" in short[-1]
    print_config(config, full=True)
    full = capsys.readouterr().out.splitlines()
    assert len(short) < 20 < len(full) and any(line.startswith("gradient_clip_val") for line in full)


def test_confusion_matrix_digits_are_white_on_dark_cells() -> None:
    assert cell_text_colors(__import__("numpy").array([[9, 1], [0, 5]])) == [["white", "black"], ["black", "white"]]
    plot_confusion_matrix([0] * 9 + [1] * 6, [0] * 9 + [1] * 5 + [0], ["negative", "positive"])
    texts = {text.get_text(): text.get_color() for text in plt.gcf().axes[0].texts}
    plt.close("all")
    assert texts["9"] == "white" and texts["1"] == "black" and texts["5"] == "white"


@pytest.fixture
def package_logger() -> logging.Logger:
    """The ``nbhelpers`` logger, put back as it was: a handler left on it would print in later tests' CLIs."""
    logger = logging.getLogger("nbhelpers")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.propagate, logger.level = propagate, level


def test_log_lines_are_short_with_the_level_only_from_warning_up(
    package_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = setup_logging().handlers[-1]

    def line(level: int) -> str:
        return handler.format(logging.LogRecord("nbhelpers.files", level, __file__, 1, "파일을 읽습니다", None, None))

    assert line(logging.INFO) == "파일을 읽습니다"
    assert line(logging.WARNING) == "경고: 파일을 읽습니다"
    assert line(logging.ERROR) == "오류: 파일을 읽습니다"
    logging.getLogger("nbhelpers.files").warning("%s: 줄 %s", "a.txt", "2, 3")
    assert capsys.readouterr().out == "경고: a.txt: 줄 2, 3\n"  # the stdout of now, not of setup_logging's call
