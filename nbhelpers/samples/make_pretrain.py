"""Write the embedded pretraining sample (``pretrain_train.txt``, ``pretrain_val.txt``) deterministically.

The smoke profile of chapter 1 trains a WordPiece vocabulary and a tiny BERT on this text offline, so
it must be real Korean prose with many short documents (NSP needs document boundaries and random
documents to draw from). Every sentence here was written for this project: short encyclopaedia-style
documents about Korean cities, foods, animals and historical figures, a few written out in full and the
rest composed from per-entity facts with a handful of phrasings. Format: one sentence per line, a blank
line between documents (the format learners use for their own text).

Run ``python -m nbhelpers.samples.make_pretrain`` to regenerate; the output is the same every time.
"""

from __future__ import annotations

import random
from pathlib import Path

from nbhelpers.samples import attach_particles

HERE = Path(__file__).resolve().parent
SEED = 20240601
VAL_DOCUMENTS = 12

WRITTEN = [
    [
        "이순신은 조선 중기의 무신이다.",
        "임진왜란 때 수군을 이끌고 여러 해전에서 승리하였다.",
        "그는 거북선을 만들어 전투에 사용한 것으로 널리 알려져 있다.",
        "한산도 대첩은 그가 거둔 가장 큰 승리 가운데 하나이다.",
        "그는 노량 해전에서 전사하였다.",
        "그가 남긴 난중일기는 전쟁 중의 기록으로 중요한 자료이다.",
    ],
    [
        "세종은 조선의 제4대 왕이다.",
        "그는 집현전을 두고 학자들과 함께 여러 책을 펴냈다.",
        "세종은 백성이 쉽게 배울 수 있는 문자인 훈민정음을 만들었다.",
        "훈민정음을 오늘날에는 한글이라고 부른다.",
        "그의 시대에는 해시계와 물시계 같은 과학 기구도 만들어졌다.",
    ],
    [
        "장영실은 조선 전기의 과학자이다.",
        "그는 신분이 낮았지만 재주를 인정받아 궁궐에서 일하게 되었다.",
        "장영실은 측우기와 자격루를 만드는 데 참여하였다.",
        "자격루는 스스로 시각을 알리는 물시계이다.",
    ],
    [
        "신사임당은 조선 중기의 화가이자 문인이다.",
        "그는 풀과 벌레를 그린 그림으로 유명하다.",
        "율곡 이이는 신사임당의 아들이다.",
        "오만 원권 지폐에는 신사임당의 얼굴이 그려져 있다.",
    ],
    [
        "안중근은 대한제국 시기의 독립운동가이다.",
        "그는 만주의 하얼빈 역에서 이토 히로부미를 저격하였다.",
        "재판을 받는 동안 그는 동양 평화론을 쓰기 시작하였다.",
        "그는 뤼순 감옥에서 순국하였다.",
    ],
    [
        "김치는 배추나 무를 소금에 절인 뒤 양념을 버무려 만든 음식이다.",
        "양념에는 고춧가루, 마늘, 파, 젓갈 등이 들어간다.",
        "늦가을에 겨울 동안 먹을 김치를 한꺼번에 담그는 일을 김장이라고 한다.",
        "김장 문화는 유네스코 인류무형문화유산에 등재되었다.",
    ],
    [
        "한글은 자음과 모음을 모아 음절 단위로 쓰는 문자이다.",
        "기본 자음은 발음 기관의 모양을 본떠 만들었다.",
        "모음은 하늘, 땅, 사람을 뜻하는 세 가지 기호에서 출발하였다.",
        "매년 시월 구일은 한글날이다.",
    ],
    [
        "태양계에는 여덟 개의 행성이 있다.",
        "지구는 태양에서 세 번째로 가까운 행성이다.",
        "목성은 태양계에서 가장 큰 행성이다.",
        "토성은 아름다운 고리를 가지고 있다.",
        "달은 지구의 하나뿐인 위성이다.",
    ],
    [
        "물은 수소와 산소로 이루어진 화합물이다.",
        "물은 섭씨 영 도에서 얼고 백 도에서 끓는다.",
        "얼음은 물보다 가벼워서 물 위에 뜬다.",
    ],
    [
        "광합성은 식물이 빛을 이용해 양분을 만드는 과정이다.",
        "식물은 이산화 탄소와 물을 받아들여 포도당과 산소를 만든다.",
        "광합성은 주로 잎의 엽록체에서 일어난다.",
    ],
]

