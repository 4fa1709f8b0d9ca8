"""Question answering inputs: each question cut into context windows with character offsets and start/end labels.

A KorQuAD context is often longer than ``max_seq_length`` tokens, so each question becomes several
inputs ("windows"): ``[CLS] question [SEP] context piece [SEP]`` (``<s> question </s></s> context piece
</s>`` for RoBERTa: the layout and the number of special tokens ``s`` are read off the tokenizer,
:func:`nbhelpers.pretrained.pair_layout`), the question truncated to ``max_query_length`` tokens and each
context piece starting ``doc_stride`` tokens after the previous one, as in the book. The fast tokenizer's
own ``stride`` argument means something else: the number of tokens two neighbouring pieces *share*. For a
question of ``q`` tokens the context room is ``max_seq_length - q - s`` tokens (``s`` is 3 for BERT and
ELECTRA, 4 for RoBERTa), so the equivalent overlap is that room minus ``doc_stride``
(:func:`tokenizer_overlap`), and it depends on the question's length. Rather than one tokenizer call
per question length, every distinct context is tokenised once (KorQuAD asks about six questions per
paragraph) and the windows are cut at :func:`window_starts`; a test checks that they equal the
tokenizer's own overflow windows with the converted ``stride``.

Every context token keeps its character span in the original context, so that an answer can be cut
out of the original text again (``nbhelpers.qa.decode``). Labels are the first and last token of the
gold answer in a window that contains it whole, and the first token (index 0, ``[CLS]`` or ``<s>``) in a
window that does not. ``token_type_ids`` are built only for models that have segment embeddings
(:func:`nbhelpers.pretrained.sends_token_type_ids`); RoBERTa gets none.

WordPiece cannot always split where an answer ends: a particle written together with the answer
(``서울에서`` for the answer ``서울``) may be one token. Such answers are labelled with the closest
token span that covers them; :class:`QAFeatureStats` counts them so the notebook can report how often
that happens.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from transformers import PreTrainedTokenizerBase

from nbhelpers.pretrained import pair_layout, sends_token_type_ids
from nbhelpers.qa.korquad import QAExample

logger = logging.getLogger(__name__)


NO_OFFSET = -1
"""Offset value stored for tokens that are not part of the context (special tokens, question, padding)."""


@dataclass
class QAFeatureStats:
    """How the gold answers fared when the contexts were cut into windows of tokens.

    Attributes:
        questions: Questions converted.
        windows: Windows (model inputs) produced.
        answerable: Questions with at least one gold answer.
        exact: Answerable questions whose labelled tokens give back exactly the gold answer text.
        fused: Answerable questions whose closest token span is wider than the answer (a particle or
            other characters written together with it end up in the same token).
        not_in_any_window: Answerable questions whose answer fits in no single window (longer than
            the window room minus the overlap); only ``[CLS]`` labels are produced for them.
        fused_examples: A few ``(question id, gold answer, token span text)`` triples for the report.
    """

    questions: int = 0
    windows: int = 0
    answerable: int = 0
    exact: int = 0
    fused: int = 0
    not_in_any_window: int = 0
    fused_examples: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"질문 {self.questions}개 -> 입력(윈도) {self.windows}개. 정답이 있는 질문 {self.answerable}개 중 "
            f"토큰 경계와 정확히 일치 {self.exact}개, 조사 등이 붙어 토큰이 더 넓은 경우 {self.fused}개, "
            f"어느 윈도에도 온전히 들어가지 않는 경우 {self.not_in_any_window}개."
        )


@dataclass
class QAFeatures:
    """All windows of a list of examples, as padded arrays (compact enough for the whole of KorQuAD).

    Attributes:
        input_ids: ``(windows, max_seq_length)`` token ids, padded with the tokenizer's pad id.
        token_type_ids: Same shape; 0 for ``[CLS] question [SEP]``, 1 for ``context [SEP]``. None for a model
            without segment embeddings (RoBERTa): its windows carry no ``token_type_ids``.
        lengths: Real (unpadded) length of each window.
        offsets: ``(windows, max_seq_length, 2)`` character span in the context of each context token;
            ``NO_OFFSET`` for every other position.
        start_positions: Index of the answer's first token in the window, 0 (``[CLS]``) if absent.
        end_positions: Index of the answer's last token, 0 if absent.
        example_index: Which example (position in the list given to :func:`build_qa_features`) each window belongs to.
        stats: Counts of exact, fused and unreachable answers.
    """

    input_ids: np.ndarray
    token_type_ids: np.ndarray | None
    lengths: np.ndarray
    offsets: np.ndarray
    start_positions: np.ndarray
    end_positions: np.ndarray
    example_index: np.ndarray
    stats: QAFeatureStats

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def windows_of(self, example_index: int) -> list[int]:
        """Feature indices of one example, in context order."""
        return [int(i) for i in np.flatnonzero(self.example_index == example_index)]


def check_window_settings(
    tokenizer: PreTrainedTokenizerBase, max_seq_length: int, max_query_length: int, doc_stride: int
) -> int:
    """Context room of the longest allowed question; fails early when ``doc_stride`` cannot work."""
    room = max_seq_length - max_query_length - tokenizer.num_special_tokens_to_add(pair=True)
    if max_query_length < 1 or room < 1:
        raise ValueError(
            f"max_seq_length={max_seq_length}에서는 max_query_length={max_query_length} 토큰 질문 뒤에 "
            "context가 들어갈 자리가 없습니다. 고치는 법: max_seq_length를 늘리거나 max_query_length를 줄이세요."
        )
    if not 1 <= doc_stride <= room:
        raise ValueError(
            f"doc_stride={doc_stride}은(는) 1에서 {room}(max_seq_length={max_seq_length}, "
            f"max_query_length={max_query_length}일 때 context가 쓸 수 있는 자리) 사이여야 합니다. 아니면 창이 "
            "context 토큰을 건너뜁니다. 고치는 법: doc_stride를 줄이거나 max_seq_length를 늘리세요."
        )
    return room


def tokenizer_overlap(max_seq_length: int, question_tokens: int, special_tokens: int, doc_stride: int) -> int:
    """The tokenizer's ``stride`` (tokens shared by neighbouring windows) that makes windows start ``doc_stride`` apart."""
    room = max_seq_length - question_tokens - special_tokens
    return room - doc_stride


