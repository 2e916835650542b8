# Two commands do all set-up on a fresh machine (Debian, Python 3.11):
#   make demo   - venv, install, bundled model, process samples/ into qa.db, print the summary,
#                 make a demo supervisor and agent for the web app and say how to start it
#   make test   - the same set-up, then the test suite (real model, real audio, real SQLite)
# No Debian package is needed: PyAV's wheels carry the ffmpeg libraries.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench phrases confusions samples clean cluster-demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/qa-audio models install

demo: setup
	$(BIN)/qa-audio process samples --db qa.db --metadata samples/calls.csv
	$(BIN)/qa-audio flagged --db qa.db
	@echo
	@echo "Web app accounts (passwords are shown once, when made; a second make demo keeps them):"
	@$(BIN)/qa-audio users add demo-supervisor --role supervisor --generate --db qa.db || true
	@$(BIN)/qa-audio users add demo-agent --role agent --agent-id a01 --generate --db qa.db || true
	@echo "Start the web app:  $(BIN)/qa-audio serve --db qa.db   then open http://127.0.0.1:8000/"

test: setup
	sh scripts/browser-deps.sh
	$(BIN)/python -m pytest -q -rs

# A Dask scheduler and two single-thread workers on 127.0.0.1, samples/ processed through
# them into qa-cluster.db, then all three stopped (README, Running on a cluster).
cluster-demo: setup
	@$(BIN)/dask scheduler --host 127.0.0.1 --port 8786 --dashboard-address 127.0.0.1:8787 >/tmp/qa-dask-scheduler.log 2>&1 & echo $$! > /tmp/qa-dask.pids
	@for i in 1 2; do $(BIN)/dask worker tcp://127.0.0.1:8786 --nthreads 1 --host 127.0.0.1 >/tmp/qa-dask-worker$$i.log 2>&1 & echo $$! >> /tmp/qa-dask.pids; done
	@$(BIN)/python -c "from distributed import Client; Client('tcp://127.0.0.1:8786', timeout=60).wait_for_workers(2, timeout=120)"
	$(BIN)/qa-audio process samples --db qa-cluster.db --metadata samples/calls.csv --cluster tcp://127.0.0.1:8786; \
	status=$$?; kill $$(cat /tmp/qa-dask.pids) 2>/dev/null; rm -f /tmp/qa-dask.pids; exit $$status

bench: setup
	$(BIN)/python benchmarks/run_all.py

# Regenerate the synthesised phrase library and number readings (needs TensorFlow; never needed for demo or test).
phrases:
	$(PYTHON) -m venv .venv-tts
	.venv-tts/bin/pip install --quiet -e '.[tts]'
	.venv-tts/bin/python tests/phrases/make_phrases.py
	.venv-tts/bin/python tests/pii/make_pii_clips.py

# Re-learn qa_audio/asr_confusions.json from the train split (whisper-base reads it; minutes).
confusions: setup
	$(BIN)/python -m tests.learn_confusions

samples: setup
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) .venv-tts qa.db qa.db-wal qa.db-shm qa-cluster.db* models/whisper-base
