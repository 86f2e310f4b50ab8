# One image for the web server, the Celery worker and Celery beat (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
# (The project declares no packages: installing it installs its dependencies.)
COPY pyproject.toml ./
RUN pip install .

COPY . .

RUN useradd --create-home --uid 1000 app \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p var \
    && chown -R app:app var

USER app

EXPOSE 8000

# docker-compose.yml runs migrate + seed_demo before this on the web service. WhiteNoise
# serves the collected static files from the app (DEBUG off).
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
