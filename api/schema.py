"""drf-spectacular: the token's security scheme (the session's is built in: cookieAuth)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, created on the «API-токены» page of the reseller "
                "panel (/panel/tokens/) or the client portal (/portal/tokens/): "
                "`Authorization: Bearer esk_…`. It acts for its user's reseller or client."
            ),
        }


# Every `error.code` the API answers with: config.errors' family and the codes of the DRF
# exceptions api.errors reshapes (a test keeps the list true).
ERROR_CODES = [
    "invalid",
    "parse_error",
    "not_authenticated",
    "authentication_failed",
    "permission_denied",
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "conflict",
    "insufficient_funds",
    "seat_price_below_cost",
    "transition_refused",
    "idempotency_key_reused",
    "too_large",
    "unsupported_media_type",
    "throttled",
]

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
    }
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with "
        "the same Idempotency-Key (the work was not done again).",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def postprocess(result, generator, request, public):
    """What drf-spectacular cannot infer: the headers the API sends (Retry-After on a 429,
    Idempotent-Replayed on a replay), `ordering` naming one field at least (an empty
    `ordering=` is a 400, as every empty parameter but a text one) and the error codes."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for param in operation.get("parameters", []):
                if param.get("name") == "ordering" and param["schema"].get("type") == "array":
                    param["schema"]["minItems"] = 1
            body = operation.get("requestBody")
            # A body given as a oneOf of shapes (an invoice's sources) has to be sent.
            if body and any("oneOf" in c.get("schema", {}) for c in body["content"].values()):
                body["required"] = True
            responses = operation["responses"]
            if "429" in responses:
                responses["429"].setdefault("headers", {}).update(RETRY_AFTER)
            idempotent = any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            )
            if idempotent:
                for status, response in responses.items():
                    if status.startswith("2"):
                        response.setdefault("headers", {}).update(REPLAYED)
    detail = result.get("components", {}).get("schemas", {}).get("ErrorDetail")
    if detail is not None:
        detail["properties"]["code"]["enum"] = ERROR_CODES
    return result
