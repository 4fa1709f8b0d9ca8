#!/usr/bin/env bash
# CI leg on Colab's library versions (.ci/colab-versions.txt): does the notebooks' install cell keep Colab's
# packages as they are, and do the package and a notebook work on them?
#   1. a fresh venv with Colab's pip, Colab's library versions and the test tools;
#   2. a dry run of the install (what it would ADD and CHANGE), then the install itself as the Colab cell does
#      it: a non-editable `pip install` of the package (`.` stands in for the git URL of the release tag), then
#      Korpora in its own pip call that may fail;
#   3. `pip freeze` before and after: fails if the install changed or removed anything that was there;
#   4. the unit tests and notebook 02 (smoke profile) under nbval, importing the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=$work/venv

python3 -m venv "$venv"
py=$venv/bin/python
"$py" -m pip install -q pip==24.1.2  # Colab's pip: its resolver is the one the install cell meets
"$py" -m pip install -q -r .ci/colab-versions.txt pytest==9.0.3 nbval==0.11.0 ipykernel seqeval==1.2.2  # test tools
"$py" -m pip freeze --all > "$work/before.txt"
echo "Colab versions installed: $(grep -E '^(torch|transformers|tokenizers|numpy|ipywidgets|matplotlib|tqdm|pip)==' \
  "$work/before.txt" | tr '\n' ' ')"

echo "--- dry run: what installing nbhelpers would do to these packages ---"
"$py" -m pip install -q --dry-run --report "$work/report.json" .
"$py" .ci/pip_changes.py report "$work/report.json" "$work/before.txt"

echo "--- install as the Colab cell does ---"
"$py" -m pip install -q .
korpora=$("$py" -c "import tomllib
print(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['korpora'][0])")
"$py" -m pip install -q "$korpora" || echo "note: $korpora did not install; the notebooks go on without it"
"$py" -m pip freeze --all > "$work/after.txt"
echo "--- pip freeze before -> after ---"
if ! "$py" .ci/pip_changes.py freeze "$work/before.txt" "$work/after.txt"; then
  echo "FAIL: installing nbhelpers changed packages that Colab preinstalls (see CHANGE/REMOVE above)." >&2
  exit 1
fi

echo "install steps took ${SECONDS} s"

# The tests run in the checkout (some read the source or the notebooks), but import the installed package
# (pytest puts tests/, not the checkout, on sys.path; test_ci.py checks it). Not an NBHELPERS_ variable:
# the config refuses NBHELPERS_ names that are no config field.
located=$(cd "$work" && "$py" -c "import nbhelpers; print(nbhelpers.__file__)")
case $located in
  "$venv"/*) echo "testing the installed package: $located" ;;
  *) echo "FAIL: nbhelpers imported from $located, not from the installed package" >&2; exit 1 ;;
esac
# Deselected: notebooks 02/04/05 re-run on two DDP processes. That exercises torch and Lightning, which are the
# same versions as in the README leg (where it runs), and it is the slowest part of the suite (CI must stay
# under 15 minutes in all). Also deselected: notebooks 02-05 re-run with other model families
# (tests/test_family_notebooks.py, about a minute each); here the families run through every chapter's code at
# unit level on Colab's transformers (tests/test_model_families.py). --durations shows where this leg's time goes.
tests_start=$SECONDS
CI_TESTS_INSTALLED_PACKAGE=1 NBHELPERS_PROFILE=smoke HF_HUB_OFFLINE=1 "$venv/bin/pytest" tests --nbval-lax \
  --nbval-current-env notebooks/02_doc_classification.ipynb --durations=10 \
  --deselect tests/test_distributed.py::test_notebook_runs_unmodified_on_two_processes \
  --deselect tests/test_family_notebooks.py::test_notebook_runs_with_another_family \
  --deselect tests/test_family_notebooks.py::test_chapter_1_export_fine_tunes_in_notebook_02
echo "tests took $(( SECONDS - tests_start )) s"
