# Samråd: a small, non-root image whose default command applies migrations and serves.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY adapters adapters
COPY conversations conversations
COPY storage storage
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 samrad
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER samrad
WORKDIR /home/samrad
ENV SAMRAD_DATABASE_URL=sqlite:////home/samrad/samrad.db
EXPOSE 8000
CMD ["sh", "-c", "samrad db upgrade && exec samrad serve --host 0.0.0.0 --port 8000"]
