"""Every notebook runs top to bottom, shows each of its figures, and uses the public API."""

import ast
import importlib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: Modules a notebook may import from: the package (its __all__) and the documented ones.
PUBLIC_MODULES = ("lftm_sim", "lftm_sim.plots", "lftm_sim.experiments", "lftm_sim.analysis")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _is_figure_cell(cell) -> bool:
    return "figure" in cell.metadata.get("tags", [])


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def executed(request):
    path = request.param
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return nb


def test_notebook_runs(executed):
    errors = [
        o for c in _code_cells(executed) for o in c.outputs if o.get("output_type") == "error"
    ]
    assert not errors


def test_every_figure_cell_shows_one_image(executed):
    figure_cells = [c for c in _code_cells(executed) if _is_figure_cell(c)]
    assert figure_cells, "no cell is tagged 'figure'"
    assert [_images(c) for c in figure_cells] == [1] * len(figure_cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_figure_calls_are_in_tagged_cells(path):
    # a figure made in an untagged cell would escape the image check above
    calls = [c for c in _code_cells(nbformat.read(path, as_version=4)) if "_figure(" in c.source]
    assert calls and all(_is_figure_cell(c) for c in calls)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.outputs and c.execution_count is None for c in _code_cells(nb))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_only_the_public_api_is_imported(path):
    nb = nbformat.read(path, as_version=4)
    imported = []
    for cell in _code_cells(nb):
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("lftm_sim"):
                imported += [(node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                imported += [(a.name, None) for a in node.names if a.name.startswith("lftm_sim")]
    assert imported
    for module, name in imported:
        assert module in PUBLIC_MODULES, module
        if name is None:
            continue
        assert not name.startswith("_"), name
        public = getattr(importlib.import_module(module), "__all__", None)
        assert public is None or name in public, f"{module}.{name} is not public"


def test_there_is_a_notebook():
    assert NOTEBOOKS
