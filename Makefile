# nanos — two commands do everything on a fresh Debian 12 machine:
#   make run    install what is missing, build, run the default agent (examples/agent.nano)
#   make test   install what is missing, build once, run every test, the hostile-guest
#               corpus and a 10-second fuzz smoke of each fuzz target
SWIFT_FLAGS ?= -c release
BIN := .build/release/nanos
EXAMPLE_WASM := examples/build/hello.wasm examples/build/security_violation.wasm examples/build/original_abi.wasm \
	examples/build/stream.wasm examples/build/test_agent.wasm examples/build/security_violation_js.wasm \
	examples/build/mcp_server_caller.wasm examples/build/web_fetch.wasm examples/build/fleet_ring.wasm \
	examples/build/fleet_newsroom.wasm

.PHONY: run test setup build examples clean bench llm-deps mcp-deps corpus fuzz fuzz-smoke lint test-core eval

# apt packages, then llama.cpp, the default model, the QuickJS-ng sources and the MCP
# servers (PyPI, in a venv) into the version-keyed cache (docs/llm-deps.md, docs/js.md,
# docs/mcp.md); each step only checks when everything is already there.
setup:
	@bash scripts/setup.sh
	@bash scripts/llm-deps.sh >/dev/null
	@bash scripts/js-deps.sh >/dev/null
	@bash scripts/mcp-deps.sh >/dev/null
	@bash scripts/web-deps.sh >/dev/null

# Swift builds in a folder in the cache keyed by the toolchain, Package.swift and the
# flags (scripts/swift-build.sh), so a fresh clone compiles nanos's own modules and not
# its dependencies again; the binary is copied to .build/release/nanos. `make test` builds
# the binary and the tests in one `swift build --build-tests`, so Swift is compiled once;
# target-specific values reach the prerequisites too.
BUILD_SCOPE := --product nanos
test: BUILD_SCOPE := --build-tests

build: setup
	bash scripts/swift-build.sh build $(BUILD_SCOPE)

examples: build $(EXAMPLE_WASM)

examples/build/%.wasm: examples/%.swift guest/swift/Nanos.swift | build
	@mkdir -p examples/build
	$(BIN) compile $< -o $@

examples/build/%.wasm: examples/%.c guest/c/nanos.h | build
	@mkdir -p examples/build
	$(BIN) compile $< -o $@

