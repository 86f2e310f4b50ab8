import pytest
from django.conf import settings

from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process in tests unless a test starts a real worker (tests marked redis)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _email_locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _cache_per_test(settings):
    """Throttling counters live in the cache: give every test its own, never a shared Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()


# The mock's controls need their token (eset_gateway/mock/access.py); tests send it with
# MOCK_CONTROL_HEADERS.
MOCK_CONTROL_TOKEN = "test-mock-control-token"
MOCK_CONTROL_HEADERS = {"X-Mock-Control-Token": MOCK_CONTROL_TOKEN}


@pytest.fixture(autouse=True)
def _language_of_a_new_thread():
    """Every test starts as a new request or a worker's task would: in the product's
    language. A request activates its person's language for the rest of its thread (every
    request activates its own first, so in the product nothing carries over); in the test
    process a page read by an English-speaking person would otherwise leak English into
    the next test's direct service calls."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _mock_control_token(settings):
    settings.ESET_MOCK_CONTROL_TOKEN = MOCK_CONTROL_TOKEN


requires_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL): row locks and concurrency"
)
