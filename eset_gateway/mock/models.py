"""Tables of the mock ESET MSP Administrator 2 API (app label ``eset_mock``).

They stand for ESET's side of the world, modelled on ESET's documentation (the contract,
../shared/eset-ema2-contract.md): companies in the documented hierarchy with integer
entity types, licences with integer states, each licence's history of changes (from
which the usage report's seat-days are computed). The platform never reads them, only
the mock's views and the tests do.
"""

from __future__ import annotations

from django.db import models

# Faults drawn at random (fail_rate) unless fail_modes names others; "maintenance"
# (503 code 99 / subCode 2) is only injected when asked for.
FAULT_MODES = ("5xx", "429", "timeout", "lost", "maintenance")
DEFAULT_FAULT_MODES = ("5xx", "429", "timeout", "lost")


def _default_fail_modes() -> list[str]:
    return list(DEFAULT_FAULT_MODES)


class EntityType(models.IntegerChoices):
    """ESET's entity types [entitytypes]."""

    ESET_HQ = 1001, "ESET HQ"
    DISTRIBUTOR = 1002, "Distributor"
    DIVISION = 1003, "Division"
    MSP_MANAGER = 1004, "MSP Manager"
    MSP = 1005, "MSP"
    MANAGED_MSP = 1006, "Managed MSP"
    MSP_CUSTOMER = 1007, "MSP Customer"


class LicenseState(models.IntegerChoices):
    """ESET's licence states [enum_licensestates]."""

    ERROR = 0, "Error"
    NORMAL = 1, "Normal"
    OBSOLETE = 2, "Obsolete"
    SUSPENDED = 3, "Suspended"
    WARNING = 4, "Warning"


