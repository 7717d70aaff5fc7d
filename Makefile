# The two commands in the README: `make run` and `make test`. Each sets itself up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint browser lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

## Start web, worker and beat on the embedded defaults with demo data (Ctrl-C stops all).
run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py runstack

## Run the test suite (PostgreSQL when DATABASE_URL points at it, SQLite otherwise).
test: $(STAMP) browser
	$(PY) -m pytest $(PYTEST_ARGS)

## Linters and the migrations check.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

## Debian's Chromium for the browser tests, qpdf for the PDF checks and Dovecot for the IMAP
## tests (installed when missing and we are root).
browser:
	@if ! command -v qpdf >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qpdf >/dev/null; fi
	@if ! command -v dovecot >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; fi
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ -n "$$SKIP_BROWSER_TESTS" ]; then echo "SKIP_BROWSER_TESTS set: not installing Chromium"; \
	  elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" \
	            "(or set SKIP_BROWSER_TESTS=1 to skip them)"; exit 1; fi; fi

## Re-pin requirements.lock from the current virtual environment.
lock:
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var
