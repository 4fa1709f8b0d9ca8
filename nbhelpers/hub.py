"""Sharing a trained model the way the Hugging Face course does: a model card, then ``push_to_hub``.

Every chapter ends with an exported directory (``export_model``). ``write_model_card`` puts a
``README.md`` into it: YAML metadata the hub reads (language, the model's licence, base model, datasets,
metrics, a ``model-index`` with the reported scores from ``metrics.json`` on the split they were measured
on, and Korean ``widget`` examples), then, in Korean with an English summary line, how to use the model,
the licences of the base model and of the training data and what they allow, the scores and which set
picked the checkpoint, the training config and the library versions. ``push_to_hub`` uploads the directory to a **private**
repository by default; without a token (Colab Secrets or ``HF_TOKEN``) or with ``HF_HUB_OFFLINE=1``
it explains and returns without touching the network, so CI and learners without an account run the
same cell.

The card's ``license`` is the model's: the base model's licence (kcbert-base: Apache-2.0), unless the
training data's terms bind the model. Share-alike data (KLUE, KorNLI, kowikitext) gives its own CC BY-SA
licence; data whose terms restrict use (KMOU NER: non-commercial only; KorQuAD 1.0: CC BY-ND 2.0 KR) gives
``other`` with those terms named, so a model fine-tuned on non-commercial data says so where the hub shows
a licence. The data's licence is stated separately in the body. That is also why nothing is made public
unless the learner asks for it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nbhelpers.config import TINY_MODEL, BaseConfig

CARD_FILE = "README.md"
"""The model card's file name: the hub renders a repository's README.md as its card."""

TOKEN_NAME = "HF_TOKEN"
"""Name of the Colab secret and of the environment variable that hold a Hugging Face write token."""


@dataclass(frozen=True)
class DatasetTerms:
    """What a model card says about one corpus: where it lives and what its licence asks.

    Attributes:
        name: Name shown on the card.
        url: The corpus's home page.
        hub_id: Dataset id on the Hugging Face hub, or ``""`` when it is not there.
        license: The data's licence id as the hub knows it, or ``"other"`` for one it does not list.
        license_name: Short id of an ``"other"`` licence.
        license_link: Where the licence text is (for an ``"other"`` licence).
        terms: What the licence asks of a model trained on the corpus, in Korean.
        binds_model: What the data's terms make of a model trained on it: ``""`` nothing (the model keeps
            the base model's licence), ``"share-alike"`` (the model takes the data's licence) or
            ``"restricts"`` (the model may only be used under the data's terms: ``license: other``).
        hub_config: The dataset's configuration on the hub (``load_dataset("klue/klue", "nli")``), or ``""``.
        reported_split: The hub split of the file the chapter reports its scores on (NSMC's is ``test``).
        licence_en: The data's licence in a few English words, for the card's summary line.
    """

    name: str
    url: str
    hub_id: str
    license: str
    license_name: str = ""
    license_link: str = ""
    terms: str = ""
    binds_model: str = ""
    hub_config: str = ""
    reported_split: str = ""
    licence_en: str = ""


_SHARE_ALIKE_4 = (
    "CC BY-SA 4.0: 출처를 밝혀야 하고, 이 데이터로 만든 저작물은 같은 조건(동일조건변경허락)으로 공개해야 합니다. "
    "그래서 이 모델의 라이선스도 cc-by-sa-4.0입니다."
)

DATASET_TERMS: dict[str, DatasetTerms] = {
    "nsmc": DatasetTerms(
        "NSMC (Naver Sentiment Movie Corpus)", "https://github.com/e9t/nsmc", "e9t/nsmc", "cc0-1.0",
        terms="CC0 1.0(퍼블릭 도메인 헌정): 조건 없이 쓸 수 있습니다.",
        reported_split="test", licence_en="CC0 1.0",
    ),
    "klue-nli": DatasetTerms(
        "KLUE-NLI v1.1", "https://github.com/KLUE-benchmark/KLUE", "klue/klue", "cc-by-sa-4.0", terms=_SHARE_ALIKE_4,
        binds_model="share-alike", hub_config="nli", reported_split="validation", licence_en="CC BY-SA 4.0",
    ),
    "kornli": DatasetTerms(
        "KorNLI", "https://github.com/kakaobrain/kor-nlu-datasets", "kakaobrain/kor_nli", "cc-by-sa-4.0",
        terms=_SHARE_ALIKE_4, binds_model="share-alike", hub_config="xnli", reported_split="validation",
        licence_en="CC BY-SA 4.0",
    ),
    "klue-ner": DatasetTerms(
        "KLUE-NER v1.1", "https://github.com/KLUE-benchmark/KLUE", "klue/klue", "cc-by-sa-4.0", terms=_SHARE_ALIKE_4,
        binds_model="share-alike", hub_config="ner", reported_split="validation", licence_en="CC BY-SA 4.0",
    ),
    "ner": DatasetTerms(
        "KMOU NER (한국해양대학교 개체명 말뭉치)", "https://github.com/kmounlp/NER", "", "other",
        license_name="kmou-ner-non-commercial", license_link="https://github.com/kmounlp/NER",
        terms="비상업적 용도로만 쓸 수 있습니다(비상업적 이용에 한해 MIT 조건). "
        "이 모델을 상업적으로 쓰거나 상업 서비스에 넣으면 안 됩니다.",
        binds_model="restricts", licence_en="non-commercial use only",
    ),
    "korquad-v1": DatasetTerms(
        "KorQuAD 1.0", "https://korquad.github.io/", "KorQuAD/squad_kor_v1", "other",
        license_name="cc-by-nd-2.0-kr", license_link="https://creativecommons.org/licenses/by-nd/2.0/kr/",
        terms="CC BY-ND 2.0 KR: 출처를 밝혀야 하고, 데이터를 변경해 배포할 수 없습니다(변경금지). "
        "이 데이터로 학습한 모델을 변경된 저작물로 볼지는 정해져 있지 않으니, 모델을 공개하기 전에 조건을 확인하세요.",
        binds_model="restricts", hub_config="squad_kor_v1", reported_split="validation", licence_en="CC BY-ND 2.0 KR",
    ),
    "kowikitext": DatasetTerms(
        "kowikitext (한국어 위키백과)", "https://github.com/lovit/kowikitext", "", "cc-by-sa-3.0",
        terms="CC BY-SA 3.0: 출처(한국어 위키백과)를 밝혀야 하고, 이 데이터로 만든 저작물은 같은 조건으로 공개해야 합니다. "
        "그래서 이 모델의 라이선스도 cc-by-sa-3.0입니다.",
        binds_model="share-alike", licence_en="CC BY-SA 3.0",
    ),
}
DATASET_TERMS["kowikitext-full"] = DATASET_TERMS["kowikitext"]

BASE_MODEL_LICENCES: dict[str, str] = {
    "beomi/kcbert-base": "apache-2.0",
    "klue/bert-base": "cc-by-sa-4.0",
}
"""Licences of the base models whose hub cards we checked; any other base model's card must be read by hand."""


@dataclass(frozen=True)
class TaskCard:
    """The part of a card that depends on what the chapter trains (a ``CorpusSpec.task``).

    Attributes:
        chapter: The book's chapter number.
        pipeline_tag: The hub's task id, which picks the widget on the model page.
        title: What the model does, in Korean.
        title_en: The same in English, for the summary line.
        metrics: ``(metrics.json key, hub metric id, name shown)`` of each score the card reports: the
            reported set's scores, under the names the notebooks give them (``finish_training(aliases=...)``).
        usage: Python that uses the model; ``{model}`` stands for its id.
        widget: Korean examples for the inference widget on the model page (``text``, and ``context`` for
            QA); none for sentence pairs, which the text-classification widget cannot give as a pair.
    """

    chapter: int
    pipeline_tag: str
    title: str
    title_en: str
    metrics: tuple[tuple[str, str, str], ...]
    usage: str
    widget: tuple[dict[str, str], ...] = ()


_QA_USAGE = '''import torch
from transformers import AutoModelForQuestionAnswering, AutoTokenizer

# transformers 5.3부터 pipeline("question-answering")이 없어서 모델을 직접 부릅니다.
tokenizer = AutoTokenizer.from_pretrained("{model}")
model = AutoModelForQuestionAnswering.from_pretrained("{model}").eval()
question, context = "한라산의 높이는?", "한라산은 제주도 한가운데에 있는 산으로, 높이는 1,947m이다."
inputs = tokenizer(question, context, truncation="only_second", return_offsets_mapping=True, return_tensors="pt")
offsets = inputs.pop("offset_mapping")[0]
with torch.no_grad():
    output = model(**inputs)
in_context = torch.tensor([sequence == 1 for sequence in inputs.sequence_ids(0)])
scores = output.start_logits[0][:, None] + output.end_logits[0][None, :]  # 시작 점수 + 끝 점수
allowed = in_context[:, None] & in_context[None, :] & torch.ones_like(scores, dtype=torch.bool).triu().tril(29)
start, end = divmod(int(scores.masked_fill(~allowed, float("-inf")).argmax()), scores.shape[1])
print(context[offsets[start][0] : offsets[end][1]])'''

TASK_CARDS: dict[str, TaskCard] = {
    "classification": TaskCard(
        2, "text-classification", "문서 분류(감성 분석)", "document classification (sentiment)",
        (("accuracy", "accuracy", "Accuracy"),),
        'from transformers import pipeline\n\nclassifier = pipeline("text-classification", model="{model}")\n'
        'print(classifier("정말 재미있는 영화였어요"))',
        ({"text": "정말 재미있는 영화였어요", "example_title": "리뷰 1"},
         {"text": "시간이 아까운 영화", "example_title": "리뷰 2"}),
    ),
    "pair-classification": TaskCard(
        3, "text-classification", "문장 쌍 분류(자연어 추론)", "sentence-pair classification (NLI)",
        (("accuracy", "accuracy", "Accuracy"),),
        'from transformers import pipeline\n\nnli = pipeline("text-classification", model="{model}")\n'
        'print(nli({{"text": "나는 오늘 아침에 빵을 먹었다.", "text_pair": "나는 오늘 아무것도 먹지 않았다."}}))',
    ),
    "ner": TaskCard(
        4, "token-classification", "개체명 인식", "named entity recognition",
        (
            ("entity_f1", "f1", "Entity F1 (micro, strict IOB2)"),
            ("entity_f1_macro", "f1", "Entity F1 (macro, strict IOB2)"),
            ("entity_precision", "precision", "Entity precision (micro)"),
            ("entity_recall", "recall", "Entity recall (micro)"),
        ),
        'from transformers import pipeline\n\n'
        'ner = pipeline("token-classification", model="{model}", aggregation_strategy="simple")\n'
        'print(ner("이순신은 1545년 한성에서 태어났다."))',
        ({"text": "이순신은 1545년 한성에서 태어났다.", "example_title": "문장 1"},
         {"text": "김민준 감독은 지난해 12월 부산에서 열린 기자회견에 참석했다.", "example_title": "문장 2"}),
    ),
    "qa": TaskCard(
        5, "question-answering", "기계 독해(추출형 질의응답)", "extractive question answering",
        (("exact_match", "exact_match", "Exact match"), ("f1", "f1", "F1")),
        _QA_USAGE,
        ({"text": "한라산의 높이는?", "context": "한라산은 제주도 한가운데에 있는 산으로, 높이는 1,947m이다.",
          "example_title": "질문 1"},),
    ),
    "pretraining": TaskCard(
        1, "fill-mask", "BERT 사전 학습", "BERT masked language",
        (("mlm_accuracy", "accuracy", "MLM accuracy"), ("perplexity", "perplexity", "Perplexity")),
        'from transformers import pipeline\n\nfill_mask = pipeline("fill-mask", model="{model}")\n'
        'print(fill_mask("대한민국의 수도는 [MASK]이다."))',
        ({"text": "대한민국의 수도는 [MASK]이다.", "example_title": "문장 1"},),
    ),
}

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_PATH_FIELDS = ("downstream_model_dir", "model_dir", "data_root")
"""Config fields that are local paths (the run directory in every chapter, the data cache): left out of the
card, they may hold a user name."""


FAMILY_NAMES: dict[str, str] = {"bert": "BERT", "roberta": "RoBERTa", "electra": "ELECTRA"}
"""How the card names a model family (``model_type``) in prose."""


def hub_base_model(name: str) -> str:
    """``name`` when it is a hub model id (``owner/model``), else ``""`` (local folder, tiny model, none)."""
    if not name or name == TINY_MODEL or Path(os.path.expanduser(name)).exists():
        return ""
    return name if _HUB_ID.fullmatch(name) else ""


def default_repo_name(config: BaseConfig) -> str:
    """A repository name for the model: base model and corpus, e.g. ``kcbert-base-nsmc``."""
    base = hub_base_model(config.pretrained_model_name).rsplit("/", 1)[-1] or "bert"
    return re.sub(r"[^\w.-]+", "-", f"{base}-{config.corpus_name}").strip("-.")


def _without_paths(value: Any) -> Any:
    """File names instead of local paths (``/content/drive/...``, ``/home/me/...``): where they were stays private."""
    if isinstance(value, str) and value.startswith(("/", "~", "./", "../")):
        return ", ".join(Path(part).name for part in value.split(","))
    return value


def _read_metrics(config: BaseConfig) -> dict[str, Any]:
    path = Path(config.model_dir) / "metrics.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _TrainingData:
    """What the card says about the data a model was trained on: the corpus, the embedded sample or own files.

    Attributes:
        kind: ``"corpus"`` (the download), ``"sample"`` (the package's embedded files) or ``"own"``.
        licence: The data's licence as card metadata (``license``, maybe ``license_name``, ``license_link``).
        datasets: Hub dataset ids for the card's ``datasets``, or None.
        dataset_type: The model-index dataset id.
        dataset_name: The model-index dataset name.
        dataset_config: The hub configuration of the dataset, or None.
        dataset_split: The hub split the reported scores were measured on, or None.
        text: The data in Korean, for the card's body.
        text_en: The data in English, for the summary line.
        licence_en: The data's licence in English words, for the summary line.
        binds_model: As ``DatasetTerms.binds_model``.
    """

    kind: str
    licence: dict[str, str]
    datasets: list[str] | None
    dataset_type: str
    dataset_name: str
    dataset_config: str | None
    dataset_split: str | None
    text: str
    text_en: str
    licence_en: str
    binds_model: str


def _training_data(config: BaseConfig, corpus: str, terms: DatasetTerms) -> _TrainingData:
    # The embedded samples are the project's own invented text under its MIT licence, whatever the profile;
    # a smoke run on the learner's own files trains on those files, not on the samples.
    if config.uses_embedded_samples:
        name = f"nbhelpers 내장 예제({corpus} 형식)"
        return _TrainingData("sample", {"license": "mit"}, None, f"nbhelpers-sample-{corpus}", name, None, None,
                             name, "the embedded smoke-test sample", "MIT (the project's own invented text)", "")
    if config.train_file or config.val_file:
        name = f"직접 준 파일({corpus} 형식)"
        return _TrainingData("own", {"license": "other", "license_name": "see-training-data"}, None, f"own-{corpus}",
                             name, None, None, name, "the learner's own files", "unknown (the learner's files)",
                             "restricts")
    licence = {"license": terms.license}
    if terms.license == "other":
        licence.update(license_name=terms.license_name, license_link=terms.license_link)
    datasets = [terms.hub_id] if terms.hub_id else None
    return _TrainingData("corpus", licence, datasets, terms.hub_id or corpus, terms.name, terms.hub_config or None,
                         terms.reported_split or None, terms.name, terms.name, terms.licence_en or terms.license,
                         terms.binds_model)


def model_licence(base: str, data: _TrainingData) -> tuple[dict[str, str], str]:
    """The model's licence as card metadata, and why, in Korean.

    The base model's licence, unless the data binds the model: share-alike data gives its licence, data
    whose terms restrict use gives ``other`` named after those terms. A model trained from scratch on
    data that binds nothing takes the data's licence (the embedded samples: MIT).
    """
    base_licence = BASE_MODEL_LICENCES.get(base, "")
    if data.binds_model == "share-alike":
        return dict(data.licence), f"학습 데이터가 동일조건변경허락({data.licence['license']})이라 모델도 같은 라이선스입니다"
    if data.binds_model == "restricts":
        if data.kind == "own":
            return dict(data.licence), "직접 준 학습 데이터의 조건을 알 수 없어 `other`로 두었습니다. 데이터의 조건을 확인해 직접 적어 주세요"
        return dict(data.licence), (f"학습 데이터의 조건({data.licence.get('license_name', '')})이 이 모델의 사용을 제한하므로 "
                                    "`other`로 두고 그 조건을 적었습니다")
    if not base:
        return dict(data.licence), "처음부터 학습한 모델이라 학습 데이터의 라이선스를 따릅니다"
    if base_licence:
        return {"license": base_licence}, f"사전 학습 모델 `{base}`의 라이선스({base_licence})를 따릅니다"
    return ({"license": "other", "license_name": "see-base-model"},
            f"사전 학습 모델 `{base}`의 라이선스를 이 패키지가 모르므로, 그 모델 카드에서 확인해 직접 적어 주세요")


def _score(value: Any) -> float:
    """A score as the card shows it: four decimals, not float32 noise (0.9750000238418579)."""
    return round(float(value), 4)


def model_card(
    config: BaseConfig, metrics: Mapping[str, Any] | None = None, repo_id: str = "", model_type: str = "bert"
) -> str:
    """The text of ``README.md`` for a model trained with ``config`` (``metrics``: a ``metrics.json`` record).

    Without ``metrics`` the card reads ``metrics.json`` from ``config.model_dir``; a run that has not
    written it yet gets a card without scores.
    """
    from huggingface_hub import EvalResult, ModelCardData

    from nbhelpers.registry import get_corpus

    record = dict(_read_metrics(config) if metrics is None else metrics)
    spec = get_corpus(config.corpus_name)
    task = TASK_CARDS[spec.task]
    terms = DATASET_TERMS.get(
        spec.name,
        DatasetTerms(spec.name, "", "", "other", license_name="unknown", binds_model="restricts",
                     terms=f"{spec.license or '라이선스 정보가 없습니다'}: 학습 데이터의 라이선스를 직접 확인하세요."),
    )
    data = _training_data(config, spec.name, terms)
    name = (repo_id.rsplit("/", 1)[-1] if repo_id else "") or default_repo_name(config)
    base = hub_base_model(config.pretrained_model_name)
    licence, licence_reason = model_licence(base, data)
    reported = [(key, kind, shown, _score(record[key])) for key, kind, shown in task.metrics if key in record]
    reported_on = record.get("reported_on") or {}
    selected_on = record.get("selected_on") or {}
    results = [
        EvalResult(task_type=task.pipeline_tag, task_name=task.title, dataset_type=data.dataset_type,
                   dataset_name=data.dataset_name, dataset_config=data.dataset_config,
                   dataset_split=data.dataset_split, metric_type=kind, metric_value=value, metric_name=shown)
        for key, kind, shown, value in reported
    ]
    metadata = ModelCardData(
        language="ko",
        **licence,
        base_model=base or None,
        datasets=data.datasets,
        metrics=list(dict.fromkeys(kind for _, kind, _, _ in reported)) or None,
        pipeline_tag=task.pipeline_tag,
        library_name="transformers",
        tags=list(dict.fromkeys(["korean", model_type or "bert", "nbhelpers"])),
        model_name=name if results else None,  # the name of the model-index entry
        eval_results=results or None,
        widget=[dict(example) for example in task.widget] or None,
    )

    if base or config.pretrained_model_name:
        base_text = base_en = f"`{base or _without_paths(config.pretrained_model_name)}`"
    else:
        base_text, base_en = "없음(처음부터 학습)", "scratch"
    how = "pretrained from" if task.chapter == 1 else "fine-tuned from"
    lines = [
        f"# {name}",
        "",
        (
            f"*English summary: a Korean {task.title_en} model {how} {base_en} on {data.text_en} "
            f"(korean-nlp-notebooks, chapter {task.chapter}); model licence: "
            f"{licence.get('license_name') or licence['license']}; training-data licence: {data.licence_en}.*"
        ),
        "",
        f"한국어 {task.title} 모델입니다. 한국어 NLP 노트북 {task.chapter}장에서 만들었습니다.",
        "",
        f"- 사전 학습 모델: {base_text}",
        f"- 학습 데이터: {data.text}",
    ]
    if data.kind == "sample":
        family = FAMILY_NAMES.get(model_type, model_type or "BERT")
        lines += ["", f"> 스모크 프로필로 만든 **시험용 모델**입니다(내장 예제와 작은 {family}, 몇 분 학습). 실제로 쓰지 마세요."]
    lines += ["", "## 사용법", "", "```python", task.usage.format(model=repo_id or name), "```"]
    lines += ["", "## 라이선스", ""]
    base_licence = BASE_MODEL_LICENCES.get(base, "")
    lines.append(f"- 이 모델(`license`): **{licence.get('license_name') or licence['license']}**. {licence_reason}.")
    if base:
        lines.append(f"- 사전 학습 모델 `{base}`: "
                     + (f"{base_licence}." if base_licence else "라이선스를 그 모델 카드에서 확인하세요."))
    if data.kind == "sample":
        lines.append(f"- 학습 데이터: `nbhelpers`에 들어 있는, {spec.name} 형식으로 지어낸 예제(MIT 라이선스).")
    elif data.kind == "own":
        lines.append(f"- 학습 데이터: {data.text}. 그 데이터의 라이선스를 확인해 이 카드의 `license` 항목에 적어 주세요.")
        if terms.binds_model and terms.url:
            lines.append(f"  {terms.name}의 파일이라면 그 조건을 따라야 합니다: {terms.terms}")
    else:
        lines += [f"- 학습 데이터: [{terms.name}]({terms.url})" if terms.url else f"- 학습 데이터: {terms.name}",
                  f"- 학습 데이터의 라이선스: {terms.terms}"]
    lines += ["", "## 평가 결과", ""]
    if reported:
        if reported_on and selected_on and not reported_on.get("same_as_selection"):
            lines.append(f"점수는 체크포인트를 고르는 데 쓰지 않은 {reported_on.get('set')} {reported_on.get('examples', 0):,}개에서 "
                         f"한 번 잰 값입니다. 체크포인트는 {selected_on.get('set')} {selected_on.get('examples', 0):,}개로 골랐습니다.")
        elif reported_on:
            lines.append(f"점수는 체크포인트를 고른 {reported_on.get('set')} {reported_on.get('examples', 0):,}개에서 잰 값이라 "
                         "실제보다 조금 좋게 나올 수 있습니다.")
        lines += ["", "| 지표 | 값 |", "|---|---|"]
        lines += [f"| {shown} (`{key}`) | {value:.4f} |" for key, _, shown, value in reported]
    else:
        lines.append("아직 `metrics.json`에 평가 점수가 없습니다(학습과 평가를 마친 뒤 카드를 다시 쓰세요).")
    trained = record.get("config") or dataclasses.asdict(config)
    lines += ["", "## 학습 설정", "", "| 항목 | 값 |", "|---|---|"]
    lines += [f"| `{key}` | {_without_paths(value)!r} |" for key, value in trained.items() if key not in _PATH_FIELDS]
    for key, label in (("global_step", "학습 스텝"), ("wall_time_seconds", "학습 시간(초)")):
        if record.get(key) is not None:
            lines.append(f"| {label} | {record[key]} |")
    versions = record.get("versions") or _library_versions()
    lines += ["", "## 라이브러리 버전", "", "| 라이브러리 | 버전 |", "|---|---|"]
    lines += [f"| {library} | {version} |" for library, version in versions.items()]
    return f"---\n{metadata.to_yaml()}\n---\n\n" + "\n".join(lines) + "\n"


def _library_versions() -> dict[str, str]:
    from nbhelpers.training import library_versions

    return library_versions()


def write_model_card(
    export_dir: str | Path, config: BaseConfig, metrics: Mapping[str, Any] | None = None, repo_id: str = ""
) -> Path:
    """Write ``README.md`` (the model card) into ``export_dir`` and return its path.

    The card's family tag (``bert``, ``roberta``, ``electra``) is the exported model's ``model_type``.
    """
    path = Path(export_dir) / CARD_FILE
    model_config = Path(export_dir) / "config.json"
    model_type = json.loads(model_config.read_text(encoding="utf-8")).get("model_type", "") if model_config.is_file() else ""
    path.write_text(model_card(config, metrics, repo_id, model_type=model_type or "bert"), encoding="utf-8")
    print(f"모델 카드를 {path} 에 썼습니다.")
    return path


class HubApi(Protocol):
    """The two calls of ``huggingface_hub.HfApi`` that ``push_to_hub`` makes (tests pass a fake)."""

    def create_repo(self, repo_id: str, *, private: bool | None = ..., repo_type: str | None = ...,
                    exist_ok: bool = ...) -> Any: ...

    def upload_folder(self, *, repo_id: str, folder_path: str | Path, repo_type: str | None = ...,
                      commit_message: str | None = ...) -> Any: ...


def _colab_secret(name: str) -> str | None:
    """The Colab secret ``name``; ImportError off Colab, Colab's own errors when it cannot be read."""
    from google.colab import userdata  # type: ignore[import-not-found]

    return userdata.get(name)


_SECRET_PROBLEMS = {
    "SecretNotFoundError": f"Colab 보안 비밀에 {TOKEN_NAME}이 없습니다",
    "NotebookAccessError": f"Colab 보안 비밀 {TOKEN_NAME}에 이 노트북의 접근이 허용되지 않았습니다(열쇠 메뉴에서 '노트북 액세스'를 켜세요)",
    "TimeoutException": "Colab 보안 비밀을 읽는 동안 시간이 초과되었습니다",
}


def hub_token(
    read_secret: Callable[[str], str | None] = _colab_secret, env: Mapping[str, str] | None = None
) -> tuple[str | None, str]:
    """A Hugging Face token from Colab Secrets, else from ``HF_TOKEN``; when there is none, why (in Korean)."""
    env = os.environ if env is None else env
    problem = ""
    try:
        token = read_secret(TOKEN_NAME)
        if token:
            return token, ""
        problem = f"Colab 보안 비밀 {TOKEN_NAME}이 비어 있습니다"
    except ImportError:
        pass  # not on Colab: the environment variable is the way
    except Exception as error:  # noqa: BLE001 (Colab's errors do not share a base class)
        problem = _SECRET_PROBLEMS.get(type(error).__name__, f"Colab 보안 비밀을 읽지 못했습니다({error})")
    token = env.get(TOKEN_NAME, "").strip()
    if token:
        return token, ""
    return None, problem or f"Hugging Face 토큰이 없습니다(Colab 보안 비밀이나 환경 변수 {TOKEN_NAME})"


def _offline(env: Mapping[str, str]) -> bool:
    return env.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def push_to_hub(
    export_dir: str | Path,
    repo_id: str,
    *,
    private: bool = True,
    token: str | None = None,
    api: HubApi | None = None,
    read_secret: Callable[[str], str | None] = _colab_secret,
    commit_message: str = "Upload model, tokenizer and model card (nbhelpers)",
) -> str | None:
    """Upload an exported directory (model, tokenizer, model card) to the hub; its URL, or None when skipped.

    The repository is created private unless ``private=False``; a repository that already exists keeps
    its visibility. Without a token or with ``HF_HUB_OFFLINE=1`` nothing is sent and a message says
    why. ``api`` defaults to ``huggingface_hub.HfApi(token=...)``.
    """
    export_dir = Path(export_dir)
    for needed, fix in (("config.json", "먼저 export_model()로 모델을 내보내세요"),
                        (CARD_FILE, "먼저 write_model_card()로 모델 카드를 쓰세요")):
        if not (export_dir / needed).is_file():
            raise FileNotFoundError(f"{export_dir / needed}이(가) 없습니다. 고치는 법: {fix}.")
    env = os.environ
    if _offline(env):
        print("HF_HUB_OFFLINE=1 이라서 허브에 올리지 않았습니다(네트워크를 쓰지 않는 설정입니다).")
        return None
    if not token:
        token, problem = hub_token(read_secret, env)
        if not token:
            print(
                f"허브에 올리지 않았습니다: {problem}. Colab 왼쪽의 열쇠(보안 비밀) 메뉴에 이름 {TOKEN_NAME}으로 "
                "쓰기(write) 권한 토큰을 추가하고 노트북 액세스를 켠 뒤 이 셀을 다시 실행하세요. "
                "토큰은 https://huggingface.co/settings/tokens 에서 만듭니다."
            )
            return None
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    from huggingface_hub.errors import HfHubHTTPError

    try:
        created = api.create_repo(repo_id, private=private, repo_type="model", exist_ok=True)
        full_id = getattr(created, "repo_id", None) or repo_id  # "name" alone lands in the token's account
        api.upload_folder(repo_id=full_id, folder_path=str(export_dir), repo_type="model",
                          commit_message=commit_message)
    except HfHubHTTPError as error:
        raise RuntimeError(
            f"{export_dir}을(를) {repo_id!r}에 올리지 못했습니다: {error}. 고치는 법: 쓰기 권한(write)이 있는 "
            "토큰(huggingface.co/settings/tokens)과 내 계정이나 조직의 repo_id를 쓰세요."
        ) from error
    url = f"https://huggingface.co/{full_id}"
    print(f"{'비공개' if private else '공개'} 저장소 {url} 에 모델과 모델 카드를 올렸습니다.")
    return url
