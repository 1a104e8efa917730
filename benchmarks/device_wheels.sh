#!/usr/bin/env bash
# Rebuild the two git-ignored folders that GPU-machine calls carry, from this (networked) machine:
#   .whl/   wheels for the device image (Python 3.12, x86-64): NOTES.md "Device recipe" (bitsandbytes, trimmed,
#           pydantic and mistral-common with their needs) plus every wheel in benchmarks/sweep_wheels.txt.
#           Installed there by benchmarks/device_env.sh: pip install --no-index --no-deps --target /tmp/site .whl/*.whl
#   .peer/  llama.cpp's source (from the llama-cpp-python sdist) + ../shared/peer/*.sh (see ../shared/peer/README.md).
# Usage, from anywhere: bash benchmarks/device_wheels.sh   (idempotent: both folders are rebuilt from scratch in a
# temporary folder and swapped in only when complete; about 1 minute, most of it the 75 MB sdist).
# Everything carried must stay under the 64 MiB a device call sends (tree + carried paths), so the script checks
# .whl + .peer against 60 MB and fails above it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Never commit either folder (.peer is third-party source); .gitignore covers /.whl/ but not /.peer/.
excl=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$excl")"
for d in .whl .peer; do
  git check-ignore -q "$d/x" || echo "/$d/" >> "$excl"
done

# The local machine runs Python 3.11, the device 3.12: ask pip for cp312 manylinux x86-64 binaries explicitly.
# manylinux_2_24 is needed for bitsandbytes 0.50.2 (its only Linux x86-64 wheel is tagged 2_24). pip matches each
# manylinux_2_N tag exactly, so the list is what decides which wheel is picked: debugpy 1.8.22's binary wheel is
# manylinux_2_34, which is deliberately left out, so pip takes its pure py2.py3-none-any wheel (installs on any glibc).
# --no-deps: each needed package is named below, one version each (two versions of one name stop the device install).
plat=(--platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
# pip's log goes to a file (the local index prints one harmless "is ignored" warning per name); shown on failure.
pipq() { python3 -m pip "$@" >"$tmp/pip.log" 2>&1 || { grep -v 'is ignored: it is neither' "$tmp/pip.log" >&2; exit 1; }; }
dl() { pipq download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
         "${plat[@]}" -d "$tmp/whl" "$@"; }

# Device recipe wheels; versions are those in the CPU venv (.venv) the tests run with. The image already has
# attrs, typing-extensions, requests, urllib3, idna, certifi, charset-normalizer (KINDS.md package list).
mkdir -p "$tmp/whl"
dl bitsandbytes==0.50.2 pydantic==2.14.4 pydantic_core==2.50.5 annotated_types==0.8.0 typing_inspection==0.4.5 \
   mistral_common==1.13.1 pydantic_extra_types==2.11.1 pycountry==26.2.16 jsonschema==4.26.0 \
   jsonschema_specifications==2025.9.1 referencing==0.37.0 rpds_py==2026.9.1
# What `mistral-eval sweep` needs beyond those (papermill and its kernel stack).
dl -r benchmarks/sweep_wheels.txt

# bitsandbytes ships one native library per CUDA/ROCm/XPU version (43 MB). The device runs torch+cu130, and
# bitsandbytes picks the library by torch's CUDA version: keep cuda130, its neighbours cuda128/cuda132 and the CPU
# one; delete the rest from the zip in place (zip -d leaves every other entry, RECORD included, byte-identical:
# pip does not check RECORD against the files present).
bnb=$(ls "$tmp"/whl/bitsandbytes-0.50.2-*.whl)
mapfile -t drop < <(python3 -m zipfile -l "$bnb" | awk '{print $1}' \
  | grep -E '^bitsandbytes/libbitsandbytes_.*\.(so|dll|dylib)$' \
  | grep -vE '_(cpu|cuda128|cuda130|cuda132)\.so$')
if [ ${#drop[@]} -gt 0 ]; then zip -q -d "$bnb" "${drop[@]}"; fi
# (no `| grep -q` here: grep quitting early breaks zipfile's pipe, and pipefail then fails the check)
python3 -c 'import sys, zipfile; sys.exit("bitsandbytes/libbitsandbytes_cuda130.so" not in zipfile.ZipFile(sys.argv[1]).namelist())' "$bnb" \
  || { echo "bnb lost cuda130" >&2; exit 1; }

# One version of each distribution, or the device install stops.
dups=$(ls "$tmp/whl" | sed 's/-[0-9].*//' | tr 'A-Z-' 'a-z_' | sort | uniq -d)
[ -z "$dups" ] || { echo "two versions of: $dups" >&2; exit 1; }

# .peer: llama.cpp's source from the llama-cpp-python sdist, without models, docs and benches (the sdist is 75 MB).
mkdir -p "$tmp/sdist" "$tmp/peer"
pipq download -q --no-deps --no-binary=:all: llama-cpp-python==0.3.36 -d "$tmp/sdist"
tar xzf "$tmp"/sdist/llama_cpp_python-0.3.36.tar.gz -C "$tmp/sdist"
tar czf "$tmp/peer/llama.cpp.tgz" -C "$tmp"/sdist/llama_cpp_python-0.3.36/vendor \
  --exclude='llama.cpp/models/*.gguf' --exclude='llama.cpp/docs' --exclude='llama.cpp/benches' llama.cpp
cp "$root"/../shared/peer/*.sh "$tmp/peer/"

# Swap in only complete folders (a failure above leaves the old ones untouched).
rm -rf .whl .peer
mv "$tmp/whl" .whl
mv "$tmp/peer" .peer

total=$(du -cb .whl .peer | tail -1 | cut -f1)
ls -l .whl .peer
echo "total .whl + .peer: $total bytes"
[ "$total" -lt 60000000 ] || { echo "over 60 MB: the device call would not take it" >&2; exit 1; }
