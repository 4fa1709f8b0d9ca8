"""Chapters 3-5's code path (features, task, fit, finish_training, predictor, export) for each model family on an accelerator.

    HF_HUB_OFFLINE=1 python bench/model_families.py [ACCELERATOR] [FAMILIES] [EPOCHS]
    HF_HUB_OFFLINE=1 python bench/model_families.py gpu tiny-bert,tiny-roberta,tiny-electra 3

The smoke profile's offline models of each family (``nbhelpers.pretrained.TINY_BUILDERS``) on the embedded samples,
with the accelerator's default precision (16-mixed on a GPU), as notebooks 03-05 run them; CI runs the notebooks on
the CPU only. Prints the class chosen, the batch's inputs (no ``token_type_ids`` for RoBERTa), each chapter's metric,
what the predictor found on which device, and seconds per family. Needs no notebook tools (nbval, ipywidgets).
"""

import os
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.getcwd())  # run from the repository root, installed or not

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    DataCollatorWithPadding,
)

import nbhelpers.classification  # noqa: E402,F401
import nbhelpers.ner  # noqa: E402,F401
import nbhelpers.qa  # noqa: E402,F401
from nbhelpers.batching import dataloader_options, make_batch_sampler, padding_options  # noqa: E402
from nbhelpers.classification.config import PairClassificationConfig  # noqa: E402
from nbhelpers.classification.features import encode_classification  # noqa: E402
from nbhelpers.classification.nli import NLI_LABELS  # noqa: E402
from nbhelpers.classification.predictor import Classifier  # noqa: E402
from nbhelpers.classification.task import ClassificationTask  # noqa: E402
from nbhelpers.config import resolve_config  # noqa: E402
from nbhelpers.ner.config import NERConfig  # noqa: E402
from nbhelpers.ner.examples import entity_types  # noqa: E402
from nbhelpers.ner.features import NERCollator, bio_labels, encode_ner, label_maps  # noqa: E402
from nbhelpers.ner.predictor import EntityRecognizer  # noqa: E402
from nbhelpers.ner.task import NERTask  # noqa: E402
from nbhelpers.predictor import export_model  # noqa: E402
from nbhelpers.pretrained import check_max_seq_length, load_tokenizer, model_summary, resolve_pretrained  # noqa: E402
from nbhelpers.qa.config import QAConfig  # noqa: E402
from nbhelpers.qa.dataset import QACollator, QADataset  # noqa: E402
from nbhelpers.qa.predictor import QuestionAnswerer  # noqa: E402
from nbhelpers.qa.task import QATask  # noqa: E402
from nbhelpers.qa.windows import build_qa_features  # noqa: E402
from nbhelpers.registry import get_corpus, sample_files  # noqa: E402
from nbhelpers.training import finish_training, make_trainer  # noqa: E402

ACCELERATOR = sys.argv[1] if len(sys.argv) > 1 else "gpu"
FAMILIES = sys.argv[2].split(",") if len(sys.argv) > 2 else ["tiny-bert", "tiny-roberta", "tiny-electra"]
EPOCHS = sys.argv[3] if len(sys.argv) > 3 else "3"


def samples(name):
    spec = get_corpus(name)
    return spec.read(sample_files(spec, "train")), spec.read(sample_files(spec, "val"))


def config_for(cls, family):
    env = {"NBHELPERS_PROFILE": "smoke", "NBHELPERS_PRETRAINED_MODEL_NAME": family, "NBHELPERS_ACCELERATOR": ACCELERATOR,
           "NBHELPERS_EPOCHS": EPOCHS, "NBHELPERS_DOWNSTREAM_MODEL_DIR": tempfile.mkdtemp()}
    return resolve_config(cls(), env=env, show=False)


def loaders(config, train_ds, val_ds, collator):
    return (DataLoader(train_ds, batch_sampler=make_batch_sampler(train_ds, config, train=True), collate_fn=collator,
                       **dataloader_options(config, train_ds)),
            DataLoader(val_ds, batch_sampler=make_batch_sampler(val_ds, config, train=False), collate_fn=collator,
                       **dataloader_options(config, val_ds)))


def fit(config, task, train_dl, val_dl, extra=None):
    trainer = make_trainer(config, monitor=task.monitor, mode=task.mode, enable_progress_bar=False)
    trainer.fit(task, train_dataloaders=train_dl, val_dataloaders=val_dl)
    return finish_training(trainer, task, val_dl, config, **({"extra": extra} if extra is not None else {}))


