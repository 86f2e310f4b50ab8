"""Settings of the eset-mock service (docker-compose.yml): the platform's settings, with a
URLconf that serves only the mock under /eset-mock/ (no admin, no panel, no API)."""

from .settings import *  # noqa: F403

ROOT_URLCONF = "eset_gateway.mock.service_urls"
