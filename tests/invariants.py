"""The one helper every multi-day scenario ends with: the invariants of DESIGN.md §4.7."""

from billing.invariants import all_violations


def assert_invariants(*, day=None) -> None:
    violations = all_violations(day=day)
    assert violations == [], "\n".join(str(v) for v in violations)
