"""Typed chapter configs, the smoke profile and ``NBHELPERS_<FIELD>`` overrides.

A notebook's config cell shows the book's settings. ``resolve_config`` then applies, in this order:
the profile (``NBHELPERS_PROFILE=smoke``: embedded sample, tiny BERT built offline, a few steps), then
explicit ``NBHELPERS_<FIELD>`` environment variables (they win over the profile), then fills in what
depends on the machine (accelerator, devices, precision, batch size, workers) and prints the result.
CI runs every notebook this way; power users override any field without editing the notebook.

A second profile, ``NBHELPERS_PROFILE=dryrun``, shrinks only three things and keeps every other value
of the real run (warm-up ratio, learning rate, epochs, ``max_seq_length``, batch size for the machine,
checkpoints, resume and export): a BERT built offline with kcbert-base's configuration shape but fewer
layers (vocabulary 30,000, 300 positions), the embedded samples, and ``max_steps``. The smoke profile
changes model, data and settings at once, which hid bugs that only the real settings reach.

``resolve_config`` also refuses what cannot work (``epochs=0``, a warm-up ratio of 1, an unknown
precision or accelerator, a negative device count, an ``NBHELPERS_*`` variable that names no field), so a
typo fails in the config cell rather than after a multi-GB download or an hour of training. The config
it returns is marked as resolved; ``check_resolved`` (called by ``registry.download_corpus``) refuses a
config that was never resolved, or one resolved before the latest ``resolve_config`` call failed: after
a failed config cell, the ``config`` variable still holds the cell's unchecked or previous config, and
the next cells must not start a download with it.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import itertools
import math
import os
import re
import tempfile
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from nbhelpers.errors import ConfigError
from nbhelpers.runtime import cpu_count, default_precision, detect_accelerator, shown_path

ENV_PREFIX = "NBHELPERS_"


PRECISIONS = ("16-mixed", "bf16-mixed", "32-true", "bf16-true", "16-true", "64-true", "16", "32", "64", "bf16")
"""Values of ``precision`` that Lightning 2.x accepts (besides ``""``: choose for the accelerator)."""


ACCELERATORS = ("auto", "tpu", "gpu", "cuda", "cpu")


TINY_MODEL = "tiny-bert"
"""Value of ``pretrained_model_name`` that builds a tiny BERT offline from the training texts."""

DRYRUN_MODEL = "dryrun-kcbert-shape"
"""Value of ``pretrained_model_name`` that builds, offline, a BERT shaped like kcbert-base with fewer layers."""

DRYRUN_MAX_STEPS = 12
"""``max_steps`` of the dryrun profile: under one epoch of the NSMC sample at batch 8 (about 50 steps), so the
stop inside an epoch, its validation, the checkpoints and the export all run. A step of the kcbert-shaped
model costs about 2 CPU-seconds on 2 cores (AdamW over its 23 M embedding weights dominates), so 12 steps
keep the notebook under a minute in CI."""

PROFILES = ("", "smoke", "dryrun")


@dataclass
class BaseConfig:
    """Settings shared by every chapter; names follow the book.

    Attributes:
        pretrained_model_name: Hugging Face model id or a local directory (chapter 1's output works).
        data_root: Where downloaded corpora are kept (Korpora's layout, so the book's downloads are reused). A
            folder on Google Drive (the notebooks' ``MyDrive/Korpora`` on Colab) keeps them across sessions;
            they are then read from a verified copy on the session's disk (``registry.corpus_roots``).
        train_file: Your own training file(s) in the corpus's format instead of the download (comma-separated, globs).
        val_file: Your own evaluation file(s), likewise, in place of the corpus's dev/test file: the scores a
            chapter reports come from it once at the end; it never picks the checkpoint.
        holdout_fraction: Share of the training examples held out, in whole groups (``nbhelpers.holdout``),
            as the validation set that picks the best checkpoint.
        holdout_max_examples: At most this many held-out validation examples: 5,000 keep a validation pass
            short on the large corpora (NSMC, KorQuAD) and cost them under 10 % of their training data.
        max_seq_length: Longest input in tokens; checked against the model's ``max_position_embeddings``.
        batch_size: Examples per step per device; 0 chooses one for the accelerator.
        group_by_length: Build each training batch from examples of similar length (shuffled within
            mega-batches of 50 batches, the batches in random order) and evaluate longest first, so
            little of each batch is padding; False gives plain random batches.
        learning_rate: Peak learning rate of AdamW (after warm-up).
        weight_decay: AdamW weight decay, not applied to biases and LayerNorm weights.
        warmup_ratio: Fraction of the steps spent warming the learning rate up linearly from 0.
        epochs: Passes over the training data.
        max_steps: Stop after this many optimizer steps (-1: run all epochs); handy for short runs.
        gradient_clip_val: Clip the gradient norm to this value (0 disables).
        seed: Random seed for Python, NumPy, torch and DataLoader workers.
        accelerator: ``"auto"`` (TPU, then GPU, then CPU), or ``"tpu"``, ``"gpu"``, ``"cpu"``.
        devices: How many devices; 0 uses all that were found.
        precision: Lightning precision; empty chooses 16-mixed (GPU) or 32-true (TPU, CPU).
        strategy: Lightning strategy; ``"auto"`` picks notebook-friendly DDP for several GPUs.
        num_workers: DataLoader worker processes; -1 chooses for the machine.
        log_every_n_steps: How often training metrics are logged.
        resume: Continue from ``last.ckpt`` in ``model_dir`` when it holds a run with the same
            settings; False moves the old run aside and starts over.
        checkpoint_every_minutes: Also save ``last.ckpt`` this often inside an epoch (0: only at epoch
            ends). 20 minutes: an NSMC epoch of kcbert-base takes hours on a T4, so a disconnect loses at
            most 20 minutes, while each save writes about 1.3 GB (weights and AdamW state) to Drive in
            10-30 s, 1-2 % of the time.
        max_time: Stop training cleanly after this much time in this session, ``"DD:HH:MM:SS"``
            (``"00:11:00:00"`` stays under Colab's 12-hour limit); empty for no limit. Each resumed
            session gets the whole time again.
        allow_cpu: Train a real run on a Colab CPU runtime anyway; without it the config cell stops there,
            since kcbert-base trains at 4-10 sequences/s on Colab's 2 CPUs and no session lasts that long.
        profile: ``""`` for the real run, ``"smoke"`` for the offline smoke run, ``"dryrun"`` for the real
            run's code path with a small kcbert-shaped BERT, the embedded samples and few steps.
    """

    pretrained_model_name: str = "beomi/kcbert-base"
    data_root: str = "~/Korpora"
    train_file: str = ""
    val_file: str = ""
    holdout_fraction: float = 0.05
    holdout_max_examples: int = 5000
    max_seq_length: int = 128
    batch_size: int = 0
    group_by_length: bool = True
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    epochs: int = 3
    max_steps: int = -1
    gradient_clip_val: float = 1.0
    seed: int = 7
    accelerator: str = "auto"
    devices: int = 0
    precision: str = ""
    strategy: str = "auto"
    num_workers: int = -1
    log_every_n_steps: int = 50
    resume: bool = True
    checkpoint_every_minutes: float = 20.0
    max_time: str = ""
    allow_cpu: bool = False
    profile: str = ""

    SMOKE: ClassVar[dict[str, Any]] = {}
    """Chapter-specific values of the smoke profile, on top of ``SMOKE_COMMON``."""

    CORPUS_TASK: ClassVar[str] = ""
    """``CorpusSpec.task`` of the corpora this chapter trains on; another chapter's corpus is refused."""

    @property
    def uses_embedded_samples(self) -> bool:
        """Whether training and validation read exactly the package's embedded sample files.

        The notebooks' smoke checks (a minimum score after a few epochs of a tiny model) are calibrated
        on these samples; a learner who runs the smoke profile on their own files must not fail them.
        """
        from nbhelpers.registry import get_corpus, sample_files

        try:
            spec = get_corpus(self.corpus_name)
        except KeyError:
            return False

        def same(files: str, split: str) -> bool:
            given = {os.path.realpath(name.strip()) for name in files.split(",") if name.strip()}
            return bool(given) and given == {os.path.realpath(path) for path in sample_files(spec, split)}

        return same(self.train_file, "train") and same(self.val_file, "val")

    # Core code (trainer, checkpoints, registry, profiles) reads and fills these three through properties,
    # so that a chapter names its fields as the book does (``downstream_*`` in chapters 2-5, see
    # DownstreamConfig) or in its own words (chapter 1's PretrainConfig has fields ``corpus_name`` and
    # ``model_dir``, which take the place of the properties).
    @property
    def model_dir(self) -> str:
        """Where checkpoints, logs, ``metrics.json`` and the export go."""
        raise NotImplementedError(f"{type(self).__name__}에 실행 결과를 둘 곳(model_dir)이 정해져 있지 않습니다.")

    @model_dir.setter
    def model_dir(self, value: str) -> None:
        raise NotImplementedError(f"{type(self).__name__}에 실행 결과를 둘 곳(model_dir)이 정해져 있지 않습니다.")

    @property
    def corpus_name(self) -> str:
        """Registry name of the corpus the chapter trains on."""
        raise NotImplementedError(f"{type(self).__name__}에 말뭉치 이름(corpus_name)이 없습니다.")

    @property
    def task_name(self) -> str:
        """What the chapter trains, e.g. ``"document-classification"``; names the default ``model_dir``."""
        raise NotImplementedError(f"{type(self).__name__}에 과제 이름(task_name)이 없습니다.")


@dataclass
class DownstreamConfig(BaseConfig):
    """Settings of a fine-tuning chapter (2-5), with the book's names for what and where.

    Attributes:
        downstream_task_name: What the chapter trains, e.g. ``"document-classification"``.
        downstream_corpus_name: Registry name of the corpus, e.g. ``"nsmc"``.
        downstream_model_dir: Checkpoints, logs, ``metrics.json`` and the exported model go here.
    """

    downstream_task_name: str = ""
    downstream_corpus_name: str = ""
    downstream_model_dir: str = ""

    @property
    def model_dir(self) -> str:
        return self.downstream_model_dir

    @model_dir.setter
    def model_dir(self, value: str) -> None:
        self.downstream_model_dir = value

    @property
    def corpus_name(self) -> str:
        return self.downstream_corpus_name

    @property
    def task_name(self) -> str:
        return self.downstream_task_name


SMOKE_COMMON: dict[str, Any] = {
    "pretrained_model_name": TINY_MODEL,
    "batch_size": 16,
    # No warmup_ratio here: the smoke run keeps the real schedule's shape (warm-up, then linear decay), so
    # the learning-rate curve a reader sees under the notebook is the one its text describes.
    "learning_rate": 2e-3,
    "epochs": 4,
    # The samples hold a few hundred examples: 5 % would leave some 20 to pick the checkpoint with.
    "holdout_fraction": 0.2,
    "num_workers": 0,
    "log_every_n_steps": 5,
    "accelerator": "cpu",
}


def _parse(value: str, kind: Any, name: str) -> Any:
    try:
        if kind is bool:
            lowered = value.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(value)
            return lowered in ("1", "true", "yes")
        return kind(value)
    except ValueError:
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}={value!r}은(는) config 필드 {name!r}에 맞는 "
            f"{getattr(kind, '__name__', kind)} 값이 아닙니다. 고치는 법: 변수 값을 고치거나 지우세요."
        ) from None


def smoke_values(config: BaseConfig) -> dict[str, Any]:
    """What the smoke profile sets for this chapter: the embedded sample, tiny model, few steps."""
    from nbhelpers.registry import get_corpus, sample_files

    values = dict(SMOKE_COMMON)
    try:
        spec = get_corpus(config.corpus_name)
    except KeyError:  # validate_config names the corpus and the fix
        spec = None
    if spec is not None:
        values["train_file"] = ",".join(str(p) for p in sample_files(spec, "train"))
        values["val_file"] = ",".join(str(p) for p in sample_files(spec, "val"))
    values.update(type(config).SMOKE)
    return values


def dryrun_values(config: BaseConfig) -> dict[str, Any]:
    """What the dryrun profile changes: the kcbert-shaped BERT, the embedded sample, ``max_steps``; nothing else."""
    from nbhelpers.registry import get_corpus, sample_files

    try:
        spec = get_corpus(config.corpus_name)
    except KeyError:  # validate_config names the corpus and the fix
        return {"pretrained_model_name": DRYRUN_MODEL, "max_steps": DRYRUN_MAX_STEPS}
    return {
        "pretrained_model_name": DRYRUN_MODEL,
        "train_file": ",".join(str(p) for p in sample_files(spec, "train")),
        "val_file": ",".join(str(p) for p in sample_files(spec, "val")),
        "max_steps": DRYRUN_MAX_STEPS,
    }


_GENERATIONS = itertools.count(1)
_last_failure = 0
"""Number of the latest ``resolve_config`` call that raised (0: none); configs resolved before it are stale."""


def resolve_config(config: BaseConfig, env: Mapping[str, str] | None = None, show: bool = True) -> BaseConfig:
    """The config to run with: profile, then ``NBHELPERS_<FIELD>`` overrides, then machine-derived values.

    Raises ``ConfigError`` (with the fix) for values that cannot work; see the module docstring.
    """
    global _last_failure
    generation = next(_GENERATIONS)
    try:
        resolved = _apply_profile_and_overrides(config, os.environ if env is None else env)
        validate_config(resolved)
        _derive_runtime(resolved)
    except Exception:
        _last_failure = generation
        raise
    resolved._resolved_generation = generation  # type: ignore[attr-defined]  (not a field: never printed)
    if show:
        print_config(resolved)
    return resolved


def _apply_profile_and_overrides(config: BaseConfig, env: Mapping[str, str]) -> BaseConfig:
    hints = typing.get_type_hints(type(config))
    names = [f.name for f in dataclasses.fields(config)]
    _check_variable_names(env, names)
    values = dataclasses.asdict(config)
    profile = env.get(f"{ENV_PREFIX}PROFILE", config.profile)
    if profile not in PROFILES:
        raise ConfigError(f"{ENV_PREFIX}PROFILE={profile!r}은(는) 없는 프로필입니다. 고치는 법: 'smoke'나 'dryrun'으로 쓰거나 비워 두세요.")
    values["profile"] = profile
    overrides = {
        name: _parse(env[f"{ENV_PREFIX}{name.upper()}"], hints[name], name)
        for name in names
        if name != "profile" and f"{ENV_PREFIX}{name.upper()}" in env
    }
    if profile == "smoke":
        # The profile's sample files depend on the corpus, which an override may have changed.
        values.update(smoke_values(dataclasses.replace(config, **{**values, **overrides})))
    elif profile == "dryrun":
        values.update(dryrun_values(dataclasses.replace(config, **{**values, **overrides})))
    profiled = dataclasses.replace(config, **values)
    if profile:
        # A profile's run writes into a fresh temporary directory; an NBHELPERS_ override of the field still wins.
        profiled.model_dir = tempfile.mkdtemp(prefix=f"nbhelpers-{profile}-{profiled.task_name}-")
    return dataclasses.replace(profiled, **overrides)


def _all_field_names() -> set[str]:
    """Fields of every chapter's config: a variable meant for another chapter (CI sets several) is no typo."""
    from nbhelpers.__main__ import CHAPTERS

    for chapter in CHAPTERS:
        importlib.import_module(f"nbhelpers.{chapter}.config")
    classes = [BaseConfig]
    names: set[str] = set()
    while classes:
        cls = classes.pop()
        names.update(f.name for f in dataclasses.fields(cls))
        classes.extend(cls.__subclasses__())
    return names


def _check_variable_names(env: Mapping[str, str], names: list[str]) -> None:
    """An ``NBHELPERS_*`` variable that names no config field is a typo (``NBHELPERS_EPOCH``): say so and suggest."""
    known = {name.upper() for name in names}
    unknown = [key for key in env if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):] not in known]
    if not unknown:
        return
    everywhere = {name.upper() for name in _all_field_names()}
    typos = sorted(key for key in unknown if key[len(ENV_PREFIX):] not in everywhere)
    if not typos:
        return
    lines = []
    for key in typos:
        close = difflib.get_close_matches(key[len(ENV_PREFIX):].upper(), sorted(known), n=1, cutoff=0.6)
        hint = f"{ENV_PREFIX}{close[0]}의 오타인가요?" if close else "필드 이름은 config 셀에서 확인하세요."
        lines.append(f"{key}에 해당하는 config 필드가 없습니다. {hint}")
    raise ConfigError(
        "; ".join(lines) + f" 고치는 법: 변수 이름을 고치거나 지우세요({ENV_PREFIX}<필드 이름 대문자>, "
        "예: NBHELPERS_EPOCHS=1)."
    )


