from __future__ import annotations

import ipywidgets as widgets
import pytest

from nbhelpers import widgets as demo_module
from nbhelpers.widgets import probability_bars, text_demo


def test_demo_passes_every_box_to_the_callback_and_shows_its_html(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(demo_module, "display", lambda obj: shown.append(obj.data))
    calls: list[tuple[str, ...]] = []

    def on_submit(*texts: str) -> str:
        calls.append(texts)
        return "<b>entailment</b>"

    demo = text_demo(["전제", "가설"], on_submit, title="NLI", examples=["비가 온다", "날씨가 흐리다"])
    boxes = [child for child in demo.children if isinstance(child, widgets.Textarea)]
    button = next(child for child in demo.children if isinstance(child, widgets.Button))
    assert [box.description for box in boxes] == ["전제", "가설"]
    button.click()
    assert calls == [("비가 온다", "날씨가 흐리다")] and shown[-1] == "<b>entailment</b>"
    boxes[1].value = "  "
    button.click()
    assert len(calls) == 1 and "입력하세요" in shown[-1]


def test_errors_are_shown_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(demo_module, "display", lambda obj: shown.append(obj.data))
    demo = text_demo(["문장"], lambda text: 1 / 0, examples=["좋다"])
    next(child for child in demo.children if isinstance(child, widgets.Button)).click()
    assert "ZeroDivisionError" in shown[-1]


def test_probability_bars_highlight_the_best_label() -> None:
    html = probability_bars({"negative": 0.2, "positive": 0.8})
    assert html.index("positive") > html.index("negative") and "#4c72b0" in html and "0.800" in html
