# Conveyor: `make run` and `make test` each do all their own set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ACTIVATE_MARK := \# conveyor state environment

.PHONY: run test install install-dev check lint workflows docs bench clean-state help

help:
	@echo "make run          set up .venv, apply the default stack, run the training pipeline"
	@echo "make test         set up .venv with dev and docs tools, run lint, the docs build and the whole test suite"
	@echo "make workflows    check .github/workflows with actionlint and zizmor (offline; part of make lint)"
	@echo "make docs         build the documentation site into site/ (mkdocs build --strict)"
	@echo "make bench        the training benchmark (bench/results/training.md)"
	@echo "make bench-serving / bench-drift   the serving and drift benchmarks"
	@echo "make soak         3 minutes of mixed traffic at 32 clients: RSS, 5xx, the prediction log (bench/results/soak.md)"
	@echo "make demo         python run.py --pipeline all: train, deploy, shifted traffic, monitor, retrain"
	@echo "make dashboard    the ZenML dashboard on http://127.0.0.1:8237 (make dashboard-stop stops it)"
	@echo "make clean-state  delete the local ZenML/MLflow/BentoML state in .conveyor/"

# uv installs the same pins as pip would (pip check runs after each install) in under a minute instead of
# about 2.5 on a fresh machine; `pip install -e .` still works for anyone who prefers pip. Bytecode is
# compiled at install, as pip does: with PYTHONDONTWRITEBYTECODE set, every process would compile ZenML,
# MLflow and BentoML from source again (the test suite took 748 s instead of 567 s).
UV_VERSION := 0.13.9
INSTALL := $(PY) -m uv pip install --quiet --compile-bytecode --python $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.uv-$(UV_VERSION): | $(PY)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	touch $@

# Installs the pinned dependencies; re-runs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml $(VENV)/.uv-$(UV_VERSION) | $(PY)
	$(INSTALL) -e .
	@grep -q "$(ACTIVATE_MARK)" $(VENV)/bin/activate || \
		{ echo "$(ACTIVATE_MARK)"; $(PY) -m conveyor.platform.env; } >> $(VENV)/bin/activate
	$(PY) -m pip check
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(INSTALL) -e '.[dev,docs]'
	$(PY) -m pip check
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) run.py --stack configs/stacks/local.yaml --pipeline training

lint: install-dev workflows
	$(PY) -m ruff check .

# The GitHub workflows (.github/workflows): actionlint, with ShellCheck on every `run:` script, and zizmor's
# security audits in its offline mode (no network, no GitHub token). All three are pinned in the dev extra.
workflows: install-dev
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows

# The documentation site; --strict turns every broken link or missing page into an error. Needs no network.
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir site

# The suite on TEST_WORKERS pytest-xdist workers; each worker has its own state directory (tests/conftest.py).
TEST_WORKERS ?= 2
test: lint docs
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: install-dev
	$(PY) bench/training.py

clean-state:
	rm -rf .conveyor

# The ZenML dashboard for this project's state (.conveyor/, or $CONVEYOR_STATE_DIR): a local server
# process on 127.0.0.1, no Docker. Runs made before it started are listed too.
DASHBOARD_PORT ?= 8237
.PHONY: dashboard dashboard-stop
dashboard: install
	@eval "$$($(PY) -m conveyor.platform.env)" && \
		ZENML_AUTO_OPEN_DASHBOARD=false $(VENV)/bin/zenml login --local --ip-address 127.0.0.1 --port $(DASHBOARD_PORT) \
			>/dev/null && \
		echo "ZenML dashboard: http://127.0.0.1:$(DASHBOARD_PORT)  (stop it with: make dashboard-stop)"

dashboard-stop: install
	@eval "$$($(PY) -m conveyor.platform.env)" && $(VENV)/bin/zenml logout --local >/dev/null && \
		echo "ZenML dashboard stopped; runs use the local store again"

# The serving benchmark (about 5 minutes, 2 cores): writes bench/results/serving.md.
.PHONY: bench-serving
bench-serving: install-dev
	$(PY) bench/serving.py

# The soak (a training run, then 3 minutes of mixed valid and invalid traffic at 32 clients, 2 cores): writes
# bench/results/soak.md; fails on a 5xx or an answered prediction missing from the log. SOAK_ARGS=--seconds 600
SOAK_ARGS ?=
.PHONY: soak
soak: install-dev
	$(PY) bench/soak.py $(SOAK_ARGS)

# The drift benchmark (10k/100k/1M rows, about 10 minutes on 2 cores): writes bench/results/drift.md.
.PHONY: bench-drift demo
bench-drift: install-dev
	$(PY) bench/drift.py

# The whole loop: training, deployment, shifted traffic, monitoring with retraining (python run.py --pipeline all).
demo: install
	$(PY) run.py --pipeline all
