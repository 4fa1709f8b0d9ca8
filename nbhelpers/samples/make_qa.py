"""Write the embedded KorQuAD-format sample (``python -m nbhelpers.samples.make_qa``).

Every article is a short invented biography composed by this project from templates (no upstream
rows): one paragraph per fact (birth year, home town, job, teacher, hobby, nickname, favourite food),
each padded with neutral filler sentences so that some contexts need several windows. A randomly
initialised tiny BERT cannot learn to match a question against several candidate facts in a few CPU
epochs (without pretraining even BERT-base barely can), so each context holds one fact and the answer
sits next to a cue word: enough for the smoke profile's model to score above zero on unseen people.

The file also holds the cases the reader and the windowing must get right: answers at
``answer_start == 0`` (the context opens with the person's name), answers that are the last word of
the context (no final period), answers written together with a particle (``등산을``, ``김하늘에게서``), quotes and
quotes around answers, and, in the validation file, questions with two gold answers.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from nbhelpers.samples import particle, with_particle

HERE = Path(__file__).resolve().parent
TRAIN_ARTICLES = 60
VAL_ARTICLES = 12

SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
GIVEN = [
    "하늘", "서준", "민지", "도윤", "지아", "현우", "수빈", "예린", "태민", "유나", "건우", "다은", "시우", "채원",
    "주원", "소율", "준호", "나연", "재민", "하린", "동현", "가은", "승민", "보람",
]
CITIES = ["서울", "부산", "대구", "광주", "대전", "인천", "울산", "전주", "춘천", "제주", "수원", "청주", "목포", "강릉"]
JOBS = ["화가", "교사", "의사", "요리사", "소설가", "건축가", "피아니스트", "기자", "사진작가", "과학자", "조각가", "변호사"]
HOBBIES = ["등산", "낚시", "바둑", "독서", "수영", "자전거 타기", "서예", "정원 가꾸기", "요가", "캠핑"]
FOODS = ["김치찌개", "냉면", "비빔밥", "떡볶이", "갈비탕", "칼국수", "순두부", "잡채", "불고기", "만두"]
NICKNAMES = ["작은 거인", "바람의 아이", "새벽 별", "푸른 손", "웃는 곰", "조용한 불꽃", "길 위의 학자", "맑은 샘"]
FILLERS = [
    "그가 살던 마을에는 큰 장이 자주 열렸다.",
    "사람들은 그 시절을 오래 기억했다.",
    "지역 신문에 그에 관한 짧은 기사가 실린 적도 있다.",
    "가족은 넉넉하지 않았지만 화목했다.",
    "어느 해 겨울에는 눈이 유난히 많이 내렸다.",
    "주변 사람들은 그를 성실한 사람으로 기억한다.",
    "이웃들은 자주 그의 집에 모였다.",
    "그는 편지를 많이 남겼다.",
    "그의 작업실은 언제나 정돈되어 있었다.",
    "여러 해 동안 같은 동네에 살았다.",
    "그는 아침 일찍 일어나는 습관이 있었다.",
    "동료들과 함께 작은 모임을 만들었다.",
    "그 뒤로 몇 차례 이사를 했다.",
    "한동안 외국에서 지내기도 했다.",
    "그의 이야기는 지역 방송에 소개되었다.",
    "말년에는 고향 근처에서 조용히 지냈다.",
    "그는 새로운 사람을 만나는 것을 좋아했다.",
    "비가 오는 날이면 창가에 앉아 생각에 잠겼다.",
    "그 시기에 쓴 일기가 지금도 남아 있다.",
    "그는 작은 실수도 그냥 넘기지 않았다.",
    "젊은 시절에는 여러 도시를 여행했다.",
    "그의 집 앞에는 오래된 느티나무가 있었다.",
    "그는 늘 같은 찻집에서 사람들을 만났다.",
    "후배들에게 아낌없이 조언해 주었다.",
    "어려운 시기에도 일을 멈추지 않았다.",
    "그는 오래된 물건을 쉽게 버리지 못했다.",
    "명절에는 온 가족이 그의 집에 모였다.",
    "그는 말수가 적었지만 농담을 즐겼다.",
    "그가 살던 골목은 지금도 그대로 남아 있다.",
    "한때 큰 병을 앓았으나 곧 회복했다.",
]


def person(rng: random.Random, used: set[str]) -> dict[str, str]:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            break
    teacher = rng.choice(SURNAMES) + rng.choice(GIVEN)
    while teacher == name:
        teacher = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return {
        "name": name,
        "year": str(rng.randint(1901, 1999)),
        "city": rng.choice(CITIES),
        "job": rng.choice(JOBS),
        "teacher": teacher,
        "hobby": rng.choice(HOBBIES),
        "food": rng.choice(FOODS),
        "nickname": rng.choice(NICKNAMES),
    }


class ContextBuilder:
    """Appends sentences and remembers where each answer landed (character offsets)."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: dict[str, int] = {}

    def add(self, *parts: str | tuple[str, str]) -> None:
        """Add one sentence made of plain strings and ``(key, answer)`` pieces whose offsets are recorded."""
        if self.text:
            self.text += " "
        for part in parts:
            if isinstance(part, tuple):
                key, answer = part
                self.spans[key] = len(self.text)
                self.text += answer
            else:
                self.text += part


