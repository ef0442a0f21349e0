# Two commands for a newcomer: `make run` (set up, start the lab) and `make test` (set up, test).
# Both create .venv on first use and are fast once it exists.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install -q --disable-pip-version-check
# glibc malloc returned every large activation to the kernel: a training step inside the
# server ran 2.3x slower without these (measured on a 2-core CPU; see DESIGN §5).
export MALLOC_ARENA_MAX := 1
export MALLOC_MMAP_THRESHOLD_ := 1073741824
export MALLOC_TRIM_THRESHOLD_ := 2147483647

.PHONY: run test test-fast lint bench clean

$(PY):
	python3 -m venv $(VENV)

# torch and torchvision first, pinned together: a torchvision built for another torch fails.
$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PIP) torch==2.14.1 torchvision==0.29.1 || $(PIP) torch torchvision
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(PIP) -e '.[test,dev]'
	touch $@

run: $(VENV)/.installed-run
	$(VENV)/bin/ssl-lab --runs-dir runs

test: $(VENV)/.installed-test
	$(VENV)/bin/pytest -q

# The inner loop: the unit and engine tests, without the runs that train for tens of seconds
# (marked slow). `make test` runs every folder: dashboard, browser and reliability too.
test-fast: $(VENV)/.installed-test
	$(VENV)/bin/pytest -q tests/unit tests/engine -m "not slow and not browser and not long"

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check sslcore dashboard tests benchmarks
	$(VENV)/bin/mypy sslcore
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed-test
	$(PY) benchmarks/run_cpu.py

clean:
	rm -rf $(VENV) runs test-output
