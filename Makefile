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
	@# The PDF reports embed a CJK TrueType font (ADR 012): Debian's fonts-wqy-microhei where apt is
	@# usable (root), else the same file from PyPI; otherwise say what to install.
	@CIVICGRID_MODE=test $(BIN)/civicgrid report font >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing fonts-wqy-microhei for the PDF reports"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1) || true; \
	  fi; \
	  CIVICGRID_MODE=test $(BIN)/civicgrid report font >/dev/null 2>&1 || \
	    $(BIN)/python -m pip install --quiet -c constraints.txt paperang-p2-fonts-cjk || true; \
	  CIVICGRID_MODE=test $(BIN)/civicgrid report font || echo "PDF reports will not work until a CJK font is installed (see above)"; }
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
