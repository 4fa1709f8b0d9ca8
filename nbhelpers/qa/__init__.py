"""Chapter 5: extractive question answering on KorQuAD 1.0, scored the official way (EM / F1).

Importing the package registers its corpus (``korquad-v1``) with the core registry.
"""

from nbhelpers.qa import korquad  # noqa: F401  (registers the corpus)
