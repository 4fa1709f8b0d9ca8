"""The shared predictor base (issue 9 item 5): device choice, length-sorted batches, input order, progress bar."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoTokenizer,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
)

import nbhelpers.predictor as predictor_module
from nbhelpers.checkpoints import atomic_save
from nbhelpers.classification.predictor import Classifier
from nbhelpers.ner.predictor import EntityRecognizer
from nbhelpers.predictor import Predictor, best_device_type
from nbhelpers.pretrained import tiny_bert_config
from nbhelpers.pretraining.fill_mask import MaskedLanguageModel
from nbhelpers.qa.predictor import QuestionAnswerer

TEXTS = [
    "좋아요",
    "배우들 연기가 정말 좋았고 이야기도 끝까지 긴장감이 있어서 시간 가는 줄 몰랐다 다시 보고 싶다",
    "최악",
    "음악은 괜찮았지만 결말이 너무 허무했다",
    "그냥 그랬어요 보통",
]


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir: Path):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


@pytest.fixture()
def cuda_free(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CUDA, no TPU, no MPS unless a test says otherwise."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(predictor_module, "tpu_chip_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    return monkeypatch


def test_device_choice_is_cuda_then_tpu_then_mps_then_cpu(cuda_free: pytest.MonkeyPatch) -> None:
    assert best_device_type() == "cpu"
    cuda_free.setattr(torch.backends.mps, "is_available", lambda: True)
    assert best_device_type() == "mps"
    cuda_free.setattr(predictor_module, "tpu_chip_count", lambda: 1)
    assert best_device_type() == "xla"
    cuda_free.setattr(torch.cuda, "is_available", lambda: True)
    assert best_device_type() == "cuda"


def test_the_model_is_moved_to_the_chosen_device(tiny_model_dir: Path, tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    # After fit/validate Lightning leaves the model on the CPU; the predictor moves it to the accelerator.
    monkeypatch.setattr(predictor_module, "best_device", lambda: torch.device("meta"))
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2)
    classifier = Classifier(model, tokenizer, max_seq_length=64)
    assert classifier.device.type == "meta" and next(classifier.model.parameters()).device.type == "meta"
    assert not classifier.model.training


class Widths:
    """Records the padded width of every batch a model sees."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.widths: list[int] = []
        model.register_forward_pre_hook(lambda module, args, kwargs: self.widths.append(kwargs["input_ids"].shape[1]),
                                        with_kwargs=True)


def test_classifier_batches_longest_first_and_answers_in_input_order(tiny_model_dir: Path, tokenizer) -> None:
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2, id2label={0: "neg", 1: "pos"})
    classifier = Classifier(model, tokenizer, max_seq_length=64, device="cpu")
    widths = Widths(classifier.model)
    together = classifier.predict(TEXTS, batch_size=2)
    assert widths.widths == sorted(widths.widths, reverse=True) and len(widths.widths) == 3
    one_by_one = [classifier.predict([text])[0] for text in TEXTS]
    for joint, alone in zip(together, one_by_one):
        assert joint.label == alone.label
        assert joint.probabilities["pos"] == pytest.approx(alone.probabilities["pos"], abs=1e-5)
    pairs = classifier.predict(TEXTS, list(reversed(TEXTS)), batch_size=2)
    assert [p.probabilities["pos"] for p in pairs] == pytest.approx(
        [classifier.predict([a], [b])[0].probabilities["pos"] for a, b in zip(TEXTS, reversed(TEXTS))], abs=1e-5)


def test_entity_recognizer_answers_in_input_order(tokenizer) -> None:
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    torch.manual_seed(1)
    config = tiny_bert_config(len(tokenizer))
    config.num_labels, config.id2label = len(labels), dict(enumerate(labels))
    config.label2id = {name: index for index, name in enumerate(labels)}
    recognizer = EntityRecognizer(BertForTokenClassification(config), tokenizer, max_seq_length=16, device="cpu")
    widths = Widths(recognizer.model)
    together = recognizer.predict(TEXTS, batch_size=2)
    assert widths.widths == sorted(widths.widths, reverse=True)
    assert together == [recognizer.predict([text])[0] for text in TEXTS]


def test_question_answerer_answers_in_input_order(tokenizer) -> None:
    torch.manual_seed(2)
    answerer = QuestionAnswerer(BertForQuestionAnswering(tiny_bert_config(len(tokenizer))), tokenizer,
                                max_seq_length=32, max_query_length=8, doc_stride=8, device="cpu")
    questions = ["무엇이 좋았나?", "결말은?", "음악은 어땠나?"]
    contexts = [TEXTS[1], TEXTS[3], " ".join(TEXTS)]
    together = answerer.predict(questions, contexts)
    alone = [answerer.answer(q, c) for q, c in zip(questions, contexts)]
    assert [(p.text, p.start_char) for p in together] == [(p.text, p.start_char) for p in alone]
    assert [p.score for p in together] == pytest.approx([p.score for p in alone], abs=1e-4)


