"""One JSON shape for every error the API returns (issue 4):

    {"error": {"code": "...", "message": "...", "fields": {"name": ["...", ...]}}}

Domain refusals (config.errors.ApplicationError: 400/404/409) keep their code, message and
field; DRF's own errors (validation, authentication, permission, not found, throttling,
parse errors) are reshaped here, in one place. Messages are in the request's language:
the domain and DRF translate at raise time, in the person's stored language (Russian until
they choose; Accept-Language is not used: accounts.middleware)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"

    def __init__(self, limit: int | None):
        super().__init__(
            _("Тело запроса больше %(size)s байт.") % {"size": limit}, code=self.default_code
        )


def error_body(code: str, message: str, fields: Mapping[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def flatten_detail(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "items.0.seats": [...]}; errors that
    belong to no field go under "non_field_errors"."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                name = prefix
            for sub, messages in flatten_detail(value, name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, Sequence) and not isinstance(detail, str):
        if any(isinstance(item, Mapping | list) for item in detail):
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for sub, messages in flatten_detail(item, name).items():
                    out.setdefault(sub, []).extend(messages)
        else:
            out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).extend(
                str(item) for item in detail
            )
    else:
        out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(detail))
    return out


def _code(exc: exceptions.APIException) -> str:
    detail = exc.detail
    code = getattr(detail, "code", None)
    return str(code or exc.default_code)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, RequestDataTooBig):
        # Raised by Django while DRF reads the body (the Idempotency-Key fingerprint or the
        # parser): without this, Django's text 400 page.
        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, Http404):
        # Never Django's message ("No Order matches the given query."): it names the model.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)  # headers: WWW-Authenticate, Retry-After
    if response is None:
        return None  # a bug: Django's 500, logged with its traceback
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_detail(exc.detail)
        messages = [m for ms in fields.values() for m in ms]
        message = messages[0] if len(messages) == 1 else _("Проверьте данные запроса.")
        response.data = error_body("invalid", message, fields)
    else:
        detail = exc.detail
        message = str(detail) if not isinstance(detail, list | dict) else _("Ошибка запроса.")
        response.data = error_body(_code(exc), message)
    return response


# --------------------------------------------------------------------------- the schema


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("Машиночитаемый код ошибки."))
    message = serializers.CharField(help_text=gettext_lazy("Сообщение на языке запроса."))
    # Declared fields leave the class namespace (DRF's metaclass), so this does not hide
    # Serializer.fields at run time; mypy only sees the class body.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Ошибки по полям: имя поля → сообщения."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: "Bad input: `fields` names what to fix; nothing was written.",
    401: "No credentials, or an unknown or revoked token.",
    403: "The credentials act for another kind of tenant (a client on a reseller endpoint or "
    "the reverse), or a session request without its CSRF token.",
    404: "Not found: unknown, or another tenant's (its existence is never confirmed).",
    409: "The object's state refuses the request, or the Idempotency-Key was used for "
    "another request.",
    413: "The body is larger than the limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).",
    415: "The body is not JSON: the API reads `application/json` only.",
    429: "Too many requests for this token; `Retry-After` says when to come back.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an operation, each with the one error shape."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


READ = (401, 403, 429)
LIST = (400, *READ)
DETAIL = (401, 403, 404, 429)
WRITE = (400, 401, 403, 404, 409, 413, 415, 429)
