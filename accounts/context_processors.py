"""`actions` in every template: what the signed-in person's role allows
(accounts.permissions.actions_of), so that a page shows only those buttons, links and menu
items (DESIGN.md §8). `{% if actions.orders_manage %}` or `{% if "orders_manage" in actions %}`;
asked of the database only when a template looks."""

from __future__ import annotations

from .permissions import actions_of


class Actions:
    def __init__(self, user) -> None:
        self._user = user
        self._allowed: frozenset[str] | None = None

    def _load(self) -> frozenset[str]:
        if self._allowed is None:
            self._allowed = actions_of(self._user)
        return self._allowed

    def __getitem__(self, action: str) -> bool:
        return action in self._load()

    def __contains__(self, action: object) -> bool:
        return action in self._load()

    def __iter__(self):
        return iter(sorted(self._load()))


def actions(request) -> dict:
    return {"actions": Actions(getattr(request, "user", None))}
