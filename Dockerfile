# duban app server image. Build: docker build -t duban .
# Run: docker run -e DUBAN_DATABASE_URL=postgresql+psycopg://… -e DUBAN_SECRET_KEY=… -p 8000:8000 duban
# Run `docker run … duban duban db upgrade` once per release before starting new servers.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 npm postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv
WORKDIR /srv/duban
COPY pyproject.toml uv.lock package.json package-lock.json README.md ./
COPY src ./src
COPY scripts ./scripts
# Bytecode compiled here: the user duban cannot write it, so every worker and command would compile the
# ~760 modules a bulletin imports at start (1 s more CPU cold).
RUN uv sync --frozen --no-dev --compile-bytecode && bash scripts/fetch_assets.sh && .venv/bin/python -m compileall -q src
ENV PATH="/srv/duban/.venv/bin:$PATH" DUBAN_HOST=0.0.0.0 DUBAN_SECURE_COOKIES=true
RUN useradd --system duban && mkdir -p /srv/duban/duban-data && chown duban /srv/duban/duban-data
USER duban
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "duban.web.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "4", "--proxy-headers"]
