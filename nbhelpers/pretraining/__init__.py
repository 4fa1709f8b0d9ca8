"""Chapter 1: pretraining a BERT from scratch: a WordPiece tokenizer, then masked LM and next sentence prediction.

Importing the package registers its corpora (``kowikitext``, ``kowikitext-full``) with the core registry.
"""

from nbhelpers.pretraining import kowikitext  # noqa: F401  (registers the corpora)