def paragraph(
    rng: random.Random, parts: list[str | tuple[str, str]], questions: list[tuple[str, str, str, list[str]]],
    split: str, number: int, before: bool = True, after: bool = True,
) -> dict[str, Any]:
    """One context: filler sentences, the fact sentence ``parts``, filler sentences; and its questions.

    ``questions`` holds ``(key, question, answer key, accepted answer texts)``; every accepted text starts
    where the answer key's piece was placed.
    """
    ctx = ContextBuilder()
    # Most contexts fit one window; about one in five is long enough to need several.
    count = rng.choice([0, 1, 2, 3, 4, 6, 8, 24])
    fillers = rng.sample(FILLERS, count)
    split_at = rng.randint(0, count) if before and after else (0 if after else count)
    for filler in fillers[:split_at]:
        ctx.add(filler)
    ctx.add(*parts)
    for filler in fillers[split_at:]:
        ctx.add(filler)
    qas = [
        {
            "answers": [{"text": text, "answer_start": ctx.spans[answer_key]} for text in texts],
            "id": f"{split}-{number:04d}-{key}",
            "question": question,
        }
        for key, question, answer_key, texts in questions
    ]
    return {"qas": qas, "context": ctx.text}


def article(rng: random.Random, p: dict[str, str], number: int, split: str, two_answers: bool) -> dict[str, Any]:
    """Seven paragraphs about one person, one fact each (as KorQuAD articles have several paragraphs)."""
    name, year = p["name"], p["year"]
    # A second accepted answer, as SQuAD-style dev sets have: the year without its unit.
    years = [f"{year}년", year] if two_answers else [f"{year}년"]
    paragraphs = [
        # The name opens the context: the "who" question's answer is at answer_start == 0.
        paragraph(rng, [("name", name), particle(name, "은"), " ", ("year", f"{year}년"), "에 태어났다."], [
            ("year", f"{with_particle(name, '이')} 태어난 해는?", "year", years),
            ("name", f"{year}년에 태어난 사람은 누구인가?", "name", [name]),
        ], split, number, before=False),
        paragraph(rng, ["그는 ", ("city", p["city"]), " 출신이다."], [
            ("city", f"{name}의 고향은 어디인가?", "city", [p["city"]]),
        ], split, number),
        # The job is written together with its copula (교사였다): a fused answer.
        paragraph(rng, [f"{name}의 직업은 ", ("job", p["job"]), particle(p["job"], "이었다"), "."], [
            ("job", f"{name}의 직업은 무엇이었나?", "job", [p["job"]]),
        ], split, number),
        paragraph(rng, ["어린 시절 ", ("teacher", p["teacher"]), "에게서 처음 글을 배웠다."], [
            ("teacher", f"어린 시절 {name}에게 처음 글을 가르친 사람은?", "teacher", [p["teacher"]]),
        ], split, number),
        paragraph(rng, ["쉬는 날에는 주로 ", ("hobby", p["hobby"]), particle(p["hobby"], "을"), " 즐겼다."], [
            ("hobby", f"{with_particle(name, '은')} 쉬는 날 무엇을 즐겼나?", "hobby", [p["hobby"]]),
        ], split, number),
        paragraph(rng, ["친구들은 그를 “", ("nickname", p["nickname"]), "”", particle(p["nickname"], "이라는"),
                        " 별명으로 불렀다."], [
            ("nickname", f"{name}의 별명은?", "nickname", [p["nickname"]]),
        ], split, number),
        # The favourite food closes the context without a final period: an answer in the last word.
        paragraph(rng, ["그가 평생 가장 좋아한 음식은 ", ("food", p["food"])], [
            ("food", f"{with_particle(name, '이')} 가장 좋아한 음식은?", "food", [p["food"]]),
        ], split, number, after=False),
    ]
    return {"title": name, "paragraphs": paragraphs}


