"""Write the NER sample corpora (invented sentences) that the smoke profile, tests and ``inspect`` use.

The real KMOU and KLUE corpora may not be redistributed here, so these files are generated from
templates and made-up names, in the upstream formats: KMOU blocks (``## n``, raw sentence, tagged
sentence, morpheme-like lines) and KLUE-NER character TSV. Names recur across sentences on purpose,
so that the tiny smoke-profile model can learn something in a few CPU seconds. Each template slot
draws from a pool that fits the sentence (a date before 개봉한다 lies ahead, ships are found at sea), and
a particle after a mention is a ``<은>`` marker resolved by the shared helper in ``nbhelpers.samples``,
so it agrees with the mention as read aloud (``12명은``, ``춘천으로``, ``서울로``, ``‘작은 정원’은``).

Run ``python -m nbhelpers.samples.make_ner`` to regenerate; the output is deterministic.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

from nbhelpers.ner.spans import parse_tagged
from nbhelpers.samples import attach_particles

OUT_DIR = Path(__file__).resolve().parent
SEED = 20240404

PEOPLE = ["김민준", "이서연", "박지훈", "최유진", "정하늘", "강도윤", "조수아", "윤태호", "장미래", "임재현", "한가람",
          "오승아", "서지우", "문채원", "배준서", "신다은", "홍길순", "류건우"]
COMPANIES = ["한빛전자", "누리통신", "새솔은행", "바다건설", "하늘항공", "한결자동차"]
CITIES = ["서울", "부산", "대구", "광주", "강릉", "전주", "인천", "춘천", "목포"]

# Each slot names what the sentence needs (a company has a head office, a trip goes to a place one travels
# to, a date before 개봉한다 lies ahead), so that no sentence sells ships or opens a film last year.
# slot -> (entity tag, mentions).
POOLS: dict[str, tuple[str, list[str]]] = {
    "PER": ("PER", PEOPLE),
    "COMPANY": ("ORG", COMPANIES),
    "TEAM": ("ORG", ["한빛전자", "누리통신", "하늘항공", "한결자동차", "미래대학교", "청솔고등학교"]),
    "ORG": ("ORG", COMPANIES + ["미래대학교", "별빛극단", "온누리신문", "청솔고등학교", "다솜병원", "푸른시민연대"]),
    "CITY": ("LOC", CITIES),
    "COAST": ("LOC", ["부산", "인천", "강릉", "목포", "제주도"]),
    "TRIP": ("LOC", ["서울", "부산", "제주도", "강릉", "설악산", "전주", "춘천"]),
    "VENUE": ("LOC", ["한강공원", "제주도", "춘천", "전주", "설악산", "강릉", "목포"]),
    "PAST": ("DAT", ["2019년", "지난해 12월", "3월 5일", "2021년 8월", "지난 4월", "2020년 11월 3일", "지난달 9일"]),
    "YEAR": ("DAT", ["2019년", "2020년", "2021년", "지난해"]),
    "FUTURE": ("DAT", ["내년 봄", "다음 달 9일", "오는 5월 17일", "내년 3월", "올가을"]),
    "TIME": ("TIM", ["오후 3시", "오전 9시 30분", "저녁 7시", "정오", "오전 11시", "오후 2시"]),
    "DEPART": ("TIM", ["새벽 5시 10분", "오전 9시 30분", "오후 3시", "저녁 7시", "오전 11시"]),
    "YEARS": ("DUR", ["3년", "두 달", "6개월", "10년", "5년", "1년"]),
    "DAYS": ("DUR", ["사흘", "열흘", "2주", "닷새", "일주일"]),
    "SPELL": ("DUR", ["사흘", "열흘", "두 달", "6개월", "2주", "3년"]),
    "REVENUE": ("MNY", ["7천억 원", "45억 원", "1조 2천억 원", "850억 원", "1,200억 원"]),
    "DEAL": ("MNY", ["3억 원", "45억 원", "500만원", "120만 달러", "7천억 원"]),
    "RAISE": ("MNY", ["20만원", "10만 원", "35만 원", "500만원"]),
    "PRICE": ("MNY", ["3억 원", "5억 원", "7억 2천만 원", "12억 원"]),
    "ACTOR_AGE": ("NOH", ["14", "29", "33", "41", "57", "22"]),
    "PLAYER_AGE": ("NOH", ["17", "22", "24", "29", "31", "33"]),
    "SQUAD": ("NOH", ["3명", "12명", "25명", "40명"]),
    "HIRES": ("NOH", ["300명", "120명", "50명", "1,000명", "82명"]),
    "RANK": ("NOH", ["1위", "2위", "3위", "5위"]),
    "SHIPS": ("NOH", ["1척", "2척", "3척", "8척"]),
    "COPIES": ("NOH", ["10만 부", "3만 부", "50만 부", "2천 부"]),
    "JERSEY": ("NOH", ["7", "10", "13", "2", "9", "24", "5"]),
    "SHARE": ("PNT", ["30%", "4.5%", "12퍼센트", "절반", "0.8%", "21%"]),
    "CHANGE": ("PNT", ["30%", "4.5%", "12퍼센트", "0.8%", "3%"]),
    "TITLE": ("POH", ["봄날의 기억", "푸른 바다", "새벽 열차", "하늘정원 프로젝트", "달빛 소나타", "작은 정원"]),
}

# ``{SLOT}`` is a mention; ``<은>`` after it is a particle that must agree with the mention as read aloud
# (12개는, 3명은, 춘천으로, 서울로, ‘작은 정원’은): never write a particle after a slot by hand.
TEMPLATES = [
    "{PER} 감독은 {PAST} {CITY}에서 열린 기자회견에 참석했다.",
    "{COMPANY} 측은 {YEAR} 매출이 {REVENUE}에 달했다고 밝혔다.",
    "―{PER} 역의 {PER}({ACTOR_AGE})<이> 특히 인상적이었다.",
    "{ORG} 관계자는 {TIME}부터 {VENUE} 일대에서 행사가 열린다고 말했다.",
    "{PER} 씨는 {YEARS} 동안 {ORG}에서 일했다.",
    "올해 {COMPANY}의 시장 점유율은 {SHARE}<으로> 집계됐다.",
    "{PER}의 신작 ‘{TITLE}’<은> {FUTURE} 개봉한다.",
    "{CITY}의 아파트 값이 {CHANGE} 올라 평균 {PRICE}<을> 넘었다.",
    "{TEAM} 선수단 {SQUAD}<은> {PAST} {TRIP}<으로> 전지훈련을 떠났다.",
    "{PER} 대표는 {ORG}<과> {DEAL} 규모의 계약을 맺었다.",
    "경기는 {TIME}에 {CITY} 종합운동장에서 시작된다.",
    "{PER} 씨는 {YEARS} 만에 ‘{TITLE}’ 무대에 다시 섰다.",
    "{CITY}에서 {CITY}까지 가는 열차가 {DEPART}에 출발한다.",
    "{PER}({PLAYER_AGE}) 선수는 이번 대회에서 {RANK}에 올랐다.",
    "{ORG}<은> {FUTURE}부터 {DAYS} 동안 {VENUE}에서 축제를 연다.",
    "{PER} 교수는 {ORG} 강연에서 ‘{TITLE}’에 대해 이야기했다.",
    "{PAST} {COAST} 앞바다에서 실종됐던 어선 {SHIPS}<이> 발견됐다.",
    "{PER} 의원은 이날 {TIME} {COMPANY} 본사를 찾았다.",
    "지난 {SPELL} 동안 {COMPANY}의 주가는 {CHANGE} 떨어졌다.",
    "{PER}<과> {PER}<은> {CITY}에서 함께 자랐다.",
    "{COMPANY} 노조는 {PAST} {RAISE}의 임금 인상을 요구했다.",
    "{PER} 작가의 소설 ‘{TITLE}’<은> 출간 {SPELL} 만에 {COPIES} 넘게 팔렸다.",
    "{PER} 선수는 {FUTURE}부터 등번호 {JERSEY}<을> 달고 뛴다.",
    "{COMPANY}<은> 올해 신입 사원 {HIRES}<을> 뽑는다고 밝혔다.",
    "{PER} 씨가 {CITY}<으로> 이사한 지 {YEARS}<이> 지났다.",
]
PLAIN = [
    "오늘은 하루 종일 비가 내렸다.",
    "그는 아무 말 없이 창밖을 바라보았다.",
    "회의는 예정보다 조금 늦게 끝났다.",
    "아이들은 운동장에서 공을 찼다.",
    "새로 문을 연 식당 앞에 줄이 길게 늘어섰다.",
    "관객들은 공연이 끝나자 오래 박수를 쳤다.",
]
_SLOT = re.compile(r"\{([A-Z_]+)\}")
_MENTION = re.compile(r"<([^<>]+):[A-Z]+>")


def make_sentence(rng: random.Random) -> str:
    """One tagged sentence (``<text:TAG>`` form) from a random template, or an entity-free sentence."""
    if rng.random() < 0.08:
        return rng.choice(PLAIN)
    template = rng.choice(TEMPLATES)
    used: set[str] = set()  # two people or two cities in one sentence are different ones

    def fill(match: re.Match[str]) -> str:
        tag, mentions = POOLS[match.group(1)]
        mention = rng.choice([m for m in mentions if m not in used])
        used.add(mention)
        return f"<{mention}:{tag}>"

    # A particle is read after the mention's text, not after the markup around it.
    return attach_particles(_SLOT.sub(fill, template), read=lambda tagged: _MENTION.sub(r"\1", tagged))


def kmou_block(number: int, tagged: str) -> str:
    """A block in the KMOU layout; the morpheme lines are simplified (one line per piece, not a real analysis)."""
    raw, spans = parse_tagged(tagged)
    tags = ["O"] * len(raw)
    for span in spans:
        tags[span.start] = f"B-{span.label}"
        for index in range(span.start + 1, span.end):
            tags[index] = f"I-{span.label}"
    lines = [f"## {number}", f"## {raw}", f"## {tagged}"]
    boundaries = sorted({0, len(raw), *(s.start for s in spans), *(s.end for s in spans)})
    for left, right in itertools.pairwise(boundaries):
        cursor = left
        for part in re.findall(r" |[^ ]+", raw[left:right]):
            tag = tags[cursor]
            lines.append(f"_\t_\t_\t{tag}" if part == " " else f"{part}\t{part}\t{'NNG' if tag == 'O' else 'NNP'}\t{tag}")
            cursor += len(part)
    return "\n".join(lines) + "\n"


KLUE_MAP = {"PER": "PS", "ORG": "OG", "LOC": "LC", "DAT": "DT", "TIM": "TI",
            "DUR": "QT", "MNY": "QT", "NOH": "QT", "PNT": "QT"}


def klue_sentence(guid: str, tagged: str) -> str:
    """The sentence in KLUE-NER v1.1 layout; types KLUE lacks (POH) become plain text."""
    raw, spans = parse_tagged(tagged)
    kept = [s for s in spans if s.label in KLUE_MAP]
    tags = ["O"] * len(raw)
    klue_tagged, cursor = [], 0
    for span in kept:
        label = KLUE_MAP[span.label]
        tags[span.start] = f"B-{label}"
        for index in range(span.start + 1, span.end):
            tags[index] = f"I-{label}"
        klue_tagged.append(raw[cursor : span.start] + f"<{span.text}:{label}>")
        cursor = span.end
    klue_tagged.append(raw[cursor:])
    lines = [f"## {guid}\t{''.join(klue_tagged)}"]
    lines += [f"{char}\t{tag}" for char, tag in zip(raw, tags)]
    return "\n".join(lines) + "\n"


def main(out_dir: Path = OUT_DIR) -> None:
    rng = random.Random(SEED)
    seen: set[str] = set()
    sentences: list[str] = []
    while len(sentences) < 420:
        sentence = make_sentence(rng)
        if sentence not in seen or sentence in PLAIN:
            seen.add(sentence)
            sentences.append(sentence)
    train, val = sentences[:340], sentences[340:]
    for name, part in (("ner_train.txt", train), ("ner_val.txt", val)):
        blocks = [kmou_block(number, tagged) for number, tagged in enumerate(part, start=1)]
        (out_dir / name).write_text("\n".join(blocks) + "\n", encoding="utf-8")
    for name, split, part in (("klue_ner_train.tsv", "train", train[:160]), ("klue_ner_val.tsv", "dev", val[:40])):
        items = [klue_sentence(f"klue-ner-sample_{split}_{i:05d}", t) for i, t in enumerate(part)]
        (out_dir / name).write_text("\n".join(items) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
