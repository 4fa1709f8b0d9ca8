"""Every notebook's outputs (smoke profile) are for the learner: no warnings, tips, ANSI codes, install paths or raw reprs.

The notebooks are executed once per session: by nbval when the session runs them (CI's command), whose
outputs ``notebook_outputs.NotebookOutputs`` records; otherwise here, with nbclient.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from notebook_outputs import FORBIDDEN, PLUGIN_NAME, CellOutputs, NotebookOutputs, execute_notebook, problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def display(text: str) -> dict:
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


BAD_OUTPUTS = {
    "stderr": stream("GPU available: False, used: False\n", "stderr"),
    "ANSI": stream("[transformers] \x1b[1mBertForMaskedLM\x1b[0m\n"),
    "tip": stream("💡 Tip: For seamless cloud logging and experiment tracking\n"),
    "litlogger": display("try installing [LitLogger](https://pypi.org/project/litlogger/)"),
    "deprecation": stream("x.py:21: DeprecationWarning: `LeafSpec` is deprecated\n"),
    "install path": stream("/usr/local/lib/python3.12/dist-packages/nbhelpers/samples/nsmc_train.txt\n"),
    "load report": stream("BertForSequenceClassification LOAD REPORT from: /tmp/x\n"),
    "progress bar": display("Loading weights:   0%|          | 0/39 [00:00<?, ?it/s]"),
    "log timestamp": stream("20:14:03 WARNING nbhelpers.classification.nsmc: x.txt: skipped 1 empty review(s)\n"),
    "frozen widget": display("predict:   0%|          | 0/1200 [00:00<?, ?ex/s]"),
    "dataclass repr": stream("[ClassificationPrediction(label='positive', probabilities={'negative': 0.07})]\n"),
    "baseline repr": display("MajorityBaseline(label=1, accuracy=0.6666666666666666)"),
}


@pytest.mark.parametrize("output", BAD_OUTPUTS.values(), ids=BAD_OUTPUTS.keys())
def test_each_kind_of_noise_is_caught_and_named(output: dict) -> None:
    found = problems([CellOutputs(7, "trainer.fit(task)\n", [stream("학습을 시작합니다.\n"), output])])
    assert len(found) == 1 and found[0].startswith("cell 7 ('trainer.fit(task)')")


def test_what_the_learner_should_see_passes() -> None:
    clean = [
        stream("검증 정확도 val_acc = 0.9667 (다수 클래스 기준선 0.500)\n"),
        stream("positive (negative 0.078, positive 0.922)\n"),
        display("<Figure size 1350x640 with 6 Axes>"),
        {"output_type": "display_data", "data": {"image/png": "iVBOR..."}, "metadata": {}},
        stream("BertConfig {\n  \"hidden_size\": 64\n}\n"),
        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": ["\x1b[0;31mValueError"]},
    ]
    assert problems([CellOutputs(3, "print(x)", clean)]) == []


def test_every_pattern_has_a_case_above() -> None:
    texts = [text for output in BAD_OUTPUTS.values() for text in (output.get("text") or output["data"]["text/plain"],)]
    for name, pattern in FORBIDDEN.items():
        assert any(pattern.search(text) for text in texts), f"no test output shows {name!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_are_for_the_learner(path: Path, request: pytest.FixtureRequest,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = request.config.pluginmanager.get_plugin(PLUGIN_NAME)
    assert isinstance(plugin, NotebookOutputs), "tests/conftest.py registers the output recorder"
    if plugin.nbval_notebooks:
        if path.resolve() not in plugin.nbval_notebooks:
            pytest.skip("this session runs other notebooks under nbval; this one is checked where it runs")
        cells = plugin.cells.get(path.resolve(), [])
        assert cells, f"nbval was to run {path.name} but no cell outputs were recorded"
    else:
        monkeypatch.setenv("NBHELPERS_PROFILE", "smoke")
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        cells = execute_notebook(path)
    found = problems(cells)
    assert not found, f"{path.name}: outputs a learner should not see:\n" + "\n".join(found)
