"""The predictor base every chapter shares: load a trained model, run it on the accelerator, export it.

A learner ends a chapter either with a Lightning checkpoint on Drive or with an exported directory
that ``from_pretrained`` and ``pipeline`` load; :meth:`Predictor.load` gives the same model from both.

Prediction runs on the best device there is (CUDA, then a TPU through torch_xla, then Apple's MPS,
then the CPU). That matters because Lightning moves the model back to the CPU after ``fit`` and
``validate``: predicting the 50,000 NSMC test reviews there takes hours on Colab's 2 vCPUs. Inputs go
through the model from the longest to the shortest (``batching.length_order``), so each batch pads to
a length close to its own rows', and the results are put back in input order; long inputs show a
progress bar. Inputs are checked where they enter (:func:`text_inputs`): a lone string where a list
belongs is refused (it would be predicted one character at a time), an empty list gives an empty list,
and text is turned into Unicode NFC (decomposed Hangul from macOS would be all ``[UNK]``). The chapters' predictors (``Classifier``, ``EntityRecognizer``, ``QuestionAnswerer``,
``MaskedLanguageModel``) only say how to turn their inputs into features and outputs into answers.

Checkpoints are read with ``weights_only=True`` (``nbhelpers.checkpoints``): a crafted ``.ckpt`` cannot
run code. An export is written to a temp folder and swapped in whole (a swap cut by a disconnect is
finished or undone on the next call), and an existing export is never replaced by a model that
``finish_training`` has not validated.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import torch
# Text tqdm, not tqdm.auto: the ipywidgets bar stays frozen at 0 % wherever no widget manager runs the
# updates (a notebook executed by nbclient or nbval, GitHub's and nbviewer's renderings of saved outputs).
from tqdm.std import tqdm
from transformers import (
    AutoConfig,
    AutoModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from nbhelpers.batching import length_order, padding_for
from nbhelpers.checkpoints import load_checkpoint_file
from nbhelpers.rundir import record_output, recover_replacement, replace_folder
from nbhelpers.pretrained import load_tokenizer, match_tokenizer_to_model, max_input_length
from nbhelpers.runtime import tpu_chip_count
from nbhelpers.text import to_nfc

Item = TypeVar("Item")
Result = TypeVar("Result")

PredictorT = TypeVar("PredictorT", bound="Predictor")

_VALIDATED: weakref.WeakSet[torch.nn.Module] = weakref.WeakSet()
"""Models whose best weights ``finish_training`` validated: only these may replace an existing export."""


def best_device_type() -> str:
    """``"cuda"``, ``"xla"`` (a TPU torch_xla can see), ``"mps"`` or ``"cpu"``: the first that is there."""
    if torch.cuda.is_available():
        return "cuda"
    if tpu_chip_count() > 0:
        return "xla"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def device_for(kind: str) -> torch.device:
    """The ``torch.device`` of a device type; ``"xla"`` asks torch_xla for its default device."""
    if kind == "xla":
        import torch_xla

        if hasattr(torch_xla, "device"):  # torch_xla >= 2.5
            return torch_xla.device()
        import torch_xla.core.xla_model as xm

        return xm.xla_device()
    return torch.device(kind)


def best_device() -> torch.device:
    """Where prediction runs: the first of CUDA, TPU, MPS and CPU that is available."""
    return device_for(best_device_type())


def mark_validated(model: torch.nn.Module) -> None:
    """Record that ``model`` holds validated best weights (``finish_training`` calls this)."""
    _VALIDATED.add(model)


def export_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path) -> Path:
    """Save model and tokenizer with ``save_pretrained`` so ``from_pretrained(out_dir)`` reloads both.

    Written to a temp folder beside ``out_dir`` and swapped in whole (``nbhelpers.rundir.replace_folder``):
    an interruption leaves the old export or the new one, and an export cut between its renames is
    finished or put back by the next call before anything else. An existing export is replaced only by
    a model ``finish_training`` validated: after a failed or interrupted training run the previous,
    validated export stays. The folder's name joins the manifest of the run in its parent folder.

    The saved tokenizer's ``model_max_length`` is the number of tokens the model takes
    (:func:`nbhelpers.pretrained.max_input_length`), or less if the tokenizer already had a smaller one: a
    tokenizer built here (chapter 1, the smoke profile) has none and reads 1e30, and then
    ``pipeline(..., truncation=True)`` on the export does not truncate and crashes on a long input.
    """
    out_dir = Path(out_dir)
    recover_replacement(out_dir)
    if (out_dir / "config.json").is_file() and model not in _VALIDATED:
        raise RuntimeError(
            f"{out_dir}에 이미 내보낸 모델이 있고, 이 모델은 finish_training으로 검증되지 않았습니다"
            "(학습이 끝나지 않았거나 finish_training을 실행하지 않았습니다). 기존 모델은 그대로 둡니다. 고치는 법: "
            "학습 셀과 finish_training 셀을 끝까지 실행하거나 다른 폴더로 내보내세요."
        )
    temp = out_dir.with_name(f".{out_dir.name}.tmp")
    model.save_pretrained(temp)
    usable = max_input_length(model.config)
    kept = tokenizer.model_max_length
    if usable is not None and not kept <= usable:
        tokenizer.model_max_length = usable
    try:
        tokenizer.save_pretrained(temp)
    finally:
        tokenizer.model_max_length = kept  # the learner's tokenizer object stays as it was
    replace_folder(temp, out_dir)
    record_output(out_dir)
    size = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file())
    print(f"모델과 토크나이저를 {out_dir} 에 저장했습니다 ({size / 1e6:,.1f} MB).")
    return out_dir


def model_from_checkpoint(path: str | Path, auto_class: type) -> tuple[PreTrainedModel, dict[str, Any]]:
    """The Hugging Face model inside a Lightning ``.ckpt`` (built offline from its config) and its hyperparameters."""
    checkpoint = load_checkpoint_file(path)
    if "hf_config" not in checkpoint or "state_dict" not in checkpoint:
        raise ValueError(
            f"{path}: 이 프로젝트 task의 체크포인트가 아닙니다(hf_config나 state_dict가 없습니다). 고치는 법: "
            "각 장의 실행이 남긴 best-....ckpt나 last.ckpt, 또는 내보낸 폴더를 주세요."
        )
    config_dict = dict(checkpoint["hf_config"])
    model_type = config_dict.pop("model_type")
    config = AutoConfig.for_model(model_type, **config_dict)
    model = auto_class.from_config(config)
    state = {k.removeprefix("model."): v for k, v in checkpoint["state_dict"].items() if k.startswith("model.")}
    model.load_state_dict(state)
    return model.eval(), dict(checkpoint.get("hyper_parameters", {}))


def checked_texts(values: Sequence[str] | str, argument: str, call: str) -> list[str]:
    """``values`` as a list, as given; a lone string or a non-text item is a ``TypeError`` showing ``call``.

    A string is a sequence of characters, so without this check ``predict("문장")`` would answer once per
    character.
    """
    if isinstance(values, str):
        raise TypeError(
            f"{argument}에 문자열 하나를 주었습니다(그대로 두면 글자마다 따로 예측합니다). "
            f"고치는 법: {call}처럼 리스트로 주세요. 결과도 리스트이니 [0]으로 꺼내면 됩니다."
        )
    texts = list(values)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{argument}[{index}]: 문자열이 아니라 {type(text).__name__}입니다. 고치는 법: {call}처럼 "
                "문자열의 리스트로 주세요."
            )
    return texts


def text_inputs(values: Sequence[str] | str, argument: str, call: str) -> list[str]:
    """``values`` checked by :func:`checked_texts`, in Unicode NFC: what the tokenizer can read."""
    return [to_nfc(text) for text in checked_texts(values, argument, call)]


def load_trained_model(path: str | Path, auto_class: type) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Model and tokenizer from a ``.ckpt`` (tokenizer from the task's ``pretrained_model_name``) or an exported dir."""
    path = Path(path)
    if path.suffix == ".ckpt":
        model, hparams = model_from_checkpoint(path, auto_class)
        source = hparams.get("pretrained_model_name")
        if not source:
            raise ValueError(
                f"{path}: 어떤 tokenizer로 학습했는지 체크포인트에 적혀 있지 않습니다. 고치는 법: "
                "export_model()로 모델을 내보내고 그 폴더를 불러오세요."
            )
        tokenizer = load_tokenizer(source, model.config)
    else:
        model = auto_class.from_pretrained(path).eval()
        tokenizer = load_tokenizer(path, model.config)
    return model, tokenizer


