# vecscape: `make run` serves the app with the built-in demo; `make test` runs every check.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: run test bootstrap build check-fmt clippy unit e2e

bootstrap:
	bash scripts/bootstrap.sh

run: bootstrap
	trunk serve --release --offline --port $(PORT)

build: bootstrap
	trunk build --release --offline

test: bootstrap
	bash scripts/test.sh
