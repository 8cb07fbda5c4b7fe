# The few commands a newcomer needs. Everything runs inside .venv.
PY := .venv/bin/python

.venv:
	python3 -m venv .venv
	.venv/bin/pip install -q -e '.[local,test]'

brief: .venv  ## brief the example article with the embedded local model
	.venv/bin/briefer brief examples/kim-putin-summit.txt

test: .venv  ## the whole suite (includes a few minutes of the real local model)
	$(PY) -m pytest

test-fast: .venv  ## everything but the real local model
	$(PY) -m pytest -m 'not local_model'

record: .venv  ## re-record the cassettes from the embedded server (a few minutes)
	BRIEFER_RECORD=1 $(PY) -m pytest tests/test_cassettes.py

bench: .venv  ## grounding, clustering and faithfulness figures (quick)
	$(PY) benchmarks/grounding_bench.py
	$(PY) benchmarks/cluster_bench.py
	$(PY) benchmarks/faithful.py

lint: .venv  ## ruff, as the suite runs it
	.venv/bin/ruff check briefer tests benchmarks && .venv/bin/ruff format --check briefer tests benchmarks

.PHONY: brief test test-fast record bench lint