def test_pseudo_log_likelihoods_in_one_stream_equal_one_sentence_at_a_time(tokenizer) -> None:
    torch.manual_seed(3)
    scorer = MaskedLanguageModel(BertForPreTraining(tiny_bert_config(len(tokenizer))), tokenizer, device="cpu")
    together = scorer.pseudo_log_likelihoods(TEXTS, batch_size=7)
    assert together == pytest.approx([scorer.pseudo_log_likelihoods([text])[0] for text in TEXTS], abs=1e-4)
    candidates = scorer.fill_mask(f"배우들 연기가 {tokenizer.mask_token} 좋았다", top_k=3)
    assert len(candidates) == 3 and candidates[0][1] >= candidates[1][1] >= candidates[2][1]


def test_long_inputs_show_a_progress_bar(tiny_model_dir: Path, tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    bars: list[dict] = []

    class Bar:
        def __init__(self, **options: object) -> None:
            self.options = options
            self.done = 0
            bars.append(self.__dict__)

        def update(self, count: int) -> None:
            self.done += count

        def close(self) -> None:
            pass

    monkeypatch.setattr(predictor_module, "tqdm", Bar)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2)
    classifier = Classifier(model, tokenizer, device="cpu")
    classifier.predict(TEXTS[:2])
    monkeypatch.setattr(Predictor, "progress_min_items", 4)
    classifier.predict(TEXTS, batch_size=2)
    assert [bar["options"]["disable"] for bar in bars] == [True, False]
    assert bars[1]["done"] == len(TEXTS) and bars[1]["options"]["total"] == len(TEXTS)


def test_load_from_checkpoint_and_from_export_give_the_same_predictions(
    tiny_model_dir: Path, tokenizer, tmp_path: Path
) -> None:
    torch.manual_seed(4)
    model = BertForSequenceClassification.from_pretrained(tiny_model_dir, num_labels=2, id2label={0: "neg", 1: "pos"})
    checkpoint = {
        "state_dict": {f"model.{key}": value for key, value in model.state_dict().items()},
        "hf_config": model.config.to_dict(),
        "hyper_parameters": {"pretrained_model_name": str(tiny_model_dir)},
    }
    atomic_save(checkpoint, tmp_path / "best.ckpt")
    predictor_module.mark_validated(model)
    export = predictor_module.export_model(model, tokenizer, tmp_path / "export")
    from_ckpt = Classifier.load(tmp_path / "best.ckpt", max_seq_length=64, device="cpu").predict(TEXTS)
    from_dir = Classifier.load(export, max_seq_length=64, device="cpu").predict(TEXTS)
    assert [p.probabilities["pos"] for p in from_ckpt] == pytest.approx([p.probabilities["pos"] for p in from_dir], abs=1e-6)


def test_export_gives_the_tokenizer_the_models_positions_so_pipeline_truncates(
    tokenizer, tmp_path: Path  # noqa: ANN001
) -> None:
    """A 1,602-token review through ``pipeline`` on the export: truncated to the model's positions, no crash."""
    from transformers import RobertaConfig, RobertaForSequenceClassification, pipeline

    from nbhelpers.predictor import export_model
    from nbhelpers.pretrained import max_input_length

    # A copy that knows no length, like a tokenizer trained here; other tests' predictors may have fitted the
    # shared fixture to their model already.
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.model_max_length = int(1e30)
    long_text = " ".join(["배우들 연기가 정말 좋았다"] * 400)
    assert len(tokenizer(long_text)["input_ids"]) >= 1602
    bert = BertForSequenceClassification(tiny_bert_config(len(tokenizer), max_position_embeddings=64)).eval()
    roberta_config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                   intermediate_size=64, max_position_embeddings=66, pad_token_id=tokenizer.pad_token_id)
    roberta = RobertaForSequenceClassification(roberta_config).eval()
    # RoBERTa numbers positions from padding_idx + 1: 66 - pad - 1 usable.
    assert max_input_length(bert.config) == 64
    assert max_input_length(roberta.config) == 66 - tokenizer.pad_token_id - 1
    for model in (bert, roberta):
        export_dir = export_model(model, tokenizer, tmp_path / model.config.model_type)
        assert AutoTokenizer.from_pretrained(export_dir).model_max_length == max_input_length(model.config)
        classify = pipeline("text-classification", model=str(export_dir), tokenizer=str(export_dir))
        assert classify(long_text, truncation=True)[0]["label"] in model.config.id2label.values()
    assert tokenizer.model_max_length > 1e29  # the learner's tokenizer object is left as it was
