# Quick start: `make demo` runs duban on its default store; `make test` runs every test.
.PHONY: demo test lint bench

demo:
	bash scripts/bootstrap.sh
	PATH="$$HOME/.local/bin:$$PATH" uv run duban demo

test:
	bash scripts/test.sh

lint:
	uv run ruff check src tests bench scripts && uv run ruff format --check src tests bench scripts && uv run mypy && uv run lint-imports

bench:
	uv run python bench/bench_ingest.py
	uv run python bench/bench_report.py
	uv run python bench/bench_dashboard.py
	uv run python bench/bench_province.py
