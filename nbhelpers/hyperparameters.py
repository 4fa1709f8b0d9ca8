"""The training settings a learner must understand, each with its value in this run and what it does.

The book lists its hyperparameters (하이퍼파라미터: values chosen before training, not learnt by it) with
their meaning; the notebooks print the same list from the resolved config, so the numbers under a cell
are the ones this run uses (the smoke profile's included), with the warm-up and total steps worked out.
"""

from __future__ import annotations

from nbhelpers.config import BaseConfig
from nbhelpers.text import display_width, pad

PRECISION_MEANINGS = {
    "32-true": "가중치와 계산 모두 32비트 부동소수점입니다(가장 정확하고, 가장 느립니다)",
    "16-mixed": "곱셈은 16비트로 해서 GPU에서 빠르고 메모리를 덜 쓰며, 가중치와 옵티마이저 상태는 32비트로 보관합니다",
    "bf16-mixed": "곱셈은 bfloat16(지수 범위가 32비트와 같은 16비트)으로 하고, 가중치는 32비트로 보관합니다",
    "bf16-true": "가중치까지 bfloat16으로 보관합니다. 작은 학습률의 갱신이 반올림으로 사라질 수 있습니다",
}


# What a row means depends on the chapter: QA (``doc_stride``) and NER (``stride``) split a long input into
# overlapping windows instead of truncating it, so their batches count windows; only pretraining masks tokens.
# The fields tell the chapters apart because the core never imports a chapter's package.


def _batch_meaning(config: BaseConfig) -> str:
    if hasattr(config, "doc_stride"):
        return "한 스텝에 장치 하나가 보는 윈도 수입니다. 지문이 긴 질문은 윈도가 여러 개입니다"
    if hasattr(config, "stride"):
        return "한 스텝에 장치 하나가 보는 윈도 수입니다. 긴 문장은 윈도가 여러 개입니다"
    return "한 스텝에 장치 하나가 보는 예제 수입니다"


def _length_meaning(config: BaseConfig) -> str:
    doc_stride = getattr(config, "doc_stride", None)
    if doc_stride is not None:
        return (
            "질문과 지문 조각을 합친 입력 하나의 토큰 수 상한입니다. 지문이 다 들어가지 않으면 "
            f"{doc_stride}토큰씩 옮겨 가며 여러 윈도로 나눕니다(doc_stride)"
        )
    stride = getattr(config, "stride", None)
    if stride is not None:
        return f"입력 하나의 토큰 수 상한입니다. 더 긴 문장은 이웃과 {stride}토큰씩 겹치는 여러 윈도로 나눕니다(stride)"
    return "입력 토큰 수의 상한입니다. 더 긴 입력은 잘립니다"


def _seed_meaning(config: BaseConfig) -> str:
    if hasattr(config, "mlm_probability"):
        return "난수 시드: 같은 값이면 섞는 순서, 초기화, 마스킹이 매번 같습니다"
    return "난수 시드: 같은 값이면 검증 데이터로 떼어 낼 예제, 섞는 순서, 새로 얹은 층의 초기화, 드롭아웃이 매번 같습니다"


def training_steps(config: BaseConfig, batches_per_epoch: int) -> tuple[int, int]:
    """Optimizer steps of the whole run and of its warm-up, as the schedule computes them.

    With several devices each step takes one batch per device, so an epoch has fewer steps.
    """
    per_epoch = -(-batches_per_epoch // max(1, config.devices))
    total = per_epoch * config.epochs
    if config.max_steps > 0:
        total = min(total, config.max_steps)
    return total, int(total * config.warmup_ratio)


def describe_hyperparameters(config: BaseConfig, batches_per_epoch: int) -> str:
    """One line per hyperparameter: name, this run's value, and its meaning with the numbers worked out."""
    total, warmup = training_steps(config, batches_per_epoch)
    per_epoch = -(-batches_per_epoch // max(1, config.devices))
    clip = (
        f"기울기 전체의 크기(L2 노름)가 {config.gradient_clip_val:g}보다 크면 그 크기까지 줄여, 한 번의 큰 기울기에 학습이 튀지 않게 합니다"
        if config.gradient_clip_val
        else "0이면 기울기를 자르지 않습니다"
    )
    rows = [
        ("learning_rate", f"{config.learning_rate:g}", "AdamW의 최대 학습률: 한 스텝에 가중치를 얼마나 크게 고칠지 정합니다"),
        ("batch_size", str(config.batch_size), _batch_meaning(config)),
        ("epochs", str(config.epochs), f"학습 데이터를 몇 번 도는지입니다: 에폭당 {per_epoch:,}스텝, 모두 {total:,}스텝"),
        (
            "warmup_ratio",
            f"{config.warmup_ratio:.0%}",
            f"처음 {warmup:,}스텝 동안 학습률을 0에서 learning_rate까지 올리고(워밍업), 남은 {total - warmup:,}스텝 동안 0까지 직선으로 줄입니다",
        ),
        (
            "weight_decay",
            f"{config.weight_decay:g}",
            "AdamW의 가중치 감쇠: 매 스텝 가중치를 조금씩 0 쪽으로 당겨 과적합을 줄입니다(편향과 LayerNorm에는 적용하지 않음)",
        ),
        ("gradient_clip_val", f"{config.gradient_clip_val:g}", clip),
        ("precision", config.precision, PRECISION_MEANINGS.get(config.precision, "Lightning의 정밀도 설정입니다")),
        ("max_seq_length", str(config.max_seq_length), _length_meaning(config)),
        ("seed", str(config.seed), _seed_meaning(config)),
    ]
    width = max(display_width(name) for name, _, _ in rows)
    value_width = max(display_width(value) for _, value, _ in rows)
    return "\n".join(f"{pad(name, width)}  {pad(value, value_width, '>')}  {meaning}" for name, value, meaning in rows)
