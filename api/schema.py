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
