"""Chapters 2 and 3: classifying a text (NSMC) or a pair of sentences (KLUE-NLI, KorNLI) with BERT.

Importing the package registers its corpora (``nsmc``, ``klue-nli``, ``kornli``) with the core registry.
"""

from nbhelpers.classification import nli, nsmc  # noqa: F401  (registers the corpora)
