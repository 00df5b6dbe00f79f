"""The Python API as users meet it: the names of ``kg``, what ``import kg`` costs, and the README's example."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parent.parent
#: Modules that `import kg` leaves alone: those its names live in, and the heavy libraries behind them.
HEAVY = ("kg.store", "kg.sources", "kg.ingest", "kg.mapping", "pyoxigraph", "rdflib", "lxml", "dask", "networkx")


def _loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` (and their submodules) loaded by ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return [m for m in json.loads(out) if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("name", kg.__all__)
def test_public_names_resolve(name: str) -> None:
    home = importlib.import_module(kg._HOMES[name])
    assert getattr(kg, name) is getattr(home, name)
    assert name in dir(kg)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'kg' has no attribute 'Store'"):
        kg.Store  # noqa: B018


def test_type_checkers_see_the_same_names() -> None:
    """The ``if TYPE_CHECKING:`` imports name exactly ``__all__``, each from the module it is loaded from."""
    tree = ast.parse(Path(kg.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert seen == {name: kg._HOMES[name] for name in kg.__all__}


def test_py_typed_marker() -> None:
    assert (Path(kg.__file__).parent / "py.typed").is_file()


def test_import_kg_is_light() -> None:
    assert _loaded_after("import kg") == []
    # reading records (a reader process, a Dask worker) does not load the store
    assert not [m for m in _loaded_after("from kg import read_records") if m.startswith(("kg.store", "pyoxigraph"))]


def _readme_example() -> tuple[str, str]:
    """The README's Python API example: its code, and the output it says it prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API\n"):]
    section = section[:section.index("\n## ", 1)]
    found = re.search(r"```python\n(.*?)```.*?```\n(.*?)```", section, re.DOTALL)
    assert found, "the Python API section has a python block followed by its output"
    return found.group(1), found.group(2)


def test_readme_python_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = _readme_example()
    monkeypatch.chdir(tmp_path)  # "in an empty folder"
    # running the README's own code is the point of this test
    exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})  # noqa: S102
    assert capsys.readouterr().out == printed
    assert {p.name for p in tmp_path.iterdir()} == {"kg-store", "refs.bib", "graph.nq.gz"}