def window_starts(context_tokens: int, room: int, doc_stride: int) -> list[int]:
    """Where each window starts in the context's tokens, the book's way: every ``doc_stride``, until the end is covered."""
    starts = [0]
    while starts[-1] + room < context_tokens:
        starts.append(starts[-1] + doc_stride)
    return starts


def _answer_span(example: QAExample) -> tuple[int, int] | None:
    """Character span of the first gold answer with surrounding whitespace removed (no token starts on a space)."""
    if not example.answers:
        return None
    answer = example.answers[0]
    start, end = answer.answer_start, answer.answer_end
    context = example.context
    while start < end and context[start].isspace():
        start += 1
    while end > start and context[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _answer_tokens(span: tuple[int, int], offsets: np.ndarray) -> tuple[int, int] | None:
    """First and last context token overlapping the character span, or None if no token covers it."""
    if len(offsets) == 0:
        return None
    first = int(np.searchsorted(offsets[:, 1], span[0], side="right"))  # first token ending after the start
    last = int(np.searchsorted(offsets[:, 0], span[1], side="left")) - 1  # last token starting before the end
    if first >= len(offsets) or last < 0 or first > last:
        return None
    return first, last


def build_qa_features(
    examples: Sequence[QAExample],
    tokenizer: PreTrainedTokenizerBase,
    max_seq_length: int = 128,
    max_query_length: int = 32,
    doc_stride: int = 64,
) -> QAFeatures:
    """Windows, offsets and start/end labels of every question (see the module doc for the rules).

    Each distinct context is tokenised once (KorQuAD asks about six questions per paragraph) and each
    question once; windows are then cut from those tokens at :func:`window_starts`, which gives the
    same inputs as the tokenizer's overflow with ``stride=tokenizer_overlap(...)`` at a fraction of the cost.
    """
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("build_qa_features에는 글자 위치(offset)를 주는 fast tokenizer가 필요합니다. 고치는 법: AutoTokenizer로 불러오세요.")
    check_window_settings(tokenizer, max_seq_length, max_query_length, doc_stride)
    layout = pair_layout(tokenizer)
    question_ids = [
        ids[:max_query_length]
        for ids in tokenizer([e.question for e in examples], add_special_tokens=False)["input_ids"]
    ]
    context_index: dict[str, int] = {}
    for example in examples:
        context_index.setdefault(example.context, len(context_index))
    encoded = tokenizer(list(context_index), add_special_tokens=False, return_offsets_mapping=True)
    context_ids = [np.asarray(ids, dtype=np.int32) for ids in encoded["input_ids"]]
    context_offsets = [np.asarray(offsets, dtype=np.int32).reshape(-1, 2) for offsets in encoded["offset_mapping"]]

    plans: list[tuple[int, list[int]]] = []
    for example, q_ids in zip(examples, question_ids):
        c = context_index[example.context]
        room = max_seq_length - len(q_ids) - layout.special_tokens
        plans.append((c, window_starts(len(context_ids[c]), room, doc_stride)))
    total = sum(len(starts) for _, starts in plans)

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = np.full((total, max_seq_length), pad_id, dtype=np.int32)
    token_type_ids = np.zeros((total, max_seq_length), dtype=np.int8)
    offsets_array = np.full((total, max_seq_length, 2), NO_OFFSET, dtype=np.int32)
    lengths = np.zeros(total, dtype=np.int32)
    start_positions = np.zeros(total, dtype=np.int64)
    end_positions = np.zeros(total, dtype=np.int64)
    example_index = np.zeros(total, dtype=np.int64)
    stats = QAFeatureStats(questions=len(examples), windows=total)

    row = 0
    for index, (example, q_ids, (c, starts)) in enumerate(zip(examples, question_ids, plans)):
        head = [*layout.prefix, *q_ids, *layout.middle]
        head_types = [layout.prefix_type] * (len(layout.prefix) + len(q_ids)) + [layout.middle_type] * len(layout.middle)
        p = len(head)
        room = max_seq_length - p - len(layout.suffix)
        ids, offsets = context_ids[c], context_offsets[c]
        span = _answer_span(example)
        answer_tokens = _answer_tokens(span, offsets) if span is not None else None
        labelled = False
        for start in starts:
            piece = ids[start:start + room]
            n = p + len(piece) + len(layout.suffix)
            input_ids[row, :p] = head
            input_ids[row, p:p + len(piece)] = piece
            input_ids[row, p + len(piece):n] = layout.suffix
            token_type_ids[row, :p] = head_types
            token_type_ids[row, p:n] = layout.context_type
            offsets_array[row, p:p + len(piece)] = offsets[start:start + room]
            lengths[row] = n
            example_index[row] = index
            if answer_tokens is not None and start <= answer_tokens[0] and answer_tokens[1] < start + len(piece):
                start_positions[row] = p + answer_tokens[0] - start
                end_positions[row] = p + answer_tokens[1] - start
                labelled = True
            row += 1
        stats.answerable += bool(example.answers)
        if not example.answers:
            continue
        if not labelled or span is None or answer_tokens is None:
            stats.not_in_any_window += 1
            continue
        covered = example.context[offsets[answer_tokens[0], 0]:offsets[answer_tokens[1], 1]]
        gold = example.context[span[0]:span[1]]
        if covered == gold:
            stats.exact += 1
        else:
            stats.fused += 1
            if len(stats.fused_examples) < 10:
                stats.fused_examples.append((example.qid, gold, covered))
    if stats.not_in_any_window:
        logger.warning("정답 %d개는 어느 창 하나에도 다 들어가지 않아, 그 질문들은 [CLS]로만 레이블합니다.",
                       stats.not_in_any_window)
    if not sends_token_type_ids(tokenizer):
        token_type_ids = None
    return QAFeatures(input_ids, token_type_ids, lengths, offsets_array, start_positions, end_positions,
                      example_index, stats)


def feature_tokens(tokenizer: PreTrainedTokenizerBase, features: QAFeatures, index: int) -> list[str]:
    """The tokens of window ``index`` (for showing a learner what the model reads)."""
    return tokenizer.convert_ids_to_tokens(features.input_ids[index, : features.lengths[index]].tolist())


def label_text(features: QAFeatures, index: int, context: str) -> str:
    """The context characters covered by window ``index``'s start/end labels (``""`` when they point at [CLS])."""
    start, end = int(features.start_positions[index]), int(features.end_positions[index])
    if start == 0 and end == 0:
        return ""
    return context[features.offsets[index, start, 0]:features.offsets[index, end, 1]]


def cut_to_one_window(
    example: QAExample, tokenizer: PreTrainedTokenizerBase, max_seq_length: int, max_query_length: int
) -> QAExample | None:
    """``example`` with its context cut to whole words around the first gold answer that fit one window.

    For comparing a one-window method with the windowed one on real data, where few contexts fit one
    window (KorQuAD's are several hundred tokens): the piece keeps as many words on each side of the
    answer as the window has room for, and answers that lie inside it are kept with shifted offsets.
    None when the question is longer than ``max_query_length`` tokens (it would be truncated) or the
    answer alone does not fit.
    """
    span = _answer_span(example)
    question_tokens = len(tokenizer(example.question, add_special_tokens=False)["input_ids"])
    if span is None or question_tokens > max_query_length:
        return None
    room = max_seq_length - question_tokens - pair_layout(tokenizer).special_tokens
    encoding = tokenizer(example.context, add_special_tokens=False, return_offsets_mapping=True)
    offsets = np.asarray(encoding["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    words = encoding.word_ids()
    tokens = _answer_tokens(span, offsets)
    if tokens is None or tokens[1] - tokens[0] + 1 > room:
        return None
    first, last = tokens
    low = max(0, first - (room - (last - first + 1)) // 2)
    high = min(len(offsets) - 1, low + room - 1)
    low = max(0, high - room + 1)
    # Whole words only: a word cut in the middle would be tokenised differently on its own.
    while 0 < low < first and words[low] == words[low - 1]:
        low += 1
    while last < high < len(offsets) - 1 and words[high] == words[high + 1]:
        high -= 1
    begin, end = int(offsets[low, 0]), int(offsets[high, 1])
    answers = tuple(
        dataclasses.replace(answer, answer_start=answer.answer_start - begin)
        for answer in example.answers
        if begin <= answer.answer_start and answer.answer_end <= end
    )
    return dataclasses.replace(example, context=example.context[begin:end], answers=answers)