for family in FAMILIES:
    start = time.time()
    # Chapter 3: pairs
    config = config_for(PairClassificationConfig, family)
    train, val = samples("klue-nli")
    pretrained = resolve_pretrained(config, [t for e in train for t in (e.text_a, e.text_b)])
    tokenizer = load_tokenizer(pretrained)
    model = AutoModelForSequenceClassification.from_pretrained(
        pretrained, num_labels=3, id2label=dict(enumerate(NLI_LABELS)), label2id={n: i for i, n in enumerate(NLI_LABELS)})
    check_max_seq_length(config, model.config, tokenizer)
    print(family, config.precision, model_summary(model).splitlines()[0])
    train_dl, val_dl = loaders(config, encode_classification(train, tokenizer, config.max_seq_length),
                               encode_classification(val, tokenizer, config.max_seq_length),
                               DataCollatorWithPadding(tokenizer, **padding_options(config)))
    print("  batch keys", sorted(next(iter(train_dl)).keys()))
    task = ClassificationTask(model, learning_rate=config.learning_rate, pretrained_model_name=pretrained)
    metrics = fit(config, task, train_dl, val_dl)
    classifier = Classifier(task.model, tokenizer, config.max_seq_length)
    predictions = classifier.predict([e.text_a for e in val], [e.text_b for e in val])
    accuracy = sum(NLI_LABELS.index(p.label) == e.label for p, e in zip(predictions, val)) / len(val)
    export = export_model(task.model, tokenizer, os.path.join(config.downstream_model_dir, "export"))
    again = Classifier.load(export, max_seq_length=config.max_seq_length).predict([e.text_a for e in val], [e.text_b for e in val])
    same = sum(a.label == b.label for a, b in zip(predictions, again))
    print(f"  pairs: val_acc {metrics['val_acc']:.3f}, predictor acc {accuracy:.3f} on {classifier.device}, "
          f"export reload same labels {same}/{len(val)}")

    # Chapter 4: NER
    config = config_for(NERConfig, family)
    train, val = samples("ner")
    pretrained = resolve_pretrained(config, [e.text for e in train])
    tokenizer = load_tokenizer(pretrained)
    labels = bio_labels(entity_types(train + val, get_corpus("ner").label_names))
    id2label, label2id = label_maps(labels)
    model = AutoModelForTokenClassification.from_pretrained(pretrained, num_labels=len(labels), id2label=id2label,
                                                            label2id=label2id)
    check_max_seq_length(config, model.config, tokenizer)
    train_ds = encode_ner(train, tokenizer, label2id, config.max_seq_length, config.stride)
    val_ds = encode_ner(val, tokenizer, label2id, config.max_seq_length, config.stride)
    train_dl, val_dl = loaders(config, train_ds, val_ds, NERCollator(tokenizer, **padding_options(config)))
    task = NERTask(model, learning_rate=config.learning_rate, pretrained_model_name=pretrained)
    metrics = fit(config, task, train_dl, val_dl)
    recognizer = EntityRecognizer(task.model, tokenizer, config.max_seq_length, stride=config.stride)
    spans = recognizer.predict([e.text for e in val])
    print(f"  ner: val_entity_f1 {metrics['val_entity_f1']:.3f}, predictor found {sum(map(len, spans))} entities "
          f"on {recognizer.device}")

    # Chapter 5: QA
    config = config_for(QAConfig, family)
    train, val = samples("korquad-v1")
    texts = list(dict.fromkeys(e.context for e in train)) + [e.question for e in train]
    pretrained = resolve_pretrained(config, texts)
    tokenizer = load_tokenizer(pretrained)
    model = AutoModelForQuestionAnswering.from_pretrained(pretrained)
    check_max_seq_length(config, model.config, tokenizer)
    args = (config.max_seq_length, config.max_query_length, config.doc_stride)
    train_f, val_f = build_qa_features(train, tokenizer, *args), build_qa_features(val, tokenizer, *args)
    train_dl, val_dl = loaders(config, QADataset(train_f, train), QADataset(val_f, val), QACollator.for_config(config))
    task = QATask(model, learning_rate=config.learning_rate, pretrained_model_name=pretrained,
                  n_best_size=config.n_best_size, max_answer_length=config.max_answer_length)
    metrics = fit(config, task, train_dl, val_dl, extra=task.scores)
    reader = QuestionAnswerer.from_config(task.model, tokenizer, config)
    answers = reader.predict_examples(val)
    exact = sum(answers[e.qid].text == e.answers[0].text for e in val)
    print(f"  qa: EM {metrics['exact_match']:.2f} F1 {metrics['f1']:.2f}, predictor exact {exact}/{len(val)} "
          f"on {reader.device}; {time.time() - start:.0f} s for {family}")
print("cuda" if torch.cuda.is_available() else "no cuda", torch.__version__)