# JS/TS agents; the first one also builds the QuickJS runtime into the cache.
examples/build/%.wasm: examples/%.ts guest/js/nanos.js $(wildcard guest/js/runtime/*) | build
	@mkdir -p examples/build
	$(BIN) compile $< -o $@

# The default agent, run when a manifest has no `binary:`.
CORE_AGENT := guest/agents/build/core.wasm
examples: $(CORE_AGENT)
$(CORE_AGENT): guest/agents/core/core.swift $(wildcard guest/swift/*.swift) | build
	@mkdir -p guest/agents/build
	$(BIN) compile $< -o $@

# The hello agent (an Embedded Swift guest, milliseconds), then the main example: the
# default agent, driven by the bundled model, follows examples/data/instruction.txt;
# every step (with token counts) is printed.
# The last line says whether the goal was reached: the example's instruction asks for
# exactly 7-4-1-9 in examples/out/secret.txt. It reports and does not fail, because the
# bundled 135M model follows the instruction on some machines and thread counts and not
# on others (docs/eval.md#results); `nanos eval` is where the success rate is measured.
run: examples
	$(BIN) run examples/hello.nano
	rm -f examples/out/secret.txt
	$(BIN) run examples/agent.nano
	@if [ "$$(cat examples/out/secret.txt 2>/dev/null)" = "7-4-1-9" ]; then \
		echo "goal reached: examples/out/secret.txt holds 7-4-1-9"; \
	elif [ -f examples/out/secret.txt ]; then \
		echo "goal not reached: examples/out/secret.txt holds \"$$(head -c 80 examples/out/secret.txt | tr "\n" " ")\", not 7-4-1-9"; \
	else \
		echo "goal not reached: the agent did not write examples/out/secret.txt"; \
	fi

# Tests find llama-server, llama-bench and the default model through the variables
# that `scripts/llm-deps.sh --print` gives, and the MCP servers' Python through those of
# `scripts/mcp-deps.sh --print`.
# Runs made by the tests are recorded into a store of their own, emptied first.
TEST_DB := $(CURDIR)/.build/test-runs.db
test: export NANOS_DB = $(TEST_DB)
corpus: export NANOS_DB = $(TEST_DB)
test: examples
	$(LINT_RUN)
	rm -f $(TEST_DB) $(TEST_DB)-wal $(TEST_DB)-shm
	set -a && eval "$$(bash scripts/llm-deps.sh --print)" && eval "$$(bash scripts/mcp-deps.sh --print)" && set +a && \
	export GOMP_SPINCOUNT=300 && \
	NANOS_BIN=$(CURDIR)/$(BIN) bash scripts/swift-build.sh test
	NANOS_BIN=$(CURDIR)/$(BIN) bash scripts/web-tests.sh
	$(EVAL_RUN) --threads 1
	$(EVAL_RUN) --threads 2
	$(CORPUS_RUN)
	$(FUZZ_SMOKE)

# The default agent's task suite on the bundled model (docs/eval.md). `make test` runs it
# with 1 and with 2 model threads, because greedy decoding differs between thread counts.
# EVAL_REQUIRE is the floor a change may not fall below: the tasks the agent's design
# settles whatever the model answers (docs/eval.md#results); the goal is 11 of 12.
EVAL_SUITE := evals/default-agent
EVAL_REQUIRE ?= 2
EVAL_RUN = $(BIN) eval $(EVAL_SUITE) --require $(EVAL_REQUIRE)
eval: examples
	$(EVAL_RUN) --threads 1
	$(EVAL_RUN) --threads 2

# The code follows .swift-format (swift-format ships with the toolchain); `make test` checks it first.
LINT_PATHS := Sources Tests fuzz/Sources Package.swift fuzz/Package.swift guest/swift guest/agents examples/*.swift
LINT_RUN = swift format lint --strict -r $(LINT_PATHS)
lint:
	$(LINT_RUN)

# The runtime core and its tests on their own, with LLAMA_PREFIX at an empty folder: the
# package then declares only what builds without llama.cpp (docs/architecture.md). Its
# own build folder, so the main build is left as it is.
CORE_SCRATCH := .build-core
test-core:
	@mkdir -p $(CORE_SCRATCH)/empty-llama-prefix
	LLAMA_PREFIX=$(CURDIR)/$(CORE_SCRATCH)/empty-llama-prefix \
		swift test $(SWIFT_FLAGS) -Xswiftc -enable-testing --scratch-path $(CORE_SCRATCH)

# The hostile-guest corpus (Tests/Corpus/README.md): every attack case against the built
# binary, checking status, signals, peak RSS and output size. `make test` runs it too.
# CORPUS_FLAGS passes options on, e.g. CORPUS_FLAGS="-k paths/ --jobs 4".
CORPUS_RUN = NANOS_BIN=$(CURDIR)/$(BIN) python3 Tests/Corpus/run_corpus.py $(CORPUS_FLAGS)
corpus: examples
	$(CORPUS_RUN)

# llama.cpp (shared libraries, llama-bench, llama-server) and the default model, built
# into the version-keyed cache; see docs/llm-deps.md. `make setup` runs it too.
llm-deps:
	@bash scripts/llm-deps.sh

# mcp-server-time and the `mcp` package (for the test server) from PyPI, in a venv in the
# cache; see docs/mcp.md. `make setup` runs it too.
mcp-deps:
	@bash scripts/mcp-deps.sh

bench: build
	$(BIN) bench

# Coverage-guided fuzzing with libFuzzer (docs/fuzzing.md): the fuzz package in fuzz/ is
# built once (fuzz/.build-fuzz), then each target runs, two at a time. `fuzz-smoke` gives
# each target FUZZ_TIME seconds (10) and fails on any finding (`make test` runs it last);
# `fuzz` runs each for FUZZ_RUNS executions (1000000). Findings go to
# fuzz/.build-fuzz/findings/.
FUZZ_RUNS ?= 1000000
FUZZ_TIME ?= 10
FUZZ_SMOKE = FUZZ_TIME=$(FUZZ_TIME) bash fuzz/run.sh smoke
fuzz: setup
	FUZZ_RUNS=$(FUZZ_RUNS) bash fuzz/run.sh full

fuzz-smoke: setup
	$(FUZZ_SMOKE)

clean:
	rm -rf .build $(CORE_SCRATCH) fuzz/.build-fuzz examples/build guest/agents/build examples/out/*.txt
