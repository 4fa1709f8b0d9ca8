"""Chapter 4's floor and ceiling: memorised training mentions, and the entity F1 the tokenizer allows."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from nbhelpers.ner.baselines import MemorizedEntities
from nbhelpers.ner.examples import NERExample, entity_types
from nbhelpers.ner.features import bio_labels, encode_ner, label_maps, round_trip
from nbhelpers.ner.kmou import KMOU_TAGS
from nbhelpers.ner.spans import EntitySpan, parse_tagged
from nbhelpers.registry import get_corpus, sample_files
from nbhelpers.wordpiece import train_wordpiece


def tagged(*sentences: str) -> list[NERExample]:
    result = []
    for index, sentence in enumerate(sentences):
        text, spans = parse_tagged(sentence)
        result.append(NERExample(f"t:{index}", text, tuple(spans)))
    return result


def found(model: MemorizedEntities, text: str) -> list[tuple[str, str]]:
    return [(span.text, span.label) for span in model.predict(text)]


def test_memorised_mentions_are_found_at_word_starts_with_particles_attached() -> None:
    model = MemorizedEntities().fit(tagged("<부산:LOC>에서 <14:NOH>명이 모였다.", "<김민준:PER> 씨가 왔다."))
    text = "김민준은 부산에서 2014년에 왔고 (14)도 보았다."
    spans = model.predict(text)
    assert [(s.text, s.label) for s in spans] == [("김민준", "PER"), ("부산", "LOC"), ("14", "NOH")]
    assert all(text[s.start : s.end] == s.text for s in spans)
    # "14" inside "2014년" starts inside a word, and "민준" is not a mention on its own.
    assert found(model, "2014년 민준이") == []


def test_longest_mention_wins_and_ambiguous_mentions_take_their_most_frequent_type() -> None:
    model = MemorizedEntities().fit(tagged(
        "<서울:LOC>에 갔다.", "<서울시청:ORG> 앞이다.", "<한빛:ORG> 발표", "<한빛:ORG> 주가", "<한빛:PER> 씨",
    ))
    assert found(model, "서울시청과 서울, 한빛") == [("서울시청", "ORG"), ("서울", "LOC"), ("한빛", "ORG")]


def test_short_mentions_are_not_memorised_and_scores_are_entity_scores() -> None:
    training = tagged("<이:PER>가 <서울:LOC>에 갔다.")
    assert "이" not in MemorizedEntities().fit(training).types
    assert "이" in MemorizedEntities(min_length=1).fit(training).types
    with pytest.raises(ValueError, match="min_length"):
        MemorizedEntities(min_length=0)
    scores = MemorizedEntities().fit(training).scores(tagged("<서울:LOC>과 <부산:LOC>", "<서울:ORG> 팀"))
    # One of two predicted spans right (서울 LOC; 서울 ORG is typed LOC), one of three gold entities found.
    assert scores.precision_micro == pytest.approx(1 / 2)
    assert scores.recall_micro == pytest.approx(1 / 3)


def test_memorising_finds_only_validation_mentions_seen_in_training() -> None:
    spec = get_corpus("ner")
    train, val = spec.read(sample_files(spec, "train")), spec.read(sample_files(spec, "val"))
    seen = {span.text for example in train for span in example.entities}
    gold = [span for example in val for span in example.entities]
    scores = MemorizedEntities().fit(train).scores(val)
    # Recall is bounded by the mentions it has seen: a name first met in validation is never found.
    assert 0 < scores.recall_micro <= sum(span.text in seen for span in gold) / len(gold)
    assert scores.precision_micro > 0


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> PreTrainedTokenizerBase:
    spec = get_corpus("ner")
    path: Path = tmp_path_factory.mktemp("ner-ceiling-tokenizer")
    train_wordpiece([e.text for e in spec.read(sample_files(spec, "train"))], vocab_size=500, save_dir=path,
                    min_frequency=1)
    return AutoTokenizer.from_pretrained(path)


def boundaries_allowed(span: EntitySpan, text: str, tokenizer: PreTrainedTokenizerBase) -> bool:
    """The entity starts and ends on word-piece boundaries (worked out without the code under test)."""
    offsets = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)["offset_mapping"]
    return span.start in {start for start, _ in offsets} and span.end in {end for _, end in offsets}


def test_round_trip_scores_are_the_ceiling_the_tokenizer_allows(tokenizer: PreTrainedTokenizerBase) -> None:
    examples = tagged(
        "<서울:LOC>에서 <부산:LOC>까지 가는 열차가 <오후 3시:TIM>에 출발한다.",
        "<김민준:PER> 씨는 <3년:DUR> 동안 <한빛전자:ORG>에서 일했다.",
        "<서울시:LOC>청 앞에서 <김민준:PER>과 <이서연:PER>이 만났다.",
        "<7년:DUR>동안 <새솔은행:ORG>에 다녔다.",
    )
    id2label, label2id = label_maps(bio_labels(entity_types(examples, KMOU_TAGS)))
    report = round_trip(encode_ner(examples, tokenizer, label2id, max_seq_length=64), id2label)
    gold = [(span, example.text) for example in examples for span in example.entities]
    allowed = sum(boundaries_allowed(span, text, tokenizer) for span, text in gold)
    assert report.scores is not None
    assert 0 < allowed < len(gold)  # the fixture has entities cut inside a word piece, and others
    # Each entity comes back as one span, exact where its boundaries are piece boundaries, widened otherwise.
    assert report.scores.recall_micro == pytest.approx(allowed / len(gold))
    assert report.scores.precision_micro == pytest.approx(allowed / len(gold))
    assert report.scores.f1_micro < 1.0


def test_round_trip_ceiling_is_perfect_when_every_boundary_is_a_piece_boundary(
    tokenizer: PreTrainedTokenizerBase,
) -> None:
    examples = tagged("<서울:LOC> 에서 <부산:LOC> 까지", "<김민준:PER> 씨")
    id2label, label2id = label_maps(bio_labels(entity_types(examples, KMOU_TAGS)))
    report = round_trip(encode_ner(examples, tokenizer, label2id, max_seq_length=64), id2label)
    assert report.scores is not None and report.scores.f1_micro == 1.0 and report.exact == report.total == 2
