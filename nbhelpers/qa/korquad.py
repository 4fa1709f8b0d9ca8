"""KorQuAD 1.0: the question-answering chapter's data.

The files are SQuAD v1.1 JSON (``data -> paragraphs -> qas -> answers``) where ``answer_start`` is a
character offset into the paragraph's context. The old book's helper lost answers that start at
offset 0 and answers in a context's last word; this reader keeps every question as it is, and checks
each answer against its context instead: an answer whose text is not found at its offset means the
file was edited or re-encoded, and training on it would teach the model a wrong span, so it is an
error naming the question id.

Validation files must also give every question a gold answer (``require_answers``): a question without
one cannot be scored, and finding out at the end of the first epoch, with nothing saved, costs an epoch.
They must also give every question its own id: predictions are keyed by id, so a second question with
the same id would be scored with the first one's answer. In training files a repeated id is only logged.

Text is read in Unicode NFC (``nbhelpers.text``; a file saved on macOS may hold decomposed Hangul, which
the tokenizer cannot read). NFC changes the length of a decomposed context, so ``answer_start`` is
recomputed on the normalised context and the answer checked there again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from nbhelpers.download import RemoteFile
from nbhelpers.errors import CorpusFormatError, quote
from nbhelpers.files import Paths, as_paths, check_not_empty, read_json
from nbhelpers.registry import CorpusSpec, register
from nbhelpers.text import to_nfc

logger = logging.getLogger(__name__)

KORQUAD_PATTERNS = ("*.json",)

_COMMIT = "61d7d6682948375dd8f06ef27e788fd19982af38"
_RAW = f"https://raw.githubusercontent.com/korquad/korquad.github.io/{_COMMIT}/dataset"

KORQUAD_TRAIN = RemoteFile(
    f"{_RAW}/KorQuAD_v1.0_train.json",
    "korquad/KorQuAD_v1.0_train.json",
    git_blob="82e3c5939e5e61a1c4ae94e42676800e88ec52a6",
)
KORQUAD_DEV = RemoteFile(
    f"{_RAW}/KorQuAD_v1.0_dev.json",
    "korquad/KorQuAD_v1.0_dev.json",
    git_blob="6849d8c79140447018f5701a0453835c96608a07",
    size=3881058,
)


@dataclass(frozen=True)
class QAAnswer:
    """One gold answer.

    Attributes:
        text: The answer as written in the file.
        answer_start: Character offset of ``text`` in the context (0 is a valid offset).
    """

    text: str
    answer_start: int

    @property
    def answer_end(self) -> int:
        """Character offset just after the answer."""
        return self.answer_start + len(self.text)


@dataclass(frozen=True)
class QAExample:
    """One question about one context.

    Attributes:
        qid: The question id from the file; predictions are keyed by it.
        title: Title of the article the context comes from.
        question: The question.
        context: The paragraph that contains the answer.
        answers: Gold answers; KorQuAD dev has one per question, other files may have several or none
            (a question without answers can still be predicted, but not scored).
    """

    qid: str
    title: str
    question: str
    context: str
    answers: tuple[QAAnswer, ...]


def _require(value: Any, kind: type, path: Path, location: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise CorpusFormatError(
            path, location, f"{what}이(가) {kind.__name__}이어야 하는데 {type(value).__name__}입니다",
            "KorQuAD 1.0 / SQuAD v1.1 구조를 따르세요: "
            '{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question", "answers": '
            '[{"text", "answer_start"}]}]}]}]}.',
        )
    return value


def _normalised_answer(context: str, normal_context: str, text: str, start: int, found: bool) -> QAAnswer | None:
    """The answer over ``normal_context == to_nfc(context)``, or None when it is not there (it splits a syllable, a wrong offset).

    ``found``: ``text`` is at ``start`` in the context as written; its offset in the NFC context is then the
    length of the NFC text before it. Otherwise ``start`` may already count NFC characters (a file whose
    offsets were computed before it was decomposed).
    """
    normal_text = to_nfc(text)
    normal_start = len(to_nfc(context[:start])) if found else start
    if normal_context[normal_start : normal_start + len(normal_text)] != normal_text:
        return None
    return QAAnswer(text=normal_text, answer_start=normal_start)


def _read_answers(raw: Any, context: str, normal_context: str, path: Path, location: str) -> tuple[QAAnswer, ...]:
    answers: list[QAAnswer] = []
    for number, item in enumerate(_require(raw, list, path, location, '"answers"'), start=1):
        item = _require(item, dict, path, location, f"정답 {number}")
        text = item.get("text")
        start = item.get("answer_start")
        if not isinstance(text, str) or not isinstance(start, int) or isinstance(start, bool):
            raise CorpusFormatError(
                path, location,
                f"정답 {number}에 문자열 'text'와 정수 'answer_start'가 있어야 하는데 {quote(item)}입니다",
                '정답마다 {"text": "...", "answer_start": N}으로 쓰세요(N = context 안의 글자 위치).',
            )
        found = context[start:start + len(text)] if 0 <= start <= len(context) else ""
        answer = (_normalised_answer(context, normal_context, text, start, found == text)
                  if 0 <= start <= len(context) else None)
        if answer is None and found == text:
            raise CorpusFormatError(
                path, location,
                f"정답 {number} {quote(text, 40)}: 자모로 풀어 쓴(NFD) 한글 음절의 중간에서 시작하거나 끝납니다",
                "answer_start와 text가 음절을 통째로 덮게 고치세요(파일을 NFC로 저장하면 음절이 한 글자가 됩니다).",
            )
        if answer is None:
            near = context.find(text)
            hint = (
                f"그 text는 위치 {near}에 있습니다. answer_start를 {near}(으)로 고치세요" if near >= 0
                else "그 text가 context에 없습니다. context에서 그대로 복사하세요"
            )
            raise CorpusFormatError(
                path, location,
                f"정답 {number} {quote(text, 40)}이(가) answer_start={start}의 context "
                f"{quote(found, 40)}와(과) 다릅니다",
                f"{hint}. answer_start는 0부터 글자 수(바이트 아님)로 셉니다.",
            )
        answers.append(answer)
    return tuple(answers)


def read_korquad(paths: Paths, require_answers: bool = False) -> list[QAExample]:
    """Every question of one or several KorQuAD 1.0 files (or folders of them), in file order.

    Answers are checked against their contexts (see the module doc); with ``require_answers`` (validation
    files) a question without a gold answer is an error naming it. A file without questions is an error.
    """
    examples: list[QAExample] = []
    seen: set[str] = set()  # over all files: predictions of every validation file go into one file keyed by id
    for path in as_paths(paths, KORQUAD_PATTERNS):
        before = len(examples)
        document = read_json(path, "파일 전체가 KorQuAD/SQuAD JSON 객체 하나여야 합니다. 내려받기가 끝났는지 확인하세요.")
        document = _require(document, dict, path, "top level", "파일")
        articles = _require(document.get("data"), list, path, "top level", '"data"')
        duplicates: list[str] = []
        for article_number, article in enumerate(articles, start=1):
            where = f"article {article_number}"
            article = _require(article, dict, path, where, "글(article)")
            title = to_nfc(str(article.get("title", "")))
            paragraphs = _require(article.get("paragraphs"), list, path, where, '"paragraphs"')
            for paragraph_number, paragraph in enumerate(paragraphs, start=1):
                where = f"article {article_number} paragraph {paragraph_number}"
                paragraph = _require(paragraph, dict, path, where, "문단(paragraph)")
                context = _require(paragraph.get("context"), str, path, where, '"context"')
                normal_context = to_nfc(context)
                for qa in _require(paragraph.get("qas"), list, path, where, '"qas"'):
                    qa = _require(qa, dict, path, where, "질문")
                    qid = qa.get("id")
                    if not isinstance(qid, (str, int)) or isinstance(qid, bool) or str(qid) == "":
                        raise CorpusFormatError(
                            path, where, f"쓸 수 있는 id가 없는 질문이 있습니다({quote(qid)})",
                            '질문마다 서로 다른 "id"를 주세요. 예측은 id로 찾습니다.',
                        )
                    qid = str(qid)
                    location = f"question id {qid}"
                    if qid in seen:
                        if require_answers:
                            raise CorpusFormatError(
                                path, location, f"같은 질문 id가 두 번 나옵니다({quote(qid, 40)}). 예측은 id로 "
                                "찾으므로 둘 중 한 질문은 다른 질문의 답으로 채점됩니다",
                                "검증 파일의 질문마다 다른 id를 주세요(예: 뒤의 것에 -2를 붙이기).",
                            )
                        duplicates.append(qid)
                    seen.add(qid)
                    question = to_nfc(_require(qa.get("question"), str, path, location, '"question"'))
                    answers = _read_answers(qa.get("answers", []), context, normal_context, path, location)
                    if require_answers and not answers:
                        raise CorpusFormatError(
                            path, location, "질문에 정답이 없어 검증에서 채점할 수 없습니다",
                            '정답 {"text", "answer_start"}을 주거나 이 질문을 검증 파일에서 빼세요.',
                        )
                    examples.append(QAExample(qid, title, question, normal_context, answers))
        check_not_empty(path, len(examples) - before, '질문이 없습니다: "data"에 질문이 있는 글이 없습니다',
                        '"data"에 {"title", "paragraphs": [{"context", "qas": [...]}]} 꼴의 글을 넣으세요.')
        if duplicates:
            # Kept (the questions are still good training data), but a predictions file keyed by id can hold
            # only one answer for them.
            logger.warning("%s: 두 번 이상 쓰인 질문 id가 %d개 있습니다(예: %s)", path, len(duplicates), duplicates[:5])
    return examples


def count_answerable(examples: list[QAExample]) -> dict[str, int]:
    """Questions with and without a gold answer (KorQuAD 1.0 has none without)."""
    counts = Counter("answerable" if example.answers else "unanswerable" for example in examples)
    return {"answerable": counts.get("answerable", 0), "unanswerable": counts.get("unanswerable", 0)}


KORQUAD_V1 = register(
    CorpusSpec(
        name="korquad-v1",
        task="qa",
        train_files=(KORQUAD_TRAIN,),
        val_files=(KORQUAD_DEV,),
        read=read_korquad,
        read_val=partial(read_korquad, require_answers=True),
        file_patterns=KORQUAD_PATTERNS,
        count_labels=count_answerable,
        sample_train=("korquad_train.json",),
        sample_val=("korquad_val.json",),
        license="KorQuAD 1.0 (korquad/korquad.github.io), CC BY-ND 2.0 KR",
    )
)
