"""Tables of the mock ESET MSP Administrator 2 API (app label ``eset_mock``).

They stand for ESET's side of the world: the platform never reads them, only the mock's
views and the tests do.
"""

from __future__ import annotations

from django.db import models

FAULT_MODES = ("5xx", "429", "timeout", "lost")


def _default_fail_modes() -> list[str]:
    return list(FAULT_MODES)


class MockCompany(models.Model):
    company_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    # ESET does not make the reference unique: a lost Company/Create can leave two.
    reference = models.CharField(max_length=120, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mock: компания"
        verbose_name_plural = "mock: компании"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.company_id})"


class MockLicense(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "активна"
        SUSPENDED = "suspended", "приостановлена"

    public_license_id = models.CharField(max_length=11, unique=True)
    license_key = models.CharField(max_length=24)
    product_code = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    company = models.ForeignKey(MockCompany, on_delete=models.CASCADE, related_name="licenses")
    # Free text set by the platform ("sub-42"): how a lost License/Order is found again.
    reference = models.CharField(max_length=120, blank=True, db_index=True)
    # How many activation keys the licence has had (a new one on every quantity change).
    key_generation = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mock: лицензия"
        verbose_name_plural = "mock: лицензии"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.public_license_id


class MockToken(models.Model):
    access_token = models.CharField(max_length=64, unique=True)
    refresh_token = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=200)
    expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mock: токен"
        verbose_name_plural = "mock: токены"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.access_token[:8]


class MockCall(models.Model):
    """One row per API call, written only while MockControl.log_calls is on (tests)."""

    path = models.CharField(max_length=100)
    # What the call was about (a licence ID, a reference, a company ID): lets a test tell
    # which calls one command made.
    subject = models.CharField(max_length=120, blank=True, db_index=True)
    status = models.PositiveSmallIntegerField()
    fault = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "mock: вызов"
        verbose_name_plural = "mock: вызовы"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.path} {self.status}"


class MockControl(models.Model):
    """The singleton (pk=1) of test controls, in the database because the mock may be served
    by several processes. Read with one query per call."""

    SINGLETON_PK = 1

    latency_ms = models.PositiveIntegerField(default=0)
    # Share (0..1) of calls that fail at random, with a mode drawn from fail_modes.
    fail_rate = models.FloatField(default=0.0)
    fail_modes = models.JSONField(default=_default_fail_modes)
    # Seeds the draws of fail_rate, so that a test's faults repeat: each serving process
    # draws from its own generator, re-seeded whenever the seed is set again
    # (fail_seed_version is the control version at that moment). Null: not repeatable.
    fail_seed = models.BigIntegerField(null=True, blank=True)
    fail_seed_version = models.PositiveIntegerField(default=0)
    # Faults injected into the next calls, in order: "5xx" or {"mode": "lost", "path":
    # "License/Order"} (then only a call to that path consumes it).
    fail_next = models.JSONField(default=list, blank=True)
    token_ttl_seconds = models.PositiveIntegerField(default=3600)
    refresh_ttl_seconds = models.PositiveIntegerField(default=30 * 24 * 3600)
    # Calls served at once by every process serving the mock from this machine and this
    # database; the call beyond it is refused with 429 and Retry-After, before any work.
    concurrency_limit = models.PositiveIntegerField(default=16)
    retry_after_seconds = models.PositiveIntegerField(default=1)
    # How long a "timeout" fault sleeps over HTTP; null: the client's timeout + 1 s.
    timeout_sleep_ms = models.PositiveIntegerField(null=True, blank=True)
    max_quantity = models.PositiveIntegerField(default=100_000)
    log_calls = models.BooleanField(default=False)
    # Bumped by every change, so that consuming fail_next is a compare-and-set.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "mock: настройки"
        verbose_name_plural = "mock: настройки"

    def __str__(self) -> str:
        return "mock ESET controls"
