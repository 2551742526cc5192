# DeepSeek's true cost: set-up, build and checks. Run `make help`.
# Every target that needs Python first creates .venv when it is missing or older than
# requirements.lock, requirements-bootstrap.txt or pyproject.toml: `python3 -m venv`, then pip
# installs uv (pinned with hashes in requirements-bootstrap.txt), uv installs every package in
# requirements.lock, checking each file's sha256 hash, then the project itself (editable), and
# tools/compile_bytecode.py compiles what a build imports (not all 6,900 modules: 4 s, not 12).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-from-lock
JOBS   ?=
# The uv that `make` installs and `make lock` resolves with. To change it, edit this line and
# run `make lock`, which rewrites requirements-bootstrap.txt with the new version's hashes.
UV_VERSION := 0.13.9
PIP_QUIET  := --quiet --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help report test bench check lint clean lock app

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock requirements-bootstrap.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --require-hashes --no-deps -r requirements-bootstrap.txt
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps --no-build-isolation -e .
	env -u PYTHONDONTWRITEBYTECODE $(PY) tools/compile_bytecode.py
	@touch $(STAMP)

report: $(STAMP) ## Build the baseline report into reports/baseline/ and copy its citable figures to figures/ (committed)
	$(PY) -m analysis report $(if $(JOBS),--jobs $(JOBS))

test: $(STAMP) ## Run the whole test suite (unit, data, doctests, CLI, notebooks end to end)
	$(PY) -m pytest

APP_PORT ?= 8866
app: $(STAMP) ## Serve the what-if app (notebooks/what_if.ipynb) on http://127.0.0.1:$(APP_PORT)/ with Voila; Ctrl-C stops it
	JUPYTER_PATH=$(CURDIR)/tools/app $(VENV)/bin/voila notebooks/what_if.ipynb --template=offline --no-browser \
	  --port=$(APP_PORT) --Voila.ip=127.0.0.1

bench: $(STAMP) ## Time the build against a floor of minimal notebooks, and Monte Carlo draws per second
	$(PY) tests/benchmarks/bench.py

check: $(STAMP) ## Validate data files, the register, scenarios and notebook parameter cells
	$(PY) -m analysis check

lint: $(STAMP) ## Lint: ruff check, ruff format --check, numpydoc docstrings, data check (runs all four)
	@status=0; \
	for step in "$(VENV)/bin/ruff check ." "$(VENV)/bin/ruff format --check ." \
	            "$(PY) tools/check_docstrings.py" "$(PY) -m analysis check"; do \
	  echo "$$step"; $$step || status=1; \
	done; \
	exit $$status

clean: ## Remove caches and the runner's leftovers (its marked temporary folders; keeps .venv and reports)
	rm -rf build .pytest_cache .hypothesis
	@if [ -x $(PY) ]; then $(PY) -c 'from analysis.runner.build import clean; clean("reports")'; \
	else echo "no $(VENV): the runner's leftovers in reports/ were not looked at"; fi
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

# `make lock` resolves with uv's universal resolution, so one file covers Linux and macOS
# (arm64 and x86_64) on Python 3.11 to 3.13 through environment markers, then checks that
# every one of those platforms and Pythons gets a wheel for every package.
LOCK_PLATFORMS  := x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin x86_64-apple-darwin
LOCK_PYTHONS    := 3.11 3.12 3.13
# argon2-cffi-bindings 26 ships no wheels for Intel Macs; 25.1.0 does.
LOCK_CONSTRAINT := argon2-cffi-bindings<26 ; sys_platform == 'darwin' and platform_machine == 'x86_64'
LOCK_COMPILE    := uv pip compile pyproject.toml build/lock/build-requires.txt --constraint build/lock/constraints.txt \
                   --extra test --universal --python-version 3.11 --generate-hashes --no-header

lock: ## Re-resolve requirements.lock (and requirements-bootstrap.txt) from pyproject.toml (needs PyPI)
	rm -rf build/lock
	$(PYTHON) -m venv build/lock/venv
	build/lock/venv/bin/python -m pip install $(PIP_QUIET) --require-hashes --no-deps -r requirements-bootstrap.txt
	$(PYTHON) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  > build/lock/build-requires.txt
	echo "$(LOCK_CONSTRAINT)" > build/lock/constraints.txt
	echo "uv==$(UV_VERSION)" > build/lock/bootstrap.in
	cd build/lock && venv/bin/uv pip compile bootstrap.in --universal --generate-hashes --no-header --no-annotate -o bootstrap.txt
	build/lock/venv/bin/$(LOCK_COMPILE) -o build/lock/requirements.lock
	for platform in $(LOCK_PLATFORMS); do for version in $(LOCK_PYTHONS); do \
	  echo "checking wheels for $$platform, Python $$version"; \
	  build/lock/venv/bin/uv pip install --quiet --dry-run --target build/lock/target --python-platform $$platform \
	    --python-version $$version --only-binary :all: --require-hashes -r build/lock/requirements.lock || exit 1; \
	done; done
	{ echo "# uv, the installer \`make\` puts into .venv first (pip installs it with --require-hashes)."; \
	  echo "# Generated by \`make lock\` from UV_VERSION in the Makefile; do not edit by hand."; \
	  cat build/lock/bootstrap.txt; } > requirements-bootstrap.txt
	{ echo "# Every package \`make\` installs into .venv, pinned, with the sha256 hash of each of its files on PyPI"; \
	  echo "# (uv installs them with --require-hashes). One universal resolution: environment markers pick the pins"; \
	  echo "# for each platform, and \`make lock\` checked that Linux (x86_64, aarch64) and macOS (darwin: arm64,"; \
	  echo "# x86_64) on Python 3.11, 3.12 and 3.13 each get a wheel of every package they need."; \
	  echo "# Generated by \`make lock\` from pyproject.toml (dependencies, test extras, build-system requires),"; \
	  echo "# with uv $(UV_VERSION); do not edit by hand. The command, run from the repository root:"; \
	  echo "#   $(LOCK_COMPILE)"; \
	  echo "# where build/lock/build-requires.txt holds [build-system] requires and build/lock/constraints.txt"; \
	  echo "# holds: $(LOCK_CONSTRAINT)"; \
	  cat build/lock/requirements.lock; } > requirements.lock
	rm -rf build/lock
