"""Write the embedded NSMC-format sample (``python -m nbhelpers.samples.make_nsmc``).

Reviews are composed by this project from templates (no upstream rows): a subject, an opinion whose
polarity sets the label, and optional fillers. One in ten is lukewarm whatever its label. About one review in eight mixes a contrary clause
before the deciding one, so the task is learnable but not a keyword lookup. The training file also
holds the quirks of the real corpus: quotes inside a review and one empty review.
"""

from __future__ import annotations

import random
from pathlib import Path

from nbhelpers.samples import with_particle

HERE = Path(__file__).resolve().parent

SUBJECTS = ["이 영화", "스토리", "배우들 연기", "연출", "음악", "결말", "주인공", "영상미", "대사", "전개", "액션", "캐릭터"]
POSITIVE = [
    "정말 재밌었어요", "최고였다", "감동적이네요", "훌륭하다", "강력 추천합니다", "또 보고 싶다", "완벽했다",
    "가슴이 뭉클했다", "몰입감이 대단하다", "명작이다", "배꼽 잡고 웃었다", "여운이 길게 남는다",
]
NEGATIVE = [
    "너무 지루했다", "최악이다", "시간 아깝다", "별로였어요", "실망했다", "돈이 아깝다", "유치하다",
    "졸면서 봤다", "억지스럽다", "엉망이다", "보다가 나왔다", "기대 이하였다",
]
NEUTRAL = ["그냥 그랬다", "평범했다", "무난했다", "볼만은 했다", "그럭저럭이다"]
OPENERS = ["", "", "솔직히 ", "진짜 ", "오랜만에 봤는데 ", "친구랑 봤는데 ", "주말에 ", "기대 안 했는데 "]
CLOSERS = ["", "", "", " ㅋㅋ", "!!", "...", " ㅠㅠ", " 10점 드립니다", " 1점도 아깝다"]


def review(rng: random.Random, label: int) -> str:
    opinions = POSITIVE if label == 1 else NEGATIVE
    if rng.random() < 0.1:
        opinions = NEUTRAL  # real reviews are sometimes lukewarm whatever the score: a ceiling below 100 %
    contrary = NEGATIVE if label == 1 else POSITIVE
    subject = rng.choice(SUBJECTS)
    subject = rng.choice([with_particle(subject, "은", "는"), with_particle(subject, "이", "가"), subject])
    text = f"{rng.choice(OPENERS)}{subject} {rng.choice(opinions)}"
    if rng.random() < 0.125:
        text = f"{with_particle(rng.choice(SUBJECTS), '은', '는')} {rng.choice(contrary)}지만 {text}"
    closer = rng.choice(CLOSERS)
    if (closer == " 10점 드립니다" and label == 0) or (closer == " 1점도 아깝다" and label == 1):
        closer = ""
    return text + closer


def write(path: Path, count: int, seed: int, quirks: bool) -> None:
    rng = random.Random(seed)
    lines = ["id\tdocument\tlabel"]
    used: set[int] = set()
    for index in range(count):
        label = index % 2 if rng.random() < 0.5 else 1 - index % 2
        guid = rng.randrange(1_000_000, 10_000_000)
        while guid in used:
            guid = rng.randrange(1_000_000, 10_000_000)
        used.add(guid)
        lines.append(f"{guid}\t{review(rng, label)}\t{label}")
    if quirks:
        lines.insert(5, '4000001\t"인생 영화"라는 말이 딱 맞다 강력 추천합니다\t1')
        lines.insert(9, "4000002\t\t0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(HERE / "nsmc_train.txt", 400, seed=7, quirks=True)
    write(HERE / "nsmc_val.txt", 120, seed=8, quirks=False)
    print("wrote", HERE / "nsmc_train.txt", HERE / "nsmc_val.txt")