class MockCompany(models.Model):
    public_id = models.CharField("публичный ID", max_length=64, unique=True)
    name = models.CharField("название", max_length=300)
    entity_type = models.PositiveIntegerField("тип компании", choices=EntityType.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name="родительская компания",
    )
    # Free text of the caller's: the platform puts its own id here.
    custom_identifier = models.CharField(
        "собственный идентификатор", max_length=120, blank=True, db_index=True
    )
    email = models.CharField("e-mail", max_length=254, blank=True)
    address = models.JSONField("адрес", default=dict, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "компания (имитация ESET)"
        verbose_name_plural = "компании (имитация ESET)"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class MockLicense(models.Model):
    public_license_id = models.CharField("публичный ID лицензии", max_length=11, unique=True)
    # The mock's one assumption beyond the guide: an activation key, new on every
    # quantity change (S11). ESET documents no field that carries it.
    license_key = models.CharField("лицензионный ключ", max_length=24)
    product_code = models.PositiveIntegerField("код продукта")
    quantity = models.PositiveIntegerField("количество мест")
    state = models.PositiveSmallIntegerField(
        "состояние", choices=LicenseState.choices, default=LicenseState.NORMAL
    )
    license_type = models.PositiveSmallIntegerField("тип лицензии", default=1)
    customer = models.ForeignKey(
        MockCompany,
        on_delete=models.CASCADE,
        related_name="licenses",
        verbose_name="компания-клиент",
    )
    # How many activation keys the licence has had.
    key_generation = models.PositiveIntegerField("поколение ключа", default=1)
    created_at = models.DateTimeField("создана")
    updated_at = models.DateTimeField("изменена")

    class Meta:
        verbose_name = "лицензия (имитация ESET)"
        verbose_name_plural = "лицензии (имитация ESET)"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.public_license_id


class MockLicenseEvent(models.Model):
    """One change of a licence, with the quantity and state it left: License/GetHistory
    lists them, and the usage report counts each day's seats from them."""

    class Kind(models.TextChoices):
        ORDERED = "ordered", "ordered"
        QUANTITY = "quantity", "quantity changed"
        SUSPENDED = "suspended", "suspended"
        UNSUSPENDED = "unsuspended", "unsuspended"
        DRIFT = "drift", "changed in the console"

    license = models.ForeignKey(
        MockLicense, on_delete=models.CASCADE, related_name="events", verbose_name="лицензия"
    )
    at = models.DateTimeField("момент", db_index=True)
    kind = models.CharField("событие", max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField("количество мест")
    state = models.PositiveSmallIntegerField("состояние", choices=LicenseState.choices)

    class Meta:
        verbose_name = "история лицензии (имитация ESET)"
        verbose_name_plural = "история лицензий (имитация ESET)"
        ordering = ["license_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.license_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class MockToken(models.Model):
    access_token = models.CharField("токен доступа", max_length=64, unique=True)
    refresh_token = models.CharField("токен обновления", max_length=64, unique=True)
    username = models.CharField("логин", max_length=200)
    expires_at = models.DateTimeField("истекает")
    # The end of the session begun by Token/Get: renewals never pass it.
    session_expires_at = models.DateTimeField("сессия истекает")
    revoked = models.BooleanField("отозван", default=False)
    created_at = models.DateTimeField("выдан", auto_now_add=True)

    class Meta:
        verbose_name = "токен (имитация ESET)"
        verbose_name_plural = "токены (имитация ESET)"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.access_token[:8]


class MockCall(models.Model):
    """One row per API call, written only while MockControl.log_calls is on (tests)."""

    path = models.CharField("путь", max_length=100)
    # What the call was about (a licence ID, a custom identifier, a customer ID): lets a
    # test tell which calls one command made.
    subject = models.CharField("субъект", max_length=120, blank=True, db_index=True)
    status = models.PositiveSmallIntegerField("код ответа")
    fault = models.CharField("сбой", max_length=16, blank=True)
    created_at = models.DateTimeField("вызван", auto_now_add=True)

    class Meta:
        verbose_name = "вызов (имитация ESET)"
        verbose_name_plural = "вызовы (имитация ESET)"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.path} {self.status}"


class MockControl(models.Model):
    """The singleton (pk=1) of test controls, in the database because the mock may be served
    by several processes. Read with one query per call."""

    SINGLETON_PK = 1

    latency_ms = models.PositiveIntegerField("задержка, мс", default=0)
    # Share (0..1) of calls that fail at random, with a mode drawn from fail_modes.
    fail_rate = models.FloatField("доля сбоев", default=0.0)
    fail_modes = models.JSONField("виды сбоев", default=_default_fail_modes)
    # Seeds the draws of fail_rate, so that a test's faults repeat: each serving process
    # draws from its own generator, re-seeded whenever the seed is set again
    # (fail_seed_version is the control version at that moment). Null: not repeatable.
    fail_seed = models.BigIntegerField("зерно сбоев", null=True, blank=True)
    fail_seed_version = models.PositiveIntegerField("версия зерна сбоев", default=0)
    # Faults injected into the next calls, in order: "5xx" or {"mode": "lost", "path":
    # "License/Order"} (then only a call to that path consumes it).
    fail_next = models.JSONField("следующие сбои", default=list, blank=True)
    # ESET's documented lifetimes: an access token lives a minute, a session 30 minutes.
    token_ttl_seconds = models.PositiveIntegerField("срок токена, с", default=60)
    session_ttl_seconds = models.PositiveIntegerField("срок сессии, с", default=30 * 60)
    # While on, every call answers 503 code 99 / subCode 2 (ESET's maintenance).
    maintenance = models.BooleanField("техобслуживание", default=False)
    # Calls served at once by every process serving the mock from this machine and this
    # database; the call beyond it is refused with 429 and Retry-After, before any work.
    concurrency_limit = models.PositiveIntegerField("лимит одновременных запросов", default=16)
    retry_after_seconds = models.PositiveIntegerField("Retry-After, с", default=1)
    # How long a "timeout" fault sleeps over HTTP; null: the client's timeout + 1 s.
    timeout_sleep_ms = models.PositiveIntegerField("пауза при тайм-ауте, мс", null=True, blank=True)
    max_quantity = models.PositiveIntegerField("наибольшее количество мест", default=100_000)
    # The ESET LiveGuard Advanced terms of use (sub-code 40 until accepted).
    terms_accepted = models.BooleanField("условия приняты", default=False)
    log_calls = models.BooleanField("журналировать вызовы", default=False)
    # Bumped by every change, so that consuming fail_next is a compare-and-set.
    version = models.PositiveIntegerField("версия", default=0)

    class Meta:
        verbose_name = "настройки (имитация ESET)"
        verbose_name_plural = "настройки (имитация ESET)"

    def __str__(self) -> str:
        return "mock ESET controls"
