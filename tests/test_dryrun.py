"""The real-shaped dry run (issue 9 item 9): the real code path with only model, data and max_steps shrunk.

The smoke profile changes the model, the data and the settings at once (learning rate, warm-up, epochs,
max_seq_length), which is how bugs that only the real settings reach stayed hidden. The dryrun profile
keeps every setting of the real run and shrinks three things; notebook 02 runs that way in CI.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoConfig, AutoTokenizer

from nbhelpers.classification.config import ClassificationConfig
from nbhelpers.config import DRYRUN_MAX_STEPS, DRYRUN_MODEL, resolve_config
from nbhelpers.pretrained import dryrun_bert_config, resolve_pretrained

ROOT = Path(__file__).resolve().parent.parent
SHRUNK = {"pretrained_model_name", "train_file", "val_file", "max_steps", "downstream_model_dir"}


def test_dryrun_changes_only_model_data_and_max_steps() -> None:
    real = resolve_config(ClassificationConfig(), env={}, show=False)
    dry = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "dryrun"}, show=False)
    assert (dry.pretrained_model_name, dry.max_steps) == (DRYRUN_MODEL, DRYRUN_MAX_STEPS)
    assert dry.train_file.endswith("nsmc_train.txt") and dry.val_file.endswith("nsmc_val.txt")
    for field in dataclasses.fields(real):
        if field.name not in SHRUNK | {"profile"}:
            assert getattr(dry, field.name) == getattr(real, field.name), field.name
    # The real run's schedule and lengths, unlike the smoke profile's.
    assert (dry.warmup_ratio, dry.learning_rate, dry.max_seq_length, dry.epochs) == (0.1, 5e-5, 128, 3)
    smoke = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "smoke"}, show=False)
    assert (smoke.learning_rate, smoke.epochs) != (dry.learning_rate, dry.epochs)


def test_dryrun_model_has_kcbert_base_shape() -> None:
    config = dryrun_bert_config()
    assert (config.vocab_size, config.max_position_embeddings, config.hidden_size) == (30000, 300, 768)
    assert (config.num_attention_heads, config.intermediate_size, config.type_vocab_size) == (12, 3072, 2)
    assert config.num_hidden_layers < 12


@pytest.mark.slow
def test_notebook_02_runs_the_real_code_path_in_the_dryrun_profile(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("NBHELPERS_")}  # CI sets several
    env.update({"HF_HUB_OFFLINE": "1", "NBHELPERS_PROFILE": "dryrun", "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
               "--nbval-cell-timeout=300", "notebooks/02_doc_classification.ipynb"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # The model it trained is the kcbert-shaped one, with a tokenizer of exactly 30,000 entries.
    dry = resolve_config(ClassificationConfig(), env={"NBHELPERS_PROFILE": "dryrun"}, show=False)
    from nbhelpers.classification.nsmc import read_nsmc

    model_dir = resolve_pretrained(dry, [e.text_a for e in read_nsmc([dry.train_file])])
    assert (AutoConfig.from_pretrained(model_dir).vocab_size, len(AutoTokenizer.from_pretrained(model_dir))) == (30000, 30000)
