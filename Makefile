# vecscape: `make run` serves the app with the built-in demo; `make test` runs every check.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: run test bootstrap build bench

bootstrap:
	bash scripts/bootstrap.sh

run: bootstrap
	trunk serve --release --offline --port $(PORT)

# dist/: the app, the <vecscape-map> widget (dist/widget/) and the docs-page example.
build: bootstrap
	trunk build --release --offline
	bash scripts/build-widget.sh

test: bootstrap
	bash scripts/test.sh

# Benchmarks (not tests): vecscape vs faiss-cpu in the same run. See BENCHMARKS.md.
bench: bootstrap
	cargo build --release -p vecscape-cli
	.venv/bin/python tests/reference/bench_knn.py
	trunk build --release --offline
	node tests/bench/browser_bench.mjs
	node tests/bench/map_bench.mjs
	node tests/bench/longtask_bench.mjs
	node tests/bench/bigfile_bench.mjs
	node tests/bench/search_bench.mjs
	bash scripts/build-widget.sh
	node tests/bench/widget_bench.mjs
	.venv/bin/python tests/reference/bench_umap.py
	node tests/bench/umap_bench.mjs --rows 100000
	.venv/bin/python tests/reference/bench_umap.py --page
	cargo run --release -p vecscape-gpu --example scaling -- 10000,100000
	node tests/bench/gpu_bench.mjs
