# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DEBUG=false SECRET_KEY=build-only-static-collection-key-not-secret-000 python manage.py collectstatic --no-input \
    && useradd --create-home --uid 1000 brm && mkdir -p /app/var && chown -R brm /app/var
USER brm

EXPOSE 8000
CMD ["gunicorn", "brm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
