# civicgrid: `make run` serves the demo district; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export CIVICGRID_DATA_DIR ?= $(CURDIR)/data

.PHONY: install run demo test test-postgres bench clean messages screenshots

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@# Front-end libraries (ECharts, Leaflet, htmx) at the versions pinned in package-lock.json.
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: pages work, but charts and maps need Node.js and npm (Debian: apt-get install nodejs npm), then make install"; fi
	@touch $(STAMP)

# A fresh demo database each time, so the demo always looks the same.
run: install
	rm -f $(CIVICGRID_DATA_DIR)/demo.sqlite3 $(CIVICGRID_DATA_DIR)/demo.sqlite3-wal $(CIVICGRID_DATA_DIR)/demo.sqlite3-shm
	CIVICGRID_MODE=demo DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CIVICGRID_DATA_DIR)/demo.sqlite3} $(BIN)/civicgrid migrate --no-input
	CIVICGRID_MODE=demo DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CIVICGRID_DATA_DIR)/demo.sqlite3} $(BIN)/civicgrid demo --reset
	CIVICGRID_MODE=demo DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CIVICGRID_DATA_DIR)/demo.sqlite3} $(BIN)/civicgrid serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite on the PostgreSQL server at 127.0.0.1:5432 (database `test`).
test-postgres: install
	DATABASE_URL=$${PG_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest $(PYTEST_ARGS)

screenshots: install
	CIVICGRID_MODE=demo $(BIN)/civicgrid screenshots --out screenshots

messages: install
	cd civicgrid && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=civicgrid.test_settings --pythonpath=..
	cd civicgrid && ../$(BIN)/django-admin compilemessages --settings=civicgrid.test_settings --pythonpath=..

clean:
	rm -rf $(VENV) data build *.egg-info