SEED_RANGE = (0, 2**32 - 1)
"""Seeds NumPy accepts (``set_seed`` seeds NumPy too)."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _known_strategies() -> list[str]:
    from pytorch_lightning.strategies import StrategyRegistry

    return ["auto", *sorted(StrategyRegistry.available_strategies())]


def _corpus_problem(config: BaseConfig) -> str | None:
    """Why the config's corpus name cannot work (unknown, misspelt, another chapter's), or None."""
    from nbhelpers.registry import CORPORA

    name = config.corpus_name
    task = type(config).CORPUS_TASK
    own = sorted(n for n, spec in CORPORA.items() if not task or spec.task == task)
    field = "downstream_corpus_name" if isinstance(config, DownstreamConfig) else "corpus_name"
    if name in CORPORA and (not task or CORPORA[name].task == task):
        return None
    if name in CORPORA:
        problem = f"다른 장의 말뭉치입니다({CORPORA[name].task})"
    else:
        close = difflib.get_close_matches(str(name), own, n=1)
        problem = "등록된 말뭉치가 아닙니다" + (f"({close[0]!r}의 오타인가요?)" if close else "")
    return f"{field}={name!r}: {problem}. 고치는 법: 이 장의 말뭉치 {', '.join(map(repr, own))} 가운데 하나를 쓰세요."


def _model_dir_problem(model_dir: str, config: BaseConfig) -> str | None:
    """Why the run folder cannot be written (a file on the way, no permission), or None; nothing is created."""
    field = "downstream_model_dir" if isinstance(config, DownstreamConfig) else "model_dir"
    path = os.path.abspath(os.path.expanduser(model_dir))
    existing = path
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return (f"{field}={model_dir!r}: 폴더가 있어야 할 자리에 파일이 있습니다({existing}). "
                "고치는 법: 다른 폴더 이름을 쓰세요.")
    if not os.access(existing, os.W_OK | os.X_OK):
        return (f"{field}={model_dir!r}: 이 폴더에 쓸 권한이 없어 체크포인트를 저장할 수 없습니다({existing}). "
                "고치는 법: 쓸 수 있는 폴더(Colab이면 Drive의 폴더)를 쓰세요.")
    return None


def _devices_problem(config: BaseConfig) -> str | None:
    """More GPUs or TPU chips asked for than this machine has (looked up only when more than one is asked for).

    On the CPU ``devices`` counts processes, which Lightning runs however many cores there are.
    """
    if not _is_int(config.devices) or config.devices <= 1 or config.accelerator not in ACCELERATORS:
        return None
    try:
        found = detect_accelerator(config.accelerator)
    except (RuntimeError, ValueError):
        return None  # the accelerator itself is missing: _derive_runtime says so with its fix
    if found.kind == "cpu" or config.devices <= found.devices:
        return None
    unit = {"gpu": "GPU가", "tpu": "TPU 칩이"}[found.kind]
    return (f"devices={config.devices!r}: 이 런타임에는 {unit} {found.devices}개뿐입니다. "
            "고치는 법: 0(찾은 장치 모두)으로 두거나 그 이하로 쓰세요.")


def validate_config(config: BaseConfig, detect_devices: bool = True) -> None:
    """Raise ``ConfigError`` listing every value that cannot work, each with its fix (in Korean).

    ``detect_devices``: also compare ``devices`` with what this machine has (``check_resolved`` skips it:
    ``resolve_config`` already did).
    """
    problems: list[str] = []

    def bad(name: str, problem: str, fix: str) -> None:
        problems.append(f"{name}={getattr(config, name)!r}: {problem}. 고치는 법: {fix}")

    if isinstance(config, DownstreamConfig) and not str(config.pretrained_model_name).strip():
        bad("pretrained_model_name", "모델 이름이 비어 있습니다", "'beomi/kcbert-base'처럼 허브의 모델 이름이나 폴더 경로를 쓰세요.")
    if not str(config.data_root).strip():
        bad("data_root", "말뭉치를 둘 폴더가 비어 있습니다", "'~/Korpora'처럼 폴더 경로를 쓰세요.")
    if not _is_int(config.max_seq_length) or config.max_seq_length <= 0:
        bad("max_seq_length", "1 이상의 정수여야 합니다", "128처럼 쓰세요(모델의 max_position_embeddings 이하).")
    if not _is_int(config.batch_size) or config.batch_size < 0:
        bad("batch_size", "0 이상의 정수여야 합니다", "0(가속기에 맞춰 자동)이나 32처럼 쓰세요.")
    if not _is_number(config.learning_rate) or not math.isfinite(config.learning_rate) or config.learning_rate <= 0:
        bad("learning_rate", "유한한 양수여야 합니다(inf나 nan은 가중치를 망가뜨립니다)", "미세 조정은 5e-5처럼 쓰세요.")
    if not _is_number(config.weight_decay) or not math.isfinite(config.weight_decay) or config.weight_decay < 0:
        bad("weight_decay", "0 이상의 유한한 수여야 합니다", "0.01처럼 쓰세요(0이면 감쇠하지 않습니다).")
    if not _is_number(config.warmup_ratio) or not 0 <= config.warmup_ratio < 1:
        bad("warmup_ratio", "스텝 가운데 워밍업할 비율로, 0 이상 1 미만이어야 합니다", "0.1처럼 쓰세요.")
    if not _is_int(config.epochs) or config.epochs <= 0:
        bad("epochs", "적어도 1 에폭은 학습해야 합니다", "1 이상으로 쓰세요(더 일찍 멈추려면 max_steps를 쓰세요).")
    if not _is_int(config.max_steps) or (config.max_steps != -1 and config.max_steps <= 0):
        bad("max_steps", "-1이거나 1 이상이어야 합니다", "-1(에폭을 모두 학습)이나 멈출 스텝 수를 쓰세요.")
    if (not _is_number(config.gradient_clip_val) or not math.isfinite(config.gradient_clip_val)
            or config.gradient_clip_val < 0):
        bad("gradient_clip_val", "0 이상의 유한한 수여야 합니다", "1.0처럼 쓰세요(0이면 자르지 않습니다).")
    if not _is_int(config.seed) or not SEED_RANGE[0] <= config.seed <= SEED_RANGE[1]:
        bad("seed", f"NumPy가 받는 시드는 {SEED_RANGE[0]}부터 {SEED_RANGE[1]:,}까지의 정수입니다", "7처럼 쓰세요.")
    if config.accelerator not in ACCELERATORS:
        bad("accelerator", "알 수 없는 가속기입니다", "'auto'(TPU, GPU, CPU 순), 'tpu', 'gpu', 'cpu' 가운데 하나를 쓰세요.")
    if not _is_int(config.devices) or config.devices < 0:
        bad("devices", "0 이상의 정수여야 합니다", "0(찾은 장치 모두)이나 쓸 장치 수를 쓰세요.")
    elif detect_devices and (problem := _devices_problem(config)):
        problems.append(problem)
    if config.precision and config.precision not in PRECISIONS:
        close = difflib.get_close_matches(str(config.precision), PRECISIONS, n=1)
        hint = f"{close[0]!r}의 오타인가요? " if close else ""
        bad("precision", f"알 수 없는 정밀도입니다. {hint}".rstrip(),
            f"{', '.join(PRECISIONS[:6])} 가운데 하나를 쓰거나, 비워 두어 가속기에 맞게 고르세요.")
    if config.strategy != "auto" and config.strategy not in _known_strategies():
        close = difflib.get_close_matches(str(config.strategy), _known_strategies(), n=1)
        bad("strategy", "Lightning이 모르는 strategy입니다" + (f"({close[0]!r}의 오타인가요?)" if close else ""),
            "'auto'로 두세요(GPU가 여럿이면 ddp_notebook을 고릅니다).")
    if not _is_int(config.num_workers) or config.num_workers < -1:
        bad("num_workers", "-1 이상의 정수여야 합니다", "-1(자동), 0(메인 프로세스) 또는 워커 수를 쓰세요.")
    if not _is_int(config.log_every_n_steps) or config.log_every_n_steps <= 0:
        bad("log_every_n_steps", "1 이상의 정수여야 합니다", "50처럼 쓰세요.")
    if (not _is_number(config.checkpoint_every_minutes) or math.isnan(config.checkpoint_every_minutes)
            or config.checkpoint_every_minutes < 0):
        bad("checkpoint_every_minutes", "0 이상의 분이어야 합니다", "0(에폭 끝에만 저장)이나 20처럼 쓰세요.")
    try:
        parse_max_time(config.max_time)
    except (ValueError, AttributeError):
        bad("max_time", "기간이 아닙니다", '"00:11:00:00"(11시간)처럼 일:시:분:초로 쓰거나, 비워 두어 제한 없이 학습하세요.')
    try:
        corpus, model_dir = _corpus_problem(config), config.model_dir
    except NotImplementedError:  # a config class that names no corpus or run folder: nothing to check
        corpus, model_dir = None, ""
    if corpus is not None:
        problems.append(corpus)
    if model_dir and (problem := _model_dir_problem(model_dir, config)) is not None:
        problems.append(problem)
    if problems:
        raise ConfigError(f"설정 값 {len(problems)}개를 쓸 수 없습니다.\n- " + "\n- ".join(problems))


def check_resolved(config: BaseConfig) -> None:
    """Refuse a config that did not pass the latest ``resolve_config`` call (see the module docstring).

    The values are validated again too, so ``config.epochs = 0`` typed after the config cell is caught.
    """
    generation = getattr(config, "_resolved_generation", None)
    if generation is None:
        raise ConfigError(
            "이 config는 resolve_config를 거치지 않아 아무것도 검사하거나 채우지 않았습니다. 고치는 법: "
            "config 셀(config = resolve_config(config)로 끝나는 셀)을 실행한 다음 이 셀을 실행하세요."
        )
    if generation < _last_failure:
        raise ConfigError(
            "이 config를 만든 뒤 config 셀이 실패해서, 지금 config는 설정한 값이 아닙니다. 고치는 법: "
            "config 셀 아래에 나온 오류를 고치고 그 셀을 다시 실행한 다음 이 셀을 실행하세요."
        )
    validate_config(config, detect_devices=False)


_DURATION = re.compile(r"(\d+):(\d\d):(\d\d):(\d\d)")


def parse_max_time(value: str) -> timedelta | None:
    """``max_time`` as a duration (None when empty); the format Lightning's ``Trainer(max_time=...)`` takes."""
    if not value.strip():
        return None
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ValueError(
            f"max_time={value!r}은(는) 시간 길이가 아닙니다. 고치는 법: DD:HH:MM:SS로 쓰거나(예: 11시간은 "
            "\"00:11:00:00\") 제한이 없으면 비워 두세요."
        )
    days, hours, minutes, seconds = (int(group) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _check_cpu_runtime(config: BaseConfig, kind: str) -> None:
    """A real run on a Colab CPU runtime stops here, before any download, unless the learner chose the CPU.

    Free Colab users who hit the GPU limit reconnect without one, and the notebook would otherwise start
    a run of many hours that no session outlives. Off Colab (local Jupyter, CI) the machine is the
    learner's own choice; ``accelerator="cpu"`` or ``allow_cpu`` say the choice is deliberate.
    """
    from nbhelpers.colab import is_colab

    if kind != "cpu" or config.profile or config.allow_cpu or config.accelerator == "cpu" or not is_colab():
        return
    raise ConfigError(
        "Colab의 CPU 런타임입니다. 이 설정의 학습은 CPU로 몇 시간 넘게 걸려 Colab 세션이 먼저 끝날 수 있습니다. "
        "고치는 법: 런타임 > 런타임 유형 변경에서 T4 GPU(또는 TPU)를 고르고 처음부터 다시 실행하세요. "
        "그래도 CPU로 학습하려면 설정 셀의 allow_cpu를 체크하세요."
    )


def _derive_runtime(config: BaseConfig) -> None:
    """Fill in what the machine decides; an "auto" batch size resuming a run takes that run's (``run.json``)."""
    parse_max_time(config.max_time)  # a typo fails here, not hours later when the Trainer is built
    accelerator = detect_accelerator(config.accelerator)
    _check_cpu_runtime(config, accelerator.kind)
    config.accelerator = accelerator.kind
    config.devices = config.devices or accelerator.devices
    config.precision = config.precision or default_precision(accelerator.kind)
    # What the learner asked for (0: auto) is what identifies their run, not the machine's choice below.
    config._requested_batch_size = max(config.batch_size, 0)  # type: ignore[attr-defined]  (not a field)
    if config.batch_size <= 0:
        config.batch_size = {"gpu": 32, "tpu": 32}.get(accelerator.kind, 8)
    if config.num_workers < 0:
        config.num_workers = 0 if accelerator.kind == "cpu" else min(4, cpu_count())
    if config.strategy == "auto" and accelerator.kind == "gpu" and config.devices > 1:
        config.strategy = "ddp_notebook"
    if not config.model_dir:
        config.model_dir = os.path.expanduser(f"~/nlpbook/checkpoint-{config.task_name}")
    from nbhelpers.rundir import resumed_batch_size  # rundir imports this module

    resumed = resumed_batch_size(config)
    if resumed is not None and resumed != config.batch_size:
        # A run started on a GPU (32) and resumed on a CPU (8) keeps its batch size, hence its steps and schedule.
        print(f"batch_size = {resumed}: 이어서 학습할 실행({config.model_dir})이 이 값으로 학습했으므로 그대로 씁니다"
              f"(이 기기에서 자동으로 고르면 {config.batch_size}).")
        config.batch_size = resumed


SHOWN_FIELDS = (
    "pretrained_model_name", "corpus_name", "downstream_corpus_name", "train_file", "val_file",
    "max_seq_length", "batch_size", "learning_rate", "epochs", "model_dir", "downstream_model_dir",
    "accelerator", "devices", "precision",
)
"""Fields the config cell always shows: what is trained on what, how long, and where the run goes."""

MACHINE_FIELDS = ("num_workers", "strategy")
"""Filled in for the machine by ``resolve_config``: not something a learner set, so not shown as a change."""


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return field.default_factory()  # type: ignore[misc]
    return dataclasses.MISSING


def print_config(config: BaseConfig, full: bool = False) -> None:
    """``name = value`` lines: the main fields and those that differ from the chapter's defaults.

    The full config is some 30 fields; the config cell shows the dozen that say what this run is (model,
    corpus, files, length, batch, learning rate, epochs, run folder, device) and every other field that a
    profile, an ``NBHELPERS_*`` variable or the notebook changed. ``full=True`` prints every field.
    Paths of the embedded samples are shown from ``nbhelpers/``, not the install folder.
    """
    fields = dataclasses.fields(config)
    shown = [
        f for f in fields
        if full or f.name in SHOWN_FIELDS
        or (f.name not in MACHINE_FIELDS and getattr(config, f.name) != _default(f))
    ]
    width = max(len(f.name) for f in shown)
    for f in shown:
        print(f"{f.name:<{width}} = {shown_path(repr(getattr(config, f.name)))}")
    if len(shown) < len(fields):
        print(f"(나머지 {len(fields) - len(shown)}개는 기본값입니다. 모두 보려면 print_config(config, full=True))")
