"""What an install adds to, and changes in, an environment: the check behind "installing nbhelpers on Colab
changes nothing Colab already has".

    python .ci/pip_changes.py freeze BEFORE.txt AFTER.txt    # two `pip freeze --all` outputs; exit 1 on any change
    python .ci/pip_changes.py report REPORT.json BEFORE.txt  # a `pip install --dry-run --report` against BEFORE

Both print ADD / CHANGE / REMOVE lines; a package present before whose version differs afterwards (or would
differ, for a dry run) is a CHANGE, and any CHANGE or REMOVE makes the exit status 1.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_freeze(path: Path) -> dict[str, str]:
    """``name -> version`` from ``pip freeze`` output; direct references (``name @ url``) keep the URL."""
    packages: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-e ")):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
        elif " @ " in line:
            name, version = line.split(" @ ", 1)
        else:
            raise SystemExit(f"{path}: cannot read the freeze line {line!r}")
        packages[normalize(name)] = version.strip()
    return packages


def read_report(path: Path) -> dict[str, str]:
    """``name -> version`` of what a ``pip install --dry-run --report`` would install."""
    report = json.loads(path.read_text(encoding="utf-8"))
    return {normalize(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}


def compare(before: dict[str, str], installed: dict[str, str], removed: list[str]) -> int:
    added = sorted(n for n in installed if n not in before)
    changed = sorted(n for n in installed if n in before and installed[n] != before[n])
    for name in added:
        print(f"ADD     {name} {installed[name]}")
    for name in changed:
        print(f"CHANGE  {name} {before[name]} -> {installed[name]}")
    for name in removed:
        print(f"REMOVE  {name} {before[name]}")
    print(f"{len(added)} added, {len(changed)} changed, {len(removed)} removed")
    return 1 if changed or removed else 0


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("freeze", "report"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, first, second = argv[0], Path(argv[1]), Path(argv[2])
    if mode == "freeze":
        before, after = read_freeze(first), read_freeze(second)
        installed = {n: v for n, v in after.items() if before.get(n) != v}
        return compare(before, installed, sorted(n for n in before if n not in after))
    return compare(read_freeze(second), read_report(first), [])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
