"""Write the embedded NSMC-format sample (``python -m nbhelpers.samples.make_nsmc``).

Reviews are composed by this project from templates (no upstream rows). A review is a remark about one
aspect of the film (``스토리가 탄탄하다``) or about the whole film (``시간 아깝다``), or both; each aspect has
its own words so that no sentence praises music for its plot. Its polarity sets the label. About one
review in eight opens with a contrary clause about another aspect (``음악은 아름다웠지만 전개가 지루했다``), so
the task is learnable but not a keyword lookup. One review in ten is lukewarm, as real reviews often are:
half of those lean towards their label (``나쁘지 않았다`` under 1, ``그저 그랬다`` under 0), the other half
(``무난했다``, ``평범했다``) appear under both labels, so no model reaches 100 % on this sample. The training
file also holds the quirks of the real corpus: quotes inside a review and one empty review.
"""

from __future__ import annotations

import random
from pathlib import Path

from nbhelpers.samples import with_particle

HERE = Path(__file__).resolve().parent

# Every pair below is indexed by the NSMC label: (what a negative review says, what a positive one says).
# Remarks end in 다, so a contrary clause can end them in 지만. Most reviews use the words that fit any
# aspect; the rest use words for that aspect only, so that no sentence praises music for its plot.
GENERAL = (["별로였다", "최악이다", "실망스러웠다"], ["좋았다", "최고였다", "훌륭하다"])
ASPECTS: dict[str, tuple[list[str], list[str]]] = {
    "이 영화": (["너무 지루했다", "유치하다"], ["정말 재밌었다", "감동적이었다"]),
    "스토리": (["뻔했다", "억지스럽다"], ["탄탄하다", "신선했다"]),
    "전개": (["너무 느렸다", "지루했다"], ["흥미진진했다", "시원시원했다"]),
    "결말": (["허무했다", "뻔했다"], ["완벽했다", "여운이 길었다"]),
    "배우들 연기": (["어색했다", "과했다"], ["자연스러웠다", "빛났다"]),
    "주인공": (["답답했다", "매력이 없었다"], ["매력적이다", "멋있었다"]),
    "캐릭터들": (["밋밋했다", "매력이 없었다"], ["매력적이다", "살아 있었다"]),
    "연출": (["산만했다", "어설펐다"], ["세련됐다", "감각적이었다"]),
    "음악": (["너무 시끄러웠다", "귀에 거슬렸다"], ["아름다웠다", "장면과 잘 어울렸다"]),
    "영상미": (["밋밋했다", "촌스러웠다"], ["아름다웠다", "압도적이었다"]),
    "대사": (["유치하다", "오글거렸다"], ["재치 있었다", "맛깔났다"]),
    "액션": (["어설펐다", "밋밋했다"], ["화려했다", "시원시원했다"]),
}
# Remarks about the whole film, as a reviewer ends a review.
VERDICTS = (["시간 아깝다", "돈이 아까워요", "졸면서 봤다", "보다가 나왔다", "추천하지 않습니다", "다시는 안 본다"],
            ["강력 추천합니다", "또 보고 싶다", "가슴이 뭉클했어요", "배꼽 잡고 웃었어요", "여운이 길게 남는다",
             "시간 가는 줄 몰랐다"])
# Lukewarm remarks: some lean towards a score (그저 그랬다: 0, 나쁘지 않았다: 1), some fit either.
LEANING = (["그저 그랬다", "기대만큼은 아니었다", "좀 아쉬웠다"], ["나쁘지 않았다", "그럭저럭 괜찮았다", "기대보다는 나았다"])
EITHER = ["무난했다", "평범했다"]
OPENERS = ["", "", "", "솔직히 ", "오랜만에 봤는데 ", "친구랑 봤는데 ", "주말에 봤는데 ", "아이와 함께 봤는데 "]
OPENERS_BY_LABEL = (["기대가 컸는데 ", "평점 보고 봤는데 "], ["기대 안 했는데 "])
CLOSERS = ["", "", "", "!!", "..."]
CLOSERS_BY_LABEL = ([" 1점도 아깝다", " ㅠㅠ", " 비추"], [" 10점 드립니다", " 강추", " ㅋㅋ"])


def remark(rng: random.Random, aspect: str, label: int) -> str:
    """What a review with ``label`` says about ``aspect``: ``탄탄하다``, or a word that fits any aspect."""
    return rng.choice(GENERAL[label] if rng.random() < 0.6 else ASPECTS[aspect][label])


def subject(rng: random.Random, aspect: str) -> str:
    """The aspect as a reviewer writes it: topic (스토리는), subject (스토리가) or bare (스토리)."""
    return rng.choice([with_particle(aspect, "은"), with_particle(aspect, "은"), with_particle(aspect, "이"), aspect])


def contrary(rng: random.Random, label: int, avoid: str) -> str:
    """A clause with the opposite opinion about another aspect, ending in 지만: ``음악은 좋았지만 ``."""
    aspect = rng.choice([a for a in ASPECTS if a not in (avoid, "이 영화")])
    return f"{with_particle(aspect, '은')} {remark(rng, aspect, 1 - label).removesuffix('다')}지만 "


def review(rng: random.Random, label: int) -> str:
    aspect = rng.choice(list(ASPECTS))
    if rng.random() < 0.1:  # lukewarm: no opener or closer that takes a side, no contrary clause
        remarks = LEANING[label] if rng.random() < 0.5 else EITHER
        return f"{rng.choice(OPENERS)}{subject(rng, aspect)} {rng.choice(remarks)}{rng.choice(['', '', '...'])}"
    opener = rng.choice(OPENERS + OPENERS_BY_LABEL[label])
    kind = rng.random()
    if kind < 0.5:
        body = f"{subject(rng, aspect)} {remark(rng, aspect, label)}"
    elif kind < 0.85:
        body = rng.choice(VERDICTS[label])
    else:
        body = f"{subject(rng, aspect)} {remark(rng, aspect, label)} {rng.choice(VERDICTS[label])}"
    if rng.random() < 0.125:
        body = contrary(rng, label, aspect) + body
    closer = rng.choice(CLOSERS + CLOSERS_BY_LABEL[label])
    if "추천" in body and closer in (" 강추", " 비추"):  # 강추 is 강력 추천: said once is enough
        closer = ""
    return opener + body + closer


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


def main(out_dir: Path = HERE) -> None:
    write(out_dir / "nsmc_train.txt", 400, seed=7, quirks=True)
    write(out_dir / "nsmc_val.txt", 120, seed=8, quirks=False)


if __name__ == "__main__":
    main()
