# Two commands: `make run` serves the demo on SQLite (with Celery beat beside it); `make test` runs
# every check (`make fuzz`: the deep passes, longer than the fast ones in `make test`;
# `make demo-reset`: the demo from scratch at the next `make run`).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
ASSETS := static/vendor/.built-$(shell cat package.json package-lock.json frontend/*.scss 2>/dev/null | sha1sum | cut -c1-12)

# Where `make run` serves the demo, and where beat keeps its schedule (when each task last ran).
HOST ?= 127.0.0.1
PORT ?= 8000
BEAT_SCHEDULE ?= $(VENV)/celerybeat-schedule
# The demo's own files: the SQLite database (with its WAL and shared-memory files) and the files
# uploaded to it. `make demo-reset` deletes them; `make clean` deletes them and the set-up too.
DEMO_FILES := db.sqlite3 db.sqlite3-wal db.sqlite3-shm db.sqlite3-journal media

.PHONY: install pango assets run demo-reset test fuzz lint check bench worker beat messages clean

install: $(STAMP) $(ASSETS)

$(STAMP): pyproject.toml
	@(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | grep -q 'libpangoft2-1.0.so.0' || $(MAKE) pango
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# GOV.UK Frontend (without its crown and typeface) and axe-core come from npm, pinned in
# package-lock.json, and are built into static/vendor/; nothing built is committed.
$(ASSETS): package.json package-lock.json $(wildcard frontend/*.scss)
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/govuk static/vendor/axe static/vendor/htmx
	npx sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
		--load-path=node_modules frontend/app.scss static/vendor/govuk/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/vendor/govuk/images
	cp node_modules/axe-core/axe.min.js static/vendor/axe/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	touch $@

# WeasyPrint (invoices as PDF) needs Pango from Debian: `make install` runs this where it is missing.
pango:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	else \
		echo "WeasyPrint needs Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2; exit 1; \
	fi

# Serves the demo with Celery beat beside it, so that what the schedule does on time happens
# (tenders closed at their deadline, awards confirmed after their standstill, contracts started,
# reminders): with no broker, Celery is eager and beat runs each task itself, against the same
# database (SQLite in WAL mode, writers waiting their turn). Beat stops when the server does.
run: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	@$(BIN)/celery -A consortium beat --loglevel=info --schedule=$(BEAT_SCHEDULE) & beat=$$!; \
	trap 'kill $$beat 2>/dev/null; wait $$beat 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Starts the demo afresh at the next `make run` (loaded anew, dated from that day), keeping .venv
# and node_modules. Only the SQLite demo: a database named by DATABASE_URL is left alone.
demo-reset:
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "DATABASE_URL is set: make demo-reset only deletes the SQLite demo (db.sqlite3)." >&2; exit 1; \
	fi
	rm -rf $(DEMO_FILES) $(BEAT_SCHEDULE)*

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: install lint check
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist worksteal $(PYTEST_ARGS)

# The deep passes of what `make test` checks in a fast pass (FUZZ=deep selects them):
# - the API fuzzing: 100 examples per API operation for every persona and schemathesis' coverage
#   phase for each (no 5xx, every answer as documented), where the fast pass gives the
#   coordinator 6 and the other roles 2;
# - the confidentiality sweep: every GET route read by every demo login with every demo object
#   of the route's kind (each bid, lot, tender, member, submission...: ~2,300 requests), where
#   the fast pass reads every route as every login with three objects of each kind (the
#   first, the middle and the last the demo made).
# At most 30 CPU-minutes: run it before a release, or after changing the API or what a page shows.
fuzz: install
	FUZZ=deep $(BIN)/pytest -p no:cacheprovider -n 2 tests/test_api_fuzz.py tests/test_confidentiality.py \
		$(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/run.py

worker: install
	$(BIN)/celery -A consortium worker --loglevel=info

beat: install
	$(BIN)/celery -A consortium beat --loglevel=info --schedule=$(BEAT_SCHEDULE)

messages: install
	$(PY) manage.py makemessages -l cy --ignore=.venv --ignore=node_modules --ignore=static
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules static/vendor $(DEMO_FILES)
