#!/usr/bin/env bash
# Runs the tests of the repository's Triton model.py (../models/tensorrt_llm/1/model.py) with the
# first Python 3 that has what they import: pytest, numpy, PyYAML and Pillow (the Triton container
# has all of them; Debian: python3-pytest python3-numpy python3-yaml python3-pil). $PYTHON, if set,
# is tried first. Fails the build when none fits, saying what to install.
set -euo pipefail
cd "$(dirname "$0")"
export PYTHONDONTWRITEBYTECODE=1
for py in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import pytest, numpy, yaml, PIL' 2>/dev/null; then
    exec "$py" -m pytest . -q -p no:cacheprovider "$@"
  fi
done
echo "model.py tests: no python3 with pytest, numpy, PyYAML and Pillow;" \
     "install them: apt-get install python3 python3-pytest python3-numpy python3-yaml python3-pil" >&2
exit 1