def write(path: Path, split: str, articles: int, seed: int, used: set[str]) -> None:
    rng = random.Random(seed)
    data = [
        article(rng, person(rng, used), number, split, two_answers=(split == "val" and number % 3 == 0))
        for number in range(articles)
    ]
    document = {"version": f"KorQuAD_v1.0_{split}_sample", "data": data}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def long_paragraph(rng: random.Random, p: dict[str, str], split: str, number: int) -> dict[str, Any]:
    """One real-sized context (400-700 characters, like KorQuAD's) holding every fact of a person, and its 7 questions.

    The fact sentences are spread among filler sentences, so the answers lie in different windows.
    """
    name, year = p["name"], p["year"]
    facts: list[list[str | tuple[str, str]]] = [
        ["그는 ", ("city", p["city"]), " 출신이다."],
        [f"{name}의 직업은 ", ("job", p["job"]), particle(p["job"], "이었다"), "."],
        ["어린 시절 ", ("teacher", p["teacher"]), "에게서 처음 글을 배웠다."],
        ["쉬는 날에는 주로 ", ("hobby", p["hobby"]), particle(p["hobby"], "을"), " 즐겼다."],
        ["친구들은 그를 “", ("nickname", p["nickname"]), "”", particle(p["nickname"], "이라는"), " 별명으로 불렀다."],
        ["그가 평생 가장 좋아한 음식은 ", ("food", p["food"]), particle(p["food"], "이었다"), "."],
    ]
    rng.shuffle(facts)
    sentences: list[list[str | tuple[str, str]]] = [[("name", name), particle(name, "은"), " ", ("year", f"{year}년"),
                                                     "에 태어났다."]]
    fillers = iter(rng.sample(FILLERS, len(FILLERS)))  # at most 6 * 4 + 3 = 27 of the 30 are used
    for fact in facts:
        sentences.extend([next(fillers)] for _ in range(rng.randint(2, 4)))
        sentences.append(fact)
    sentences.extend([next(fillers)] for _ in range(rng.randint(0, 3)))
    ctx = ContextBuilder()
    for sentence in sentences:
        ctx.add(*sentence)
    questions = [
        ("year", f"{with_particle(name, '이')} 태어난 해는?", f"{year}년"),
        ("name", f"{year}년에 태어난 사람은 누구인가?", name),
        ("city", f"{name}의 고향은 어디인가?", p["city"]),
        ("job", f"{name}의 직업은 무엇이었나?", p["job"]),
        ("teacher", f"어린 시절 {name}에게 처음 글을 가르친 사람은?", p["teacher"]),
        ("hobby", f"{with_particle(name, '은')} 쉬는 날 무엇을 즐겼나?", p["hobby"]),
        ("food", f"{with_particle(name, '이')} 가장 좋아한 음식은?", p["food"]),
    ]
    qas = [{"answers": [{"text": text, "answer_start": ctx.spans[key]}], "id": f"{split}-long-{number:05d}-{key}",
            "question": question} for key, question, text in questions]
    return {"qas": qas, "context": ctx.text}


def write_long(path: Path, split: str, paragraphs: int, seed: int, used: set[str] | None = None) -> Path:
    """A KorQuAD 1.0 file of real shape: ``paragraphs`` contexts of 400-700 characters, 7 questions each.

    Not an embedded sample: tests write it to check that the notebooks run on files the size and shape of
    the real ones (contexts several windows long), which the short embedded contexts do not show.
    """
    rng = random.Random(seed)
    used = set() if used is None else used
    if len(used) + paragraphs > len(SURNAMES) * len(GIVEN):
        raise ValueError(f"only {len(SURNAMES) * len(GIVEN)} different names: ask for fewer paragraphs")
    data = [{"title": p["name"], "paragraphs": [long_paragraph(rng, p, split, number)]}
            for number, p in ((n, person(rng, used)) for n in range(paragraphs))]
    document = {"version": f"KorQuAD_v1.0_{split}_long", "data": data}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def main(out_dir: Path = HERE) -> None:
    used: set[str] = set()
    write(out_dir / "korquad_train.json", "train", articles=TRAIN_ARTICLES, seed=11, used=used)
    write(out_dir / "korquad_val.json", "val", articles=VAL_ARTICLES, seed=12, used=used)


if __name__ == "__main__":
    main()
