# LeafLedger API and worker image (one image, two commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY api ./api
COPY domain ./domain
COPY workers ./workers
COPY plugins ./plugins
# GraphiQL's scripts are fetched from the npm registry at build time (checked against the
# integrity hashes its page pins), so /graphql works in a browser without internet access.
RUN pip install . && python -m api.graphiql.assets && useradd --system --uid 10001 leafledger
USER leafledger

EXPOSE 8000
CMD ["leafledger", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