class Predictor:
    """A trained model on the best device, fed in length order, answering in input order.

    Subclasses set ``auto_class`` (which ``AutoModelFor...`` to build when loading) and call
    :meth:`run_in_length_order` with their features and a function from a batch of features to one
    result per feature.

    Attributes:
        model: The Hugging Face model, in eval mode, on ``device``.
        tokenizer: Its fast tokenizer.
        max_seq_length: Longest input in tokens, as in training (longer ones are truncated or windowed).
        device: Where the model runs.
    """

    auto_class: ClassVar[type] = AutoModel
    progress_min_items: ClassVar[int] = 1000
    """Inputs from which a progress bar is shown (a few sentences in a widget need none)."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        max_seq_length: int = 128,
        device: str | torch.device | None = None,
    ) -> None:
        self.device = torch.device(device) if isinstance(device, str) else (device or best_device())
        self.model = model.to(self.device).eval()
        config = getattr(model, "config", None)  # any torch module works; a Hugging Face model has a config
        # What the model is fed follows its family (no token_type_ids for RoBERTa), whoever loaded the tokenizer.
        self.tokenizer = match_tokenizer_to_model(tokenizer, config) if config is not None else tokenizer
        # Never more tokens than the model takes: a longer input fails with "index out of range" (chapter 1's
        # model has only its max_seq_length of positions; RoBERTa uses 512 of its 514).
        limit = max_input_length(config) if config is not None else None
        self.max_seq_length = min(max_seq_length, limit) if limit else max_seq_length

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None, **settings: Any) -> Self:
        """From the best ``.ckpt`` of a run or from an exported directory; ``settings`` go to the constructor."""
        model, tokenizer = load_trained_model(path, cls.auto_class)
        return cls(model, tokenizer, device=device, **settings)

    def padding(self, max_length: int) -> dict[str, Any]:
        """Padding for this device, by the training rule (:func:`nbhelpers.batching.padding_for`)."""
        return padding_for({"xla": "tpu", "cuda": "gpu"}.get(self.device.type, "cpu"), max_length)

    def to_device(self, batch: dict[str, Any]) -> dict[str, Any]:
        """The tensors of a collated batch moved to ``device`` (other entries as they are)."""
        return {k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}

    @torch.no_grad()
    def run_in_length_order(
        self,
        items: Sequence[Item],
        lengths: Sequence[int],
        run_batch: Callable[[list[Item]], Sequence[Result]],
        batch_size: int,
        description: str = "predict",
    ) -> list[Result]:
        """``run_batch`` over batches of ``items`` from the longest to the shortest; results in input order."""
        if len(items) != len(lengths):
            raise ValueError(f"{len(items)} items but {len(lengths)} lengths")
        order = length_order(lengths)
        results: list[Result | None] = [None] * len(items)
        starts = range(0, len(order), max(1, batch_size))
        bar = tqdm(total=len(items), desc=description, unit="ex", disable=len(items) < self.progress_min_items)
        try:
            for start in starts:
                indices = order[start : start + batch_size]
                outputs = run_batch([items[i] for i in indices])
                if len(outputs) != len(indices):
                    raise RuntimeError(f"run_batch returned {len(outputs)} results for {len(indices)} inputs")
                for index, output in zip(indices, outputs):
                    results[index] = output
                bar.update(len(indices))
        finally:
            bar.close()
        return results  # type: ignore[return-value]  (every slot is filled above)
