"""Command line: check data before a long run, score KorQuAD predictions, move the repository.

    python -m nbhelpers inspect CORPUS FILE...         # parse with the chapter's reader, print a JSON summary
    python -m nbhelpers inspect --split val CORPUS FILE...   # validation files: also what scoring needs
    python -m nbhelpers korquad-eval DATASET PREDICTIONS   # the official KorQuAD 1.0 scores
    python -m nbhelpers set-repo OWNER/NAME [--ref REF]    # rewrite every notebook's badge and install line
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from nbhelpers.errors import CorpusFormatError, clip


CHAPTERS = ("classification", "ner", "qa", "pretraining")
"""Chapter packages; importing one registers its corpora."""


def load_chapters() -> None:
    """Import every chapter so that ``inspect`` knows all corpus names (the core never imports a chapter itself)."""
    for chapter in CHAPTERS:
        importlib.import_module(f"nbhelpers.{chapter}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "korquad-eval":
        from nbhelpers.qa.korquad_eval import main as korquad_main

        return korquad_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m nbhelpers")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser("inspect", help="parse corpus files and print counts as JSON")
    inspect.add_argument("corpus", help="registry name, e.g. nsmc, klue-nli, ner, korquad-v1")
    inspect.add_argument("files", nargs="+", help="files or folders (a folder: its files of the corpus's format)")
    inspect.add_argument("--split", choices=("train", "val"), default="train",
                         help="val: check what validation needs too (KorQuAD: a gold answer per question)")
    commands.add_parser("korquad-eval", help="DATASET.json PREDICTIONS.json: official KorQuAD 1.0 EM/F1")
    set_repo = commands.add_parser("set-repo", help="point every notebook's badge and install line at a repo")
    set_repo.add_argument("slug", help="OWNER/NAME on GitHub")
    set_repo.add_argument("--ref", default=None, help="git ref the install cell pins (default: keep)")
    args = parser.parse_args(argv)

    if args.command == "inspect":
        from nbhelpers.registry import inspect_files

        load_chapters()
        try:
            summary = inspect_files(args.corpus, args.files, split=args.split)
        except (CorpusFormatError, OSError, KeyError, ValueError) as error:
            # Bad data is the expected failure here: a short message naming file and line, no traceback.
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            print(f"error: {clip(str(message), 600)}", file=sys.stderr)
            return 1
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    from nbhelpers import repo

    for path in repo.rewrite_all(args.slug, args.ref or repo.GIT_REF):
        print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
