"""Write the NER sample corpora (invented sentences) that the smoke profile, tests and ``inspect`` use.

The real KMOU and KLUE corpora may not be redistributed here, so these files are generated from
templates and made-up names, in the upstream formats: KMOU blocks (``## n``, raw sentence, tagged
sentence, morpheme-like lines) and KLUE-NER character TSV. Names recur across sentences on purpose,
so that the tiny smoke-profile model can learn something in a few CPU seconds.

Run ``python -m nbhelpers.samples.make_ner`` to regenerate; the output is deterministic.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from nbhelpers.ner.spans import parse_tagged

OUT_DIR = Path(__file__).resolve().parent
SEED = 20240404

POOLS: dict[str, list[str]] = {
    "PER": ["김민준", "이서연", "박지훈", "최유진", "정하늘", "강도윤", "조수아", "윤태호", "장미래", "임재현",
            "한가람", "오세훈", "서지우", "문채원", "배준서", "신다은", "홍길순", "류건우"],
    "ORG": ["한빛전자", "누리통신", "새솔은행", "바다건설", "하늘항공", "미래대학교", "별빛극단", "온누리신문",
            "청솔고등학교", "다솜병원", "푸른시민연대", "한결자동차"],
    "LOC": ["서울", "부산", "대구", "광주", "제주도", "강릉", "전주", "인천", "춘천", "목포", "설악산", "한강공원"],
    "DAT": ["2019년", "지난해 12월", "3월 5일", "2021년 8월", "지난 4월", "올해 1월", "2020년 11월 3일", "5월 17일",
            "내년 봄", "지난달 9일"],
    "TIM": ["오후 3시", "오전 9시 30분", "저녁 7시", "새벽 2시", "정오", "오전 11시"],
    "DUR": ["3년", "두 달", "열흘", "6개월", "10년", "사흘", "2주"],
    "MNY": ["500만원", "3억 원", "1,200달러", "20만원", "7천억 원", "45억 원"],
    "AGE": ["14", "29", "33", "41", "57", "22"],
    "CNT": ["3명", "1위", "12개", "5번", "2위", "300명", "8척"],
    "PNT": ["30%", "4.5%", "12퍼센트", "절반", "0.8%"],
    "POH": ["봄날의 기억", "푸른 바다", "새벽 열차", "하늘정원 프로젝트", "달빛 소나타", "작은 정원"],
}
SLOT_TAGS = {"AGE": "NOH", "CNT": "NOH"}

TEMPLATES = [
    "{PER} 감독은 {DAT} {LOC}에서 열린 기자회견에 참석했다.",
    "{ORG} 측은 {DAT} 매출이 {MNY}에 달했다고 밝혔다.",
    "―{PER} 역의 {PER}({AGE})가 특히 인상적이었다.",
    "{ORG} 관계자는 {TIM}부터 {LOC} 일대의 교통을 통제한다고 말했다.",
    "{PER} 씨는 {DUR} 동안 {ORG}에서 일했다.",
    "올해 {ORG}의 시장 점유율은 {PNT}로 집계됐다.",
    "{PER}의 신작 ‘{POH}’은 {DAT} 개봉한다.",
    "{LOC}의 아파트 값이 {PNT} 올라 평균 {MNY}를 넘었다.",
    "{ORG} 선수단 {CNT}은 {DAT} {LOC}로 떠났다.",
    "{PER} 대표는 {ORG}와 {MNY} 규모의 계약을 맺었다.",
    "경기는 {TIM}에 {LOC} 종합운동장에서 시작된다.",
    "{PER} 씨는 {DUR} 만에 ‘{POH}’ 무대에 다시 섰다.",
    "{LOC}에서 {LOC}까지 가는 열차가 {TIM}에 출발한다.",
    "{PER}({AGE}) 선수는 이번 대회에서 {CNT}에 올랐다.",
    "{ORG}는 {DAT}부터 {DUR} 동안 {LOC}에서 축제를 연다.",
    "{PER} 교수는 {ORG} 강연에서 ‘{POH}’에 대해 이야기했다.",
    "{DAT} {LOC} 앞바다에서 어선 {CNT}이 발견됐다.",
    "{PER} 의원은 {TIM} {ORG} 본사를 찾았다.",
    "지난 {DUR} 동안 {ORG}의 주가는 {PNT} 떨어졌다.",
    "{PER}와 {PER}는 {LOC}에서 함께 자랐다.",
    "{ORG} 노조는 {DAT} {MNY}의 임금 인상을 요구했다.",
    "{PER} 작가의 소설 ‘{POH}’은 출간 {DUR} 만에 {CNT} 넘게 팔렸다.",
]
PLAIN = [
    "오늘은 하루 종일 비가 내렸다.",
    "그는 아무 말 없이 창밖을 바라보았다.",
    "회의는 예정보다 조금 늦게 끝났다.",
    "아이들은 운동장에서 공을 찼다.",
    "새로 문을 연 식당 앞에 줄이 길게 늘어섰다.",
    "관객들은 공연이 끝나자 오래 박수를 쳤다.",
]


def make_sentence(rng: random.Random) -> str:
    """One tagged sentence (``<text:TAG>`` form) from a random template, or an entity-free sentence."""
    if rng.random() < 0.08:
        return rng.choice(PLAIN)
    template = rng.choice(TEMPLATES)

    def fill(match: re.Match[str]) -> str:
        slot = match.group(1)
        return f"<{rng.choice(POOLS[slot])}:{SLOT_TAGS.get(slot, slot)}>"

    return re.sub(r"\{([A-Z]+)\}", fill, template)


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
    for left, right in zip(boundaries, boundaries[1:]):
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
