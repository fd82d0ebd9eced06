# The two commands a new user needs are `make demo` and `make test`.
.PHONY: demo test lint typecheck schema migrations-check bench compose-check

demo:
	scripts/demo

test:
	scripts/test

lint:
	scripts/bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# pyright over api, domain, workers and plugins ([tool.pyright] in pyproject.toml); 0 errors expected.
typecheck:
	scripts/bootstrap
	PYRIGHT_PYTHON_IGNORE_WARNINGS=1 .venv/bin/pyright

schema:
	scripts/bootstrap
	.venv/bin/strawberry export-schema api.schema:schema --output schema.graphql

bench:
	scripts/bootstrap
	.venv/bin/python -m bench.run_all

compose-check:
	docker-compose -f compose.yaml config -q
