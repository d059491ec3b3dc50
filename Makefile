# The commands of the course. Each creates .venv on first use.
#   make lab    open the course in JupyterLab
#   make test   run every test: unit, property, notebooks (nbval), browser, site
#   make site   build the course website into site/ (the committed executed notebooks)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab test site install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test,browser,site]"
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env -p no:cacheprovider

site: $(STAMP)
	$(BIN)/python book/build.py --out site

clean:
	rm -rf $(VENV)
