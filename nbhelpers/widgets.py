"""Interactive demos: a learner types a sentence and sees what the model says.

The old book ran inference behind Flask and an ngrok tunnel that few learners got working. Here it is
a few ipywidgets in the notebook itself: text boxes, a button, and HTML output. Only core widgets are
used, so Colab's preinstalled ipywidgets (7 or 8) renders them without a custom widget manager.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets
from IPython.display import HTML, display


def text_demo(
    fields: Sequence[str],
    on_submit: Callable[..., str],
    title: str = "",
    examples: Sequence[str] | None = None,
) -> widgets.VBox:
    """Text boxes (one per field label) and a button; ``on_submit(*texts)`` returns HTML shown below.

    ``examples`` pre-fills the boxes, so pressing the button at once shows a prediction.
    """
    boxes = [
        widgets.Textarea(
            value=(examples[i] if examples and i < len(examples) else ""),
            description=label,
            layout=widgets.Layout(width="95%", height="60px"),
            style={"description_width": "initial"},
        )
        for i, label in enumerate(fields)
    ]
    button = widgets.Button(description="예측하기", button_style="primary")
    output = widgets.Output()

    def handle(_: object) -> None:
        output.clear_output()
        with output:
            texts = [box.value.strip() for box in boxes]
            if not all(texts):
                display(HTML("<b>문장을 입력하세요.</b>"))
                return
            try:
                display(HTML(on_submit(*texts)))
            except Exception as error:  # noqa: BLE001 (show the learner the problem, keep the widget alive)
                display(HTML(f"<pre>{html.escape(repr(error))}</pre>"))

    button.on_click(handle)
    header = [widgets.HTML(f"<h4>{html.escape(title)}</h4>")] if title else []
    return widgets.VBox([*header, *boxes, button, output])


def probability_bars(probabilities: dict[str, float]) -> str:
    """HTML bars, one per label, widest for the most probable label."""
    rows = []
    best = max(probabilities, key=probabilities.__getitem__)
    for label, p in probabilities.items():
        colour = "#4c72b0" if label == best else "#bbbbbb"
        rows.append(
            f"<div style='margin:2px 0'><span style='display:inline-block;width:110px'>{html.escape(label)}</span>"
            f"<span style='display:inline-block;background:{colour};width:{int(p * 300)}px;height:14px'></span>"
            f" {p:.3f}</div>"
        )
    return "".join(rows)
