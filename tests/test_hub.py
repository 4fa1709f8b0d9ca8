"""Model cards (offline) and push_to_hub against a fake hub API: no test here touches the network."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from huggingface_hub import ModelCard
from huggingface_hub.errors import HfHubHTTPError

import nbhelpers.classification
import nbhelpers.ner
import nbhelpers.pretraining
import nbhelpers.qa  # noqa: F401 (the chapters register their corpora)
from nbhelpers.classification.config import (
    ClassificationConfig,
    PairClassificationConfig,
)
from nbhelpers.config import BaseConfig
from nbhelpers.hub import (
    CARD_FILE,
    default_repo_name,
    hub_token,
    push_to_hub,
    write_model_card,
)
from nbhelpers.ner.config import NERConfig
from nbhelpers.pretraining.config import PretrainConfig
from nbhelpers.qa.config import QAConfig
from nbhelpers.registry import get_corpus, sample_files

VERSIONS = {"python": "3.11.9", "torch": "2.11.0", "transformers": "5.15.0"}


def _front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(head)


def _run(tmp_path: Path, config: BaseConfig, scores: dict[str, float]) -> tuple[BaseConfig, Path]:
    """A finished run: metrics.json in the model dir (as finish_training writes it) and an export dir."""
    model_dir = tmp_path / "run"
    model_dir.mkdir()
    config = dataclasses.replace(config)
    config.model_dir = str(model_dir)  # every chapter's run directory, whatever its field is called
    record = {**scores, "val_loss": 0.5, "best_checkpoint": str(model_dir / "best.ckpt"), "global_step": 120,
              "wall_time_seconds": 33.3, "config": dataclasses.asdict(config), "versions": VERSIONS}
    (model_dir / "metrics.json").write_text(json.dumps(record), encoding="utf-8")
    export_dir = model_dir / "export"
    export_dir.mkdir()
    (export_dir / "config.json").write_text("{}", encoding="utf-8")
    return config, export_dir


CHAPTERS = [
    # config, reported scores in metrics.json, the model's licence, hub datasets, (config, split) of the
    # reported set on the hub, pipeline tag, model-index metrics
    (ClassificationConfig(), {"accuracy": 0.8912000036239624}, {"license": "apache-2.0"}, ["e9t/nsmc"],
     (None, "test"), "text-classification", [("accuracy", 0.8912)]),
    (PairClassificationConfig(), {"accuracy": 0.75}, {"license": "cc-by-sa-4.0"}, ["klue/klue"], ("nli", "validation"),
     "text-classification", [("accuracy", 0.75)]),
    (PairClassificationConfig(downstream_corpus_name="kornli"), {"accuracy": 0.7}, {"license": "cc-by-sa-4.0"},
     ["kakaobrain/kor_nli"], ("xnli", "validation"), "text-classification", [("accuracy", 0.7)]),
    (NERConfig(), {"entity_f1": 0.84, "entity_f1_macro": 0.8, "entity_precision": 0.85,
                   "entity_recall": 0.83, "test_token_acc": 0.97},
     {"license": "other", "license_name": "kmou-ner-non-commercial", "license_link": "https://github.com/kmounlp/NER"},
     None, (None, None), "token-classification", [("f1", 0.84), ("f1", 0.8), ("precision", 0.85), ("recall", 0.83)]),
    (NERConfig(downstream_corpus_name="klue-ner"), {"entity_f1": 0.8}, {"license": "cc-by-sa-4.0"}, ["klue/klue"],
     ("ner", "validation"), "token-classification", [("f1", 0.8)]),
    (QAConfig(), {"exact_match": 60.25, "f1": 84.38999938964844},
     {"license": "other", "license_name": "cc-by-nd-2.0-kr",
      "license_link": "https://creativecommons.org/licenses/by-nd/2.0/kr/"},
     ["KorQuAD/squad_kor_v1"], ("squad_kor_v1", "validation"), "question-answering",
     [("exact_match", 60.25), ("f1", 84.39)]),
    (PretrainConfig(), {"mlm_accuracy": 0.41, "perplexity": 30.5}, {"license": "cc-by-sa-3.0"}, None, (None, None),
     "fill-mask", [("accuracy", 0.41), ("perplexity", 30.5)]),
]


@pytest.mark.parametrize(("config", "scores", "licence", "datasets", "where", "tag", "results"), CHAPTERS,
                         ids=lambda value: getattr(value, "downstream_corpus_name", None))
def test_card_metadata_for_each_chapter(
    tmp_path: Path, config: BaseConfig, scores: dict[str, float], licence: dict[str, str],
    datasets: list[str] | None, where: tuple[str | None, str | None], tag: str, results: list[tuple[str, float]],
) -> None:
    config, export_dir = _run(tmp_path, config, scores)
    path = write_model_card(export_dir, config, repo_id="learner/my-model")
    assert path == export_dir / CARD_FILE
    text = path.read_text(encoding="utf-8")
    meta = _front_matter(text)

    assert meta["language"] == "ko" and meta["pipeline_tag"] == tag and meta["library_name"] == "transformers"
    assert {key: meta.get(key) for key in licence} == licence
    assert meta.get("datasets") == datasets
    if config.pretrained_model_name:
        assert meta["base_model"] == "beomi/kcbert-base"
    else:  # chapter 1 trains from scratch
        assert "base_model" not in meta
    (entry,) = meta["model-index"]
    assert entry["name"] == "my-model"
    (result,) = entry["results"]
    assert result["task"]["type"] == tag
    assert [(m["type"], m["value"]) for m in result["metrics"]] == results  # rounded: no float32 noise
    assert (result["dataset"].get("config"), result["dataset"].get("split")) == where
    widget = meta.get("widget")
    if isinstance(config, PairClassificationConfig):
        assert widget is None  # the text-classification widget cannot give a sentence pair
    else:
        assert widget and all(any("가" <= ch <= "힣" for ch in example["text"]) for example in widget)
        assert ("context" in widget[0]) == isinstance(config, QAConfig)
    assert meta["metrics"] == list(dict.fromkeys(kind for kind, _ in results))

    # The hub's own parser reads the same scores back.
    card = ModelCard.load(path)
    assert [(r.metric_type, r.metric_value) for r in card.data.eval_results] == results

    # Body: English summary, Korean text, the licence's terms, config and versions tables; no local paths.
    chapter = {ClassificationConfig: 2, PairClassificationConfig: 3, NERConfig: 4, QAConfig: 5, PretrainConfig: 1}
    assert "*English summary: a Korean " in text and f"chapter {chapter[type(config)]})" in text
    assert f"한국어 NLP 노트북 {chapter[type(config)]}장에서 만들었습니다." in text
    assert "## 라이선스" in text and "## 학습 설정" in text and "## 라이브러리 버전" in text
    assert f"| `learning_rate` | {config.learning_rate!r} |" in text
    assert "| transformers | 5.15.0 |" in text and "| 학습 스텝 | 120 |" in text
    assert str(tmp_path) not in text
    assert '"learner/my-model"' in text  # the usage example loads the pushed repository


def test_licence_terms_are_stated_in_korean(tmp_path: Path) -> None:
    config, export_dir = _run(tmp_path, QAConfig(), {"exact_match": 1.0, "f1": 2.0})
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    assert "CC BY-ND 2.0 KR" in text and "변경금지" in text
    (tmp_path / "ner").mkdir()
    config, export_dir = _run(tmp_path / "ner", NERConfig(), {"entity_f1": 0.5})
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    assert "비상업적 용도로만" in text
    assert "pipeline(\"token-classification\"" in text


def test_card_without_metrics_json_has_no_scores(tmp_path: Path) -> None:
    config = ClassificationConfig(downstream_model_dir=str(tmp_path / "never-trained"))
    (tmp_path / "export").mkdir()
    text = write_model_card(tmp_path / "export", config).read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert "model-index" not in meta and "metrics" not in meta and meta["license"] == "apache-2.0"
    assert "metrics.json" in text
    assert default_repo_name(config) == "kcbert-base-nsmc"
    assert 'model="kcbert-base-nsmc"' in text


def _smoke_nsmc(model: str) -> ClassificationConfig:
    """A smoke-profile chapter 2 config on the embedded NSMC sample with ``model``."""
    spec = get_corpus("nsmc")
    return ClassificationConfig(profile="smoke", pretrained_model_name=model,
                                train_file=",".join(map(str, sample_files(spec, "train"))),
                                val_file=",".join(map(str, sample_files(spec, "val"))))


def test_smoke_and_own_data_do_not_claim_the_public_corpus(tmp_path: Path) -> None:
    smoke = _smoke_nsmc("tiny-bert")
    config, export_dir = _run(tmp_path, smoke, {"accuracy": 0.8})
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert meta["license"] == "mit" and "datasets" not in meta and "base_model" not in meta
    assert meta["model-index"][0]["results"][0]["dataset"]["type"] == "nbhelpers-sample-nsmc"
    assert "시험용 모델" in text

    (tmp_path / "own").mkdir()
    own = ClassificationConfig(train_file="/home/learner/private/reviews.txt", val_file="/home/learner/private/dev.txt")
    config, export_dir = _run(tmp_path / "own", own, {"accuracy": 0.9})
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert (meta["license"], meta["license_name"]) == ("other", "see-training-data") and "datasets" not in meta
    assert "/home/learner" not in text and "'reviews.txt'" in text


def test_card_names_the_exported_models_family(tmp_path: Path) -> None:
    """A RoBERTa or ELECTRA export is tagged and described as such, not as BERT."""
    smoke = _smoke_nsmc("tiny-roberta")
    config, export_dir = _run(tmp_path, smoke, {"accuracy": 0.8})
    (export_dir / "config.json").write_text(json.dumps({"model_type": "roberta"}), encoding="utf-8")
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    assert _front_matter(text)["tags"] == ["korean", "roberta", "nbhelpers"]
    assert "작은 RoBERTa" in text and "BERT," not in text


def test_smoke_profile_on_own_kmou_files_keeps_their_terms(tmp_path: Path) -> None:
    """The smoke profile trains on the learner's files when they give them: no 'embedded sample', no MIT."""
    own = NERConfig(profile="smoke", pretrained_model_name="tiny-bert",
                    train_file="/home/learner/kmou/00002_NER.txt", val_file="/home/learner/kmou/00002_NER.txt")
    config, export_dir = _run(tmp_path, own, {"entity_f1": 0.5})
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert (meta["license"], meta["license_name"]) == ("other", "see-training-data")
    assert "내장 예제" not in text and "시험용 모델" not in text and "직접 준 파일" in text
    assert "비상업적 용도로만" in text  # KMOU's terms, should the files be KMOU's


