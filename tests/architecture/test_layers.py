"""DESIGN.md §2: service-layer modules import only downward, and no two apps import each
other. An AST walk over every module's imports (lazy ones inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# From the bottom; apps on one line share a layer (they may not import each other both ways).
LAYERS: list[set[str]] = [
    {"core", "config"},
    {"accounts"},
    {"plans"},
    {"notifications", "eset_gateway"},
    {"billing"},
    {"orders"},
    {"documents"},
    {"api", "portal"},  # faces
]
LAYER = {app: level for level, apps in enumerate(LAYERS) for app in apps}
FACES = {"api", "portal"}

# Not service-layer: the shared schema, the faces inside each app, and what Django wires.
FACE_FILES = {"admin.py", "apps.py", "panel.py", "portal.py", "urls.py", "views.py", "forms.py"}
FACE_SUFFIXES = ("_urls.py", "_views.py", "_forms.py")
FACE_DIRS = {"migrations", "templatetags", "views", "management"}


def is_service_module(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    app = rel.parts[0]
    if app in FACES or app not in LAYER:
        return False
    if any(part in FACE_DIRS for part in rel.parts[1:-1]):
        return False
    return not (
        path.name in FACE_FILES or path.name == "models.py" or path.name.endswith(FACE_SUFFIXES)
    )


def project_imports(path: Path, source: str | None = None) -> set[str]:
    """The dotted project modules `path` imports, relative imports resolved."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1])
    found: set[str] = set()
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            # `from pkg import module`: the module itself is imported.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in LAYER}


def is_schema(module: str) -> bool:
    """Models are the shared schema: any app may import any app's models (§2)."""
    parts = module.split(".")
    return "models" in parts or (len(parts) > 1 and parts[1] == "mock" and "models" in parts)


def service_modules() -> list[Path]:
    return sorted(
        p
        for app in LAYER
        if (ROOT / app).is_dir()
        for p in (ROOT / app).rglob("*.py")
        if is_service_module(p)
    )


def edges(extra: dict[Path, str] | None = None) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) → the imports that make the arrow. `extra`: modules
    to walk as if they existed (path → source)."""
    found: dict[tuple[str, str], list[str]] = {}
    sources: dict[Path, str | None] = {p: None for p in service_modules()}
    sources.update(extra or {})
    for path, source in sources.items():
        app = path.relative_to(ROOT).parts[0]
        for module in project_imports(path, source):
            target = module.split(".")[0]
            if target == app or is_schema(module) or not _is_module(module):
                continue
            found.setdefault((app, target), []).append(f"{path.relative_to(ROOT)} → {module}")
    return found


def _is_module(module: str) -> bool:
    """A name imported from a package may be a function, not a module: keep only what
    exists as a file or package (so `from billing.services import x` counts once)."""
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_the_walk_sees_the_service_modules():
    names = {str(p.relative_to(ROOT)) for p in service_modules()}
    assert {"billing/services/lifecycle.py", "orders/services.py", "core/clock.py"} <= names
    assert "eset_gateway/drain.py" in names and "notifications/services.py" in names
    assert "billing/views.py" not in names and "orders/models.py" not in names


def test_service_modules_import_only_downward():
    upward = [
        line
        for (source, target), lines in edges().items()
        if LAYER[target] > LAYER[source] or target in FACES
        for line in lines
    ]
    assert upward == [], "imports that point up the layers (DESIGN.md §2):\n" + "\n".join(upward)


# core and config are one floor: the project's own plumbing, below every app.
UNIT = {"config": "core"}


def test_no_two_apps_import_each_other():
    graph: dict[str, set[str]] = {}
    for source, target in edges():
        source, target = UNIT.get(source, source), UNIT.get(target, target)
        if source != target:
            graph.setdefault(source, set()).add(target)
    cycles = []

    def visit(app: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(app, ())):
            if nxt in path:
                cycles.append(" → ".join([*path[path.index(nxt) :], nxt]))
            elif len(path) < len(LAYER):
                visit(nxt, [*path, nxt])

    for app in sorted(graph):
        visit(app, [app])
    assert cycles == [], "circular imports between apps:\n" + "\n".join(sorted(set(cycles)))


def test_an_upward_import_is_seen():
    """The walk is not blind: billing importing orders' services (lazily, relative or not)
    is an upward arrow; importing orders' models is not."""
    probe = ROOT / "billing" / "services" / "probe.py"
    found = edges(
        {
            probe: "def f():\n    from orders.services import order_create\n",
            ROOT / "billing" / "probe2.py": "from orders.models import Order\n",
        }
    )
    assert found[("billing", "orders")] == ["billing/services/probe.py → orders.services"]


@pytest.mark.parametrize(
    ("module", "expected"),
    [("billing.models", True), ("orders.models", True), ("billing.services", False)],
)
def test_models_are_the_shared_schema(module, expected):
    assert is_schema(module) is expected
