FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml ./
COPY bot ./bot
COPY locales ./locales
COPY content ./content
RUN pip install --no-compile -e . \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data && chown bot:bot /app/data

USER bot
VOLUME ["/app/data"]
EXPOSE 8080
# Migrations are applied by the bot itself on start.
CMD ["python", "-m", "bot"]