def test_card_says_which_set_picked_the_checkpoint_and_which_is_reported(tmp_path: Path) -> None:
    record = {"accuracy": 0.9, "selected_on": {"set": "검증 데이터(ratings_train.txt에서 떼어 냄)", "examples": 5000},
              "reported_on": {"set": "평가 데이터(ratings_test.txt)", "examples": 50000, "same_as_selection": False}}
    config, export_dir = _run(tmp_path, ClassificationConfig(), record)
    text = write_model_card(export_dir, config).read_text(encoding="utf-8")
    assert "쓰지 않은 평가 데이터(ratings_test.txt) 50,000개에서" in text
    assert "체크포인트는 검증 데이터(ratings_train.txt에서 떼어 냄) 5,000개로" in text
    assert "Apache" in text or "apache-2.0" in text


class FakeHub:
    """Records what push_to_hub asks of the hub API; the repo lands in the token's account like the real one."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def create_repo(self, repo_id: str, **kwargs: Any) -> Any:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        if self.fail:
            raise self.fail
        return type("RepoUrl", (), {"repo_id": repo_id if "/" in repo_id else f"learner/{repo_id}"})()

    def upload_folder(self, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", kwargs))


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    config, export_dir = _run(tmp_path, ClassificationConfig(), {"val_acc": 0.9})
    write_model_card(export_dir, config)
    return export_dir


def _no_colab(name: str) -> str | None:
    raise ImportError("No module named 'google.colab'")


def test_push_creates_a_private_repo_and_uploads_the_export_dir(exported: Path) -> None:
    hub = FakeHub()
    url = push_to_hub(exported, "kcbert-nsmc", token="hf_test", api=hub)
    assert url == "https://huggingface.co/learner/kcbert-nsmc"
    assert hub.calls == [
        ("create_repo", {"repo_id": "kcbert-nsmc", "private": True, "repo_type": "model", "exist_ok": True}),
        ("upload_folder", {"repo_id": "learner/kcbert-nsmc", "folder_path": str(exported), "repo_type": "model",
                           "commit_message": "Upload model, tokenizer and model card (nbhelpers)"}),
    ]
    public = FakeHub()
    push_to_hub(exported, "learner/open", token="hf_test", api=public, private=False)
    assert public.calls[0][1]["private"] is False


def test_push_without_token_skips_with_a_message(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hub = FakeHub()
    assert push_to_hub(exported, "kcbert-nsmc", api=hub, read_secret=_no_colab) is None
    assert hub.calls == []
    out = capsys.readouterr().out
    assert "허브에 올리지 않았습니다" in out and "HF_TOKEN" in out and "huggingface.co/settings/tokens" in out


def _raising(name: str) -> Any:
    error = type(name, (Exception,), {})  # Colab's userdata errors, by name (their bases differ)

    def read(secret: str) -> str | None:
        raise error(secret)

    return read


@pytest.mark.parametrize(("reader", "said"), [
    (_raising("SecretNotFoundError"), "보안 비밀에 HF_TOKEN이 없습니다"),
    (_raising("NotebookAccessError"), "노트북 액세스"),
    (_raising("TimeoutException"), "시간이 초과"),
    (lambda name: "", "비어 있습니다"),
])
def test_colab_secret_problems_are_explained(reader: Any, said: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    token, problem = hub_token(reader)
    assert token is None and said in problem
    # The environment variable still works when the secret cannot be read.
    assert hub_token(reader, env={"HF_TOKEN": "hf_env"}) == ("hf_env", "")


def test_token_from_colab_secret_reaches_hfapi(exported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    made: list[FakeHub] = []
    seen: list[str] = []

    def fake_api(token: str) -> FakeHub:
        seen.append(token)
        made.append(FakeHub())
        return made[-1]

    monkeypatch.setattr(huggingface_hub, "HfApi", fake_api)
    push_to_hub(exported, "kcbert-nsmc", read_secret=lambda name: "hf_from_secret" if name == "HF_TOKEN" else None)
    assert seen == ["hf_from_secret"] and made[0].calls[0][1]["private"] is True
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    push_to_hub(exported, "kcbert-nsmc", read_secret=_no_colab)
    assert seen[-1] == "hf_from_env"


def test_offline_push_touches_no_network(exported: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("push_to_hub opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_would_work_online")
    secrets_read: list[str] = []
    assert push_to_hub(exported, "kcbert-nsmc", read_secret=secrets_read.append) is None  # real HfApi path
    assert secrets_read == []  # not even Colab's secret prompt
    assert "HF_HUB_OFFLINE=1" in capsys.readouterr().out


def test_push_needs_an_export_with_a_card(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"config\.json이\(가\) 없습니다\. 고치는 법: 먼저 export_model\(\)"):
        push_to_hub(tmp_path, "x", token="t", api=FakeHub())
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"README\.md이\(가\) 없습니다\. 고치는 법: 먼저 write_model_card\(\)"):
        push_to_hub(tmp_path, "x", token="t", api=FakeHub())


def test_hub_refusal_says_what_to_fix(exported: Path) -> None:
    class Unauthorized(HfHubHTTPError):
        def __init__(self) -> None:
            Exception.__init__(self, "401 Client Error: Unauthorized")

    with pytest.raises(RuntimeError, match=r"kcbert-nsmc'에 올리지 못했습니다: 401.*고치는 법: 쓰기 권한\(write\)이 있는"):
        push_to_hub(exported, "kcbert-nsmc", token="hf_read_only", api=FakeHub(fail=Unauthorized()))


@pytest.mark.parametrize("task", ["classification", "pair-classification", "ner", "qa", "pretraining"])
def test_usage_example_on_the_card_runs(task: str, tmp_path: Path, tiny_model_dir: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A learner copies the card's snippet: it must run on an exported model as written."""
    from transformers import (
        AutoModelForMaskedLM,
        AutoModelForQuestionAnswering,
        AutoModelForSequenceClassification,
        AutoModelForTokenClassification,
        AutoTokenizer,
    )

    from nbhelpers.hub import TASK_CARDS

    auto = {"classification": AutoModelForSequenceClassification, "pair-classification":
            AutoModelForSequenceClassification, "ner": AutoModelForTokenClassification,
            "qa": AutoModelForQuestionAnswering, "pretraining": AutoModelForMaskedLM}[task]
    labels = {"ner": {"id2label": {0: "O", 1: "B-PER", 2: "I-PER"}}}.get(task, {})
    auto.from_pretrained(tiny_model_dir, **labels).save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(tmp_path)
    snippet = compile(TASK_CARDS[task].usage.format(model=str(tmp_path)), f"<{task} usage>", "exec")
    exec(snippet, {})  # noqa: S102 (the project's own snippet, run as a learner would paste it)
    printed = capsys.readouterr().out.strip()
    assert printed
    if task == "qa":
        assert printed in "한라산은 제주도 한가운데에 있는 산으로, 높이는 1,947m이다."
