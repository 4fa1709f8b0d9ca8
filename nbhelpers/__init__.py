"""Helpers for the Korean NLP notebooks: Colab plumbing, corpora, Lightning tasks, inference widgets.

The notebooks show what a learner must see (config, tokens, DataLoader, model, ``trainer.fit``,
metrics, a prediction); everything else lives here so that every chapter does it the same way.
"""

__version__ = "0.1.0"
