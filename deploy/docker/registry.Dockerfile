# syntax=docker/dockerfile:1
# Pilar registry service. Build from the repository root:
#   docker build -f deploy/docker/registry.Dockerfile -t pilar/registry .
# The four service Dockerfiles differ only in the service name and port
# (tests/deploy/test_dockerfiles.py keeps them that way).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# the uv that the Makefile pins, from PyPI
RUN pip install --no-cache-dir --disable-pip-version-check uv==0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Layer 1, the third-party dependencies: uv reads the whole workspace, so every member's
# pyproject.toml comes along, but only this service's packages are installed.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY services/kit/pyproject.toml services/kit/
COPY services/registry/pyproject.toml services/registry/
COPY services/cases/pyproject.toml services/cases/
COPY services/notifications/pyproject.toml services/notifications/
COPY services/analytics/pyproject.toml services/analytics/
RUN uv sync --frozen --no-dev --package pilar-registry --no-install-workspace --no-editable
# Layer 2, Pilar's own code: the service and the workspace packages it depends on.
COPY contracts/src contracts/src
COPY services/kit/src services/kit/src
COPY services/registry/src services/registry/src
RUN uv sync --frozen --no-dev --package pilar-registry --no-editable

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 pilar \
 && useradd --system --uid 10001 --gid pilar --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pilar
# root owns the code: the service cannot rewrite itself
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PILAR_REGISTRY_HTTP_HOST=0.0.0.0 \
    PILAR_REGISTRY_HTTP_PORT=8101 \
    PILAR_REGISTRY_DATA_DIR=/tmp/pilar
WORKDIR /app
USER 10001:10001
EXPOSE 8101
# ready = NATS, database and consumers answer; urllib fails on a 503 (no curl in slim images)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ['PILAR_REGISTRY_HTTP_PORT'], timeout=4)"]
# `serve` migrates the database first (PILAR_REGISTRY_MIGRATE_ON_START, default true);
# `migrate` only migrates and exits, for a deploy step or an init container.
ENTRYPOINT ["python", "-m", "pilar_registry"]
CMD ["serve"]