CITIES = [
    ("서울", "대한민국의 수도", "한강", "경복궁", "설렁탕", "구백사십"),
    ("부산", "대한민국 제2의 도시", "낙동강", "해운대 해수욕장", "돼지국밥", "삼백삼십"),
    ("인천", "서해에 맞닿은 항구 도시", "굴포천", "차이나타운", "짜장면", "삼백"),
    ("대구", "분지에 자리한 영남 내륙의 도시", "금호강", "팔공산", "납작만두", "이백사십"),
    ("광주", "전라도의 중심 도시", "영산강", "무등산", "떡갈비", "백사십"),
    ("대전", "과학 연구 단지가 모인 도시", "갑천", "엑스포 과학공원", "칼국수", "백사십"),
    ("전주", "전라북도의 도청 소재지", "전주천", "한옥마을", "비빔밥", "육십오"),
    ("경주", "신라 천 년의 수도", "형산강", "불국사", "황남빵", "이십오"),
    ("춘천", "강원도의 호수 도시", "북한강", "소양강 댐", "닭갈비", "이십팔"),
    ("제주", "대한민국에서 가장 큰 섬에 있는 도시", "산지천", "한라산", "고기국수", "오십"),
    ("강릉", "동해안의 관광 도시", "남대천", "경포대", "초당 순두부", "이십일"),
    ("수원", "경기도의 도청 소재지", "수원천", "수원 화성", "갈비", "백이십"),
]

CITY_TEMPLATES = [
    ["{0}<은> {1}이다.", "{0}<은> {1}<으로> 알려져 있다."],
    ["{0}에는 {2}<이> 흐른다.", "{2}<은> {0}<을> 지나 흐른다."],
    ["{0}의 대표적인 명소로는 {3}<이> 있다.", "{3}<은> {0}에서 가장 유명한 명소이다."],
    ["{0}<은> {4}<으로> 유명하다.", "{0}에 가면 {4}<을> 꼭 먹어 보라는 말이 있다."],
    ["{0}의 인구는 약 {5}만 명이다.", "{0}에는 약 {5}만 명이 살고 있다."],
    ["관광객들은 {3}<을> 둘러본 뒤 {4}<을> 맛본다.", "주말이면 {3}에 사람들이 많이 모인다."],
]

ANIMALS = [
    ("호랑이", "고양잇과", "숲", "사슴과 멧돼지", "한국 설화에 자주 등장한다"),
    ("까치", "까마귓과", "마을 근처", "곤충과 열매", "반가운 손님이 온다는 믿음과 관련이 있다"),
    ("진돗개", "갯과", "전라남도 진도", "사료와 고기", "주인에게 충성스럽기로 유명하다"),
    ("반달가슴곰", "곰과", "지리산의 깊은 숲", "도토리와 벌꿀", "가슴에 흰 반달 무늬가 있다"),
    ("두루미", "두루밋과", "강가와 논", "물고기와 곡식", "겨울에 철원 평야를 찾아온다"),
    ("수달", "족제빗과", "맑은 하천", "물고기와 개구리", "천연기념물로 보호받고 있다"),
    ("고래", "고래목", "넓은 바다", "크릴과 작은 물고기", "울산 앞바다에서 관찰되기도 한다"),
    ("다람쥐", "다람쥣과", "산과 숲", "도토리와 밤", "겨울에는 굴속에서 잠을 잔다"),
    ("거북", "거북목", "바다와 강", "해초와 작은 동물", "오래 사는 동물로 알려져 있다"),
    ("소", "솟과", "농가", "풀과 볏짚", "예로부터 농사일을 도왔다"),
]

