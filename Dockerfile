# Samråd: a small, non-root image whose default command applies migrations and serves.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot bot
COPY adapters adapters
COPY conversations conversations
COPY storage storage
# Every dependency at the version in constraints.txt (tested together), built into wheels here.
RUN pip install --no-cache-dir --upgrade pip setuptools wheel \
    && pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt .

FROM python:3.11-slim
# Pango and a font: WeasyPrint draws the board report's PDF with them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 samrad
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --upgrade pip setuptools \
    && pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
USER samrad
WORKDIR /home/samrad
ENV SAMRAD_DATABASE_URL=sqlite:////home/samrad/samrad.db \
    PYTHONUNBUFFERED=1
EXPOSE 8000
# /healthz answers 200 when the database does (no curl in the slim image: Python asks).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# SIGTERM: uvicorn stops taking requests, the outbox worker finishes the message in flight and gives back
# what it holds, then the process exits. Allow it the send timeout (docker stop -t 35, compose's
# stop_grace_period). Migrations run first; replicas starting together take turns (an advisory lock).
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "samrad db upgrade && exec samrad serve --host 0.0.0.0 --port 8000"]
