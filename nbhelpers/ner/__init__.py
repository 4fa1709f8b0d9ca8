"""Chapter 4: named entity recognition (KMOU NER, KLUE-NER) as word-piece BIO tagging scored on entities.

Importing the package registers its corpora (``ner``, ``klue-ner``) with the core registry.
"""

from nbhelpers.ner import klue, kmou  # noqa: F401  (registers the corpora)
