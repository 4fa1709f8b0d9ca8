"""Helpers for the Korean NLP notebooks: Colab plumbing, corpora, Lightning tasks, inference widgets.

The notebooks show what a learner must see (config, tokens, DataLoader, model, ``trainer.fit``,
metrics, a prediction); everything else lives here so that every chapter does it the same way.
"""

import os

# DataLoader workers are forked from the notebook process, and a forked worker cannot use the Rust
# tokenizer's thread pool (its threads stay in the parent): tokenizers then turns the pool off in the
# worker (quietly in 0.22.2 and 0.23.3, checked here; older releases printed a warning per worker).
# Turning it off before any tokenizer runs makes that explicit on every release; it cost nothing
# measurable here (150k NSMC reviews: 14.7 s either way on 2 cores). A value the user set is kept.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.2.0"
