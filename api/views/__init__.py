"""The REST API's views: `reseller` and `client` scopes over the same domain API as the
panel and the portal (DESIGN.md §12), plus `common` (who am I, the JSON 404)."""
