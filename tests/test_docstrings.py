"""Every public function, class and method of the library has a docstring.

The library is every module of `qa_audio` but the command line (`cli`, `__main__`: the
commands' help is their docstring, checked by typer) and the web app (`web/`: its pages are
its interface). Read from the source, so nothing is imported and a dataclass's generated
signature does not count as its documentation."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "qa_audio"
NOT_LIBRARY = {"cli.py", "__main__.py"}


def library_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in NOT_LIBRARY and "web" not in p.relative_to(PACKAGE).parts)


def undocumented(path: Path, root: Path = ROOT) -> list[str]:
    """`module:line name` of each public function, class and method (of a public class)
    without a docstring; `module` is relative to `root`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(root).as_posix()
    missing = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        members = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and not m.name.startswith("_")] if isinstance(node, ast.ClassDef) else []
        for item, name in [(node, node.name), *((m, f"{node.name}.{m.name}") for m in members)]:
            if not ast.get_docstring(item):
                missing.append(f"{where}:{item.lineno} {name}")
    return missing


def test_the_check_sees_a_missing_docstring(tmp_path):
    (tmp_path / "m.py").write_text('def f():\n    pass\n\nclass C:\n    """C."""\n    def g(self):\n        return 1\n\n    def _h(self):\n        pass\n', encoding="utf-8")
    assert undocumented(tmp_path / "m.py", tmp_path) == ["m.py:1 f", "m.py:6 C.g"]


def test_every_public_callable_of_the_library_has_a_docstring():
    modules = library_modules()
    assert len(modules) > 20 and PACKAGE / "analyzer.py" in modules
    missing = [m for path in modules for m in undocumented(path)]
    assert not missing, f"{len(missing)} public callables without a docstring:\n" + "\n".join(missing)
