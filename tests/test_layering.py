"""The package's layers: no module of nnbook imports one above it.

    backend → functions → layers → models → applications

`LAYERS` names every module's layer. A module may import modules of its
own layer or of a lower one. `nnbook/__init__.py` (the package facade)
is not checked. A module that `LAYERS` does not name counts as an
application (the top layer): it may import anything, and nothing below
the top may import it.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "code" / "nnbook"

ORDER = ["backend", "functions", "layers", "models", "applications"]
LAYERS = {
    # arrays on the CPU or the GPU, and the checks of the arguments
    "backend": "backend",
    "_checks": "backend",
    # functions of arrays: what the chapters derive and show
    "activations": "functions",
    "losses": "functions",
    "initializers": "functions",
    "regularization": "functions",
    "gradcheck": "functions",
    "descent": "functions",
    "objectives": "functions",
    "optimizers": "functions",
    "preprocessing": "functions",
    "random_features": "functions",
    "imbalance": "functions",
    "search": "functions",
    "datasets": "functions",
    # layers with forward and backward
    "layers": "layers",
    # networks built from the functions and the layers
    "perceptron": "models",
    "feedforward": "models",
    "models": "models",
    "metric_learning": "models",
    # what trains, draws or checks: the chapters' tools
    "training": "applications",
    "fitting": "applications",
    "plotting": "applications",
    "diagrams": "applications",
    "book": "applications",
    "widgets": "applications",
    "exercises": "applications",
}


def _level(module):
    return ORDER.index(LAYERS.get(module, "applications"))


def _modules():
    """(module name, path) of every module; a subpackage is one module."""
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel == Path("__init__.py"):
            continue
        yield rel.parts[0].removesuffix(".py"), path


def _imports(path):
    """The nnbook modules that the file imports (first name after nnbook)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] != "nnbook":
                continue
            if len(parts) > 1:
                out.add(parts[1])
            else:
                out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "nnbook" and len(parts) > 1:
                    out.add(parts[1])
    return out


MODULES = list(_modules())


def test_every_layer_in_the_map_is_known():
    assert set(LAYERS.values()) <= set(ORDER)
    names = {name for name, _ in MODULES}
    assert set(LAYERS) - {"exercises", "widgets"} <= names


@pytest.mark.parametrize(
    ("name", "path"),
    MODULES,
    ids=[str(p.relative_to(PACKAGE)) for _, p in MODULES],
)
def test_no_module_imports_a_higher_layer(name, path):
    above = {
        dep
        for dep in _imports(path)
        if dep != name and _level(dep) > _level(name)
    }
    assert not above, (
        f"{path.relative_to(PACKAGE)} ({LAYERS.get(name, 'applications')}) "
        f"imports {sorted(above)} from a higher layer"
    )


def test_the_scan_sees_imports():
    assert {"_checks", "activations"} <= _imports(PACKAGE / "losses.py")
    assert _level("layers") > _level("losses") > _level("backend")