ANIMAL_TEMPLATES = [
    ["{0}<은> {1}에 속하는 동물이다.", "{0}<은> {1} 동물이다."],
    ["{0}<은> 주로 {2}에 산다.", "{0}<은> {2}에서 볼 수 있다."],
    ["{0}<은> {3}<을> 먹는다.", "{0}의 먹이는 {3}이다."],
    ["{0}<은> {4}.", "{0}<이라는> 동물은 {4}."],
]

FOODS = [
    ("비빔밥", "밥 위에 나물과 고추장을 얹어 비벼 먹는", "전주", "여름과 겨울을 가리지 않고"),
    ("불고기", "얇게 썬 소고기를 간장 양념에 재워 구운", "전국", "잔칫날에"),
    ("떡국", "가래떡을 얇게 썰어 국물에 끓인", "전국", "설날 아침에"),
    ("송편", "쌀가루 반죽에 소를 넣고 솔잎과 함께 찐", "전국", "추석에"),
    ("냉면", "메밀국수를 차가운 육수에 말아 낸", "평양과 함흥", "더운 여름에"),
    ("삼계탕", "어린 닭에 인삼과 찹쌀을 넣어 푹 끓인", "전국", "복날에"),
    ("팥죽", "팥을 삶아 쌀과 함께 쑨", "전국", "동짓날에"),
    ("잡채", "당면과 채소를 볶아 버무린", "전국", "명절에"),
    ("된장찌개", "된장을 풀어 두부와 채소를 넣고 끓인", "전국", "집밥으로 자주"),
    ("호떡", "밀가루 반죽 안에 설탕을 넣어 기름에 구운", "부산", "추운 겨울에"),
]

FOOD_TEMPLATES = [
    ["{0}<은> {1} 음식이다.", "{0}<이란> {1} 음식을 말한다."],
    ["{0}<은> {2}에서 즐겨 먹는다.", "{0}<은> {2}에서 특히 사랑받는 음식이다."],
    ["사람들은 {3} {0}<을> 먹는다.", "{3} {0}<을> 찾는 사람이 많다."],
    ["{0}<은> 만드는 방법이 집집마다 조금씩 다르다.", "요즘은 가게에서도 {0}<을> 쉽게 사 먹을 수 있다."],
]


def _compose(rng: random.Random, rows: list[tuple[str, ...]], templates: list[list[str]]) -> list[list[str]]:
    documents = []
    for row in rows:
        chosen = [rng.choice(options) for options in templates]
        keep = rng.randint(max(2, len(chosen) - 2), len(chosen))
        documents.append([attach_particles(sentence.format(*row)) for sentence in chosen[:keep]])
    return documents


def build_documents(seed: int = SEED) -> list[list[str]]:
    """All sample documents in a fixed, shuffled order."""
    rng = random.Random(seed)
    documents = [list(document) for document in WRITTEN]
    for _ in range(4):  # differently phrased versions of each entity: more text, same facts
        documents += _compose(rng, CITIES, CITY_TEMPLATES)
        documents += _compose(rng, ANIMALS, ANIMAL_TEMPLATES)
        documents += _compose(rng, FOODS, FOOD_TEMPLATES)
    rng.shuffle(documents)
    return documents


def write(documents: list[list[str]], path: Path) -> None:
    path.write_text("\n\n".join("\n".join(document) for document in documents) + "\n", encoding="utf-8")


def main(out_dir: Path = HERE) -> None:
    documents = build_documents()
    # The 이순신 document stays in training: the notebook's tokenizer check uses its first sentence.
    val = [d for d in documents if not d[0].startswith("이순신")][:VAL_DOCUMENTS]
    train = [d for d in documents if all(d is not v for v in val)]
    write(train, out_dir / "pretrain_train.txt")
    write(val, out_dir / "pretrain_val.txt")
    sentences = sum(len(d) for d in train + val)
    print(f"pretrain_train.txt: {len(train)} documents, pretrain_val.txt: {len(val)}, {sentences} sentences")


if __name__ == "__main__":
    main()
