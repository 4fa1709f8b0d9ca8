"""Write the embedded KLUE-NLI (JSON) and KorNLI (TSV) samples (``python -m nbhelpers.samples.make_nli``).

Pairs are composed by this project from templates, balanced over the three labels: an entailed
hypothesis restates part of the premise, a contradiction negates or swaps it, a neutral one adds
information the premise does not give.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from nbhelpers.samples import with_particle

HERE = Path(__file__).resolve().parent

# Singular people: a neutral hypothesis may add 혼자서 or 친구와 함께.
PEOPLE = ["민수", "지영", "선생님", "할머니", "동생", "사장님", "기자", "수진", "감독", "삼촌"]
PLACES = [("도서관", "책을 읽었다"), ("공원", "산책을 했다"), ("식당", "점심을 먹었다"), ("회사", "회의를 했다"),
          ("학교", "수업을 들었다"), ("병원", "진료를 받았다"), ("시장", "과일을 샀다"), ("극장", "영화를 봤다")]
# Each time names one day, so that "하루 종일 집에만 있었다" contradicts the premise; none excludes lunch.
TIMES = ["어제", "그저께", "일요일에", "지난 토요일", "오늘"]
EXTRAS = ["친구와 함께", "혼자서", "오랜만에", "비가 와서 우산을 들고", "급하게"]


def pair(rng: random.Random, label: str) -> tuple[str, str]:
    person, (place, act), time = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(TIMES)
    topic = with_particle(person, "은")
    premise = f"{time} {topic} {place}에서 {act}."
    if label == "entailment":
        hypothesis = rng.choice([f"{topic} {place}에 갔다.", f"{topic} {act}.",
                                 f"{time} {topic} {place}에 있었다."])
    elif label == "contradiction":
        other = rng.choice([p for p, _ in PLACES if p != place])
        hypothesis = rng.choice([f"{time} {topic} {place}에 가지 않았다.", f"{time} {topic} 하루 종일 집에만 있었다.",
                                 f"{topic} 한 번도 {place}에 가 본 적이 없다."])
        if rng.random() < 0.3:
            hypothesis = f"{time} {topic} {with_particle(place, '이')} 아니라 {other}에 있었다."
    else:
        hypothesis = rng.choice([f"{topic} {rng.choice(EXTRAS)} {place}에 갔다.",
                                 f"{topic} {place}에서 오래 기다렸다.",
                                 f"{topic} {place}에 자주 간다."])
    return premise, hypothesis


def examples(count: int, seed: int, split: str) -> list[dict[str, str]]:
    rng = random.Random(seed)
    labels = ["entailment", "contradiction", "neutral"]
    items = []
    for index in range(count):
        label = labels[index % 3]
        premise, hypothesis = pair(rng, label)
        items.append({"guid": f"klue-nli-sample_{split}_{index:05d}", "source": "nbhelpers", "premise": premise,
                      "hypothesis": hypothesis, "gold_label": label, "author": label, "label2": label,
                      "label3": label, "label4": label, "label5": label})
    rng.shuffle(items)
    return items


def main(out_dir: Path = HERE) -> None:
    for split, count, seed in (("train", 360, 11), ("val", 90, 12)):
        items = examples(count, seed, split)
        (out_dir / f"klue_nli_{split}.json").write_text(json.dumps(items, ensure_ascii=False, indent=4) + "\n",
                                                      encoding="utf-8")
        rows = ["sentence1\tsentence2\tgold_label"] + [
            f"{i['premise']}\t{i['hypothesis']}\t{i['gold_label']}" for i in items]
        (out_dir / f"kornli_{split}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
