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
        data_root: Where downloaded corpora are cached (Korpora's layout, so the book's downloads are reused).
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
    profile: str = ""

    SMOKE: ClassVar[dict[str, Any]] = {}
    """Chapter-specific values of the smoke profile, on top of ``SMOKE_COMMON``."""

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
        raise NotImplementedError(f"{type(self).__name__} does not say where its run goes (model_dir).")

    @model_dir.setter
    def model_dir(self, value: str) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not say where its run goes (model_dir).")

    @property
    def corpus_name(self) -> str:
        """Registry name of the corpus the chapter trains on."""
        raise NotImplementedError(f"{type(self).__name__} does not name its corpus (corpus_name).")

    @property
    def task_name(self) -> str:
        """What the chapter trains, e.g. ``"document-classification"``; names the default ``model_dir``."""
        raise NotImplementedError(f"{type(self).__name__} does not name its task (task_name).")


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
            f"{ENV_PREFIX}{name.upper()}={value!r} is not a valid {getattr(kind, '__name__', kind)} "
            f"for config field {name!r}."
        ) from None


def smoke_values(config: BaseConfig) -> dict[str, Any]:
    """What the smoke profile sets for this chapter: the embedded sample, tiny model, few steps."""
    from nbhelpers.registry import get_corpus, sample_files

    values = dict(SMOKE_COMMON)
    spec = get_corpus(config.corpus_name)
    values["train_file"] = ",".join(str(p) for p in sample_files(spec, "train"))
    values["val_file"] = ",".join(str(p) for p in sample_files(spec, "val"))
    values.update(type(config).SMOKE)
    return values


def dryrun_values(config: BaseConfig) -> dict[str, Any]:
    """What the dryrun profile changes: the kcbert-shaped BERT, the embedded sample, ``max_steps``; nothing else."""
    from nbhelpers.registry import get_corpus, sample_files

    spec = get_corpus(config.corpus_name)
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
        raise ConfigError(f"{ENV_PREFIX}PROFILE={profile!r}: use 'smoke', 'dryrun' or leave it unset.")
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
        hint = f"did you mean {ENV_PREFIX}{close[0]}?" if close else "see the config cell for the field names."
        lines.append(f"{key} names no config field; {hint}")
    raise ConfigError(
        "; ".join(lines) + f" How to fix: rename or unset the variable ({ENV_PREFIX}<FIELD> in capitals, "
        "e.g. NBHELPERS_EPOCHS=1)."
    )


def validate_config(config: BaseConfig) -> None:
    """Raise ``ConfigError`` listing every value that cannot work, each with its fix."""
    problems: list[str] = []
    if config.epochs <= 0:
        problems.append(f"epochs={config.epochs!r}: train for at least 1 epoch (max_steps stops a run earlier).")
    if not 0 <= config.warmup_ratio < 1:
        problems.append(f"warmup_ratio={config.warmup_ratio!r}: use a fraction of the steps in [0, 1), e.g. 0.1.")
    if config.precision and config.precision not in PRECISIONS:
        close = difflib.get_close_matches(str(config.precision), PRECISIONS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(f"precision={config.precision!r}: {hint}use one of {', '.join(PRECISIONS[:6])}, "
                        "or '' to choose for the accelerator.")
    if config.accelerator not in ACCELERATORS:
        problems.append(f"accelerator={config.accelerator!r}: use 'auto' (TPU, then GPU, then CPU), 'tpu', 'gpu' "
                        "or 'cpu'.")
    if config.devices < 0:
        problems.append(f"devices={config.devices!r}: use 0 for every device found, or how many to use.")
    if config.checkpoint_every_minutes < 0:
        problems.append(f"checkpoint_every_minutes={config.checkpoint_every_minutes!r}: use 0 (only at epoch "
                        "ends) or a number of minutes, e.g. 20.")
    if problems:
        raise ConfigError("Config error: " + " ".join(problems))


def check_resolved(config: BaseConfig) -> None:
    """Refuse a config that did not pass the latest ``resolve_config`` call (see the module docstring).

    The values are validated again too, so ``config.epochs = 0`` typed after the config cell is caught.
    """
    generation = getattr(config, "_resolved_generation", None)
    if generation is None:
        raise ConfigError(
            "this config did not go through resolve_config, so nothing was checked or filled in. How to fix: "
            "run the config cell (it ends with config = resolve_config(config)), then this cell."
        )
    if generation < _last_failure:
        raise ConfigError(
            "the config cell failed after this config was made, so it is not the config you set. How to fix: "
            "correct the error shown under the config cell, run that cell again, then this cell."
        )
    validate_config(config)


_DURATION = re.compile(r"(\d+):(\d\d):(\d\d):(\d\d)")


def parse_max_time(value: str) -> timedelta | None:
    """``max_time`` as a duration (None when empty); the format Lightning's ``Trainer(max_time=...)`` takes."""
    if not value.strip():
        return None
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ValueError(
            f"max_time={value!r} is not a duration. How to fix: write DD:HH:MM:SS, e.g. \"00:11:00:00\" for "
            "11 hours, or leave it empty for no limit."
        )
    days, hours, minutes, seconds = (int(group) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _derive_runtime(config: BaseConfig) -> None:
    parse_max_time(config.max_time)  # a typo fails here, not hours later when the Trainer is built
    accelerator = detect_accelerator(config.accelerator)
    config.accelerator = accelerator.kind
    config.devices = config.devices or accelerator.devices
    config.precision = config.precision or default_precision(accelerator.kind)
    if config.batch_size <= 0:
        config.batch_size = {"gpu": 32, "tpu": 32}.get(accelerator.kind, 8)
    if config.num_workers < 0:
        config.num_workers = 0 if accelerator.kind == "cpu" else min(4, cpu_count())
    if config.strategy == "auto" and accelerator.kind == "gpu" and config.devices > 1:
        config.strategy = "ddp_notebook"
    if not config.model_dir:
        config.model_dir = os.path.expanduser(f"~/nlpbook/checkpoint-{config.task_name}")


def print_config(config: BaseConfig) -> None:
    """One ``name = value`` line per field; the embedded samples' paths shown from ``nbhelpers/``, not the install."""
    width = max(len(f.name) for f in dataclasses.fields(config))
    for f in dataclasses.fields(config):
        print(f"{f.name:<{width}} = {shown_path(repr(getattr(config, f.name)))}")
