"""tasks of the chapters (one module per chapter)."""
