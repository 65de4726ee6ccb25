# Madoguchi — two commands do all set-up on a fresh Debian/Ubuntu machine:
#   make demo   install what is missing, migrate, load the demo municipality, serve http://127.0.0.1:8000
#   make test   install what the tests need (Chromium included) and run the whole suite
SHELL := /bin/bash
PY_VERSION ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MADOGUCHI := $(VENV)/bin/madoguchi
STAMP := .make
DEMO_RESIDENTS ?= 5000
DEMO_MUNICIPALITY ?= 131016
.PHONY: demo test serve setup test-setup system system-test python node assets messages db bench lint check openapi clean \
  accessibility-report

demo: setup db
	@echo ""
	@echo "窓口 / Madoguchi demo: http://127.0.0.1:8000/ (portal)  http://127.0.0.1:8000/office/ (office)"
	$(MADOGUCHI) runserver 127.0.0.1:8000

setup: system python node assets messages

test-setup: system system-test python node assets messages

test: test-setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# --- installation steps (each is skipped when already done) ----------------------------------------------------
system:
	@scripts/install-system-deps

system-test:
	@scripts/install-system-deps --test

python: $(STAMP)/python

$(STAMP)/python: pyproject.toml
	@mkdir -p $(STAMP)
	[ -x $(PY) ] || $(PY_VERSION) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

node: $(STAMP)/node

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: $(STAMP)/node
	@mkdir -p src/madoguchi/static/vendor/design-tokens src/madoguchi/static/vendor/htmx
	@cp -u node_modules/@digital-go-jp/design-tokens/dist/tokens.css src/madoguchi/static/vendor/design-tokens/
	@cp -u node_modules/@digital-go-jp/design-tokens/LICENSE src/madoguchi/static/vendor/design-tokens/ 2>/dev/null || true
	@cp -u node_modules/htmx.org/dist/htmx.min.js src/madoguchi/static/vendor/htmx/

messages: $(STAMP)/python
	@if find src/madoguchi -name django.po -path "*/LC_MESSAGES/*" | grep -q .; then \
	  cd src/madoguchi && DJANGO_SETTINGS_MODULE=madoguchi.settings.test ../../$(MADOGUCHI) compilemessages -v0; fi

db: setup
	$(MADOGUCHI) migrate -v0
	$(MADOGUCHI) documents_init_signing_key --municipality $(DEMO_MUNICIPALITY)
	$(MADOGUCHI) jpki_init_test_ca
	$(MADOGUCHI) seed_demo --municipality $(DEMO_MUNICIPALITY) --residents $(DEMO_RESIDENTS)

serve:
	$(MADOGUCHI) runserver 127.0.0.1:8000

# --- developer conveniences ------------------------------------------------------------------------------------
bench: setup
	@for b in bench/*.py; do case $$b in *_common.py) continue;; esac; echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)/python
	$(VENV)/bin/ruff format --check src bench
	$(VENV)/bin/ruff check src bench
	DJANGO_SETTINGS_MODULE=madoguchi.settings.test $(VENV)/bin/mypy src/madoguchi
	$(VENV)/bin/lint-imports
	$(PY) scripts/check-catalogues

openapi: $(STAMP)/python
	DJANGO_SETTINGS_MODULE=madoguchi.settings.test $(MADOGUCHI) spectacular --file docs/openapi.yaml --validate

# axe-core on every route (ja/en × phone/desktop) + keyboard journeys, then docs/accessibility.md from the results;
# the report is written even when a check fails (it lists the failures), and make still exits with the tests' status.
accessibility-report: test-setup
	@rc=0; $(VENV)/bin/pytest -q -p no:cacheprovider tests/browser/test_every_route.py tests/browser/test_keyboard.py \
	  || rc=$$?; $(PY) scripts/accessibility-report && exit $$rc

clean:
	rm -rf $(STAMP) var src/madoguchi/static/vendor
