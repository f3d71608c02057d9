# Developer entry points. All logic lives in scripts/devtool.py (stdlib only,
# runs with the system python3 and builds its own Python 3.11 virtualenv).
#   make setup                 virtualenv + Odoo 18.0 source + PostgreSQL role
#   make test [TAGS=...] [KEEP_DB=1] [CF_TEST_DB=name] [PYTEST_ARGS=...|none]
#   make test-odoo-account     Odoo's /account tests with the addon installed (long)
#   make run                   demo database, one follow-up run, server on :8069
#   make lint                  ruff check, ruff format --check, pylint-odoo
#   make bench                 follow-up benchmark on generated data (bench/)
#   make pot                   i18n/*.pot exported from a fresh install, merged into every .po
# TAGS, KEEP_DB, CF_TEST_DB and PYTEST_ARGS given on the make command line reach the driver through the
# environment (make exports command-line variables).
PYTHON ?= python3

.PHONY: setup run test test-odoo-account lint bench pot
setup run test test-odoo-account lint bench pot:
	$(PYTHON) scripts/devtool.py $@
