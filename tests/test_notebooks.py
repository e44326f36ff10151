"""Every notebook runs top to bottom, shows each of its figures, and uses the public API.

A notebook as committed runs full size; the suite runs the same code small by replacing
its one cell tagged `parameters` with the sizes in `SMALL` (and nothing else).
"""

import ast
import importlib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_reference_docs import REFERENCE_MODULES

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: Modules a notebook may import from: the package (its __all__) and the documented ones
#: (what docs/reference.md lists; each name imported must be on that page too).
PUBLIC_MODULES = ("lftm_sim", *REFERENCE_MODULES, "lftm_sim.posterior")
REFERENCE = (Path(__file__).parent.parent / "docs" / "reference.md").read_text()
#: The parameters cell each notebook runs with in the suite (small systems, same code).
SMALL = {
    "01_top_down_vs_bottom_up": "SCHOOLS, DISTRICTS, YEARS, REPLICATES = 150, 3, 3, 2\n"
    "PUSH_ENDS = 1.5  # the year the top-down push stops\nBUDGETS = (1.0, 3.0)",
    "02_leadership_from_the_middle": "SCHOOLS = 150\nREPLICATES = 2\nHANDOVER = 2007\n"
    "OPPOSED_UNTIL = 2018\nDRAWS = 4",
    "03_what_makes_networks_work": "SCHOOLS, DISTRICTS, YEARS, REPLICATES = 150, 3, 3, 2\n"
    "BUDGETS = (1.0, 3.0)",
    "04_sweeps_and_sensitivity": "SCHOOLS, DISTRICTS, YEARS = 60, 2, 2\n"
    "GRID_POINTS, GRID_REPLICATES = 2, 2\nMORRIS_TRAJECTORIES, SOBOL_BASE = 4, 16\n"
    "MAX_REPLICATES = 4",
}


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _is_figure_cell(cell) -> bool:
    return "figure" in cell.metadata.get("tags", [])


def _parameters_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]


def small(nb, stem: str):
    """A copy of `nb` with its parameters cell replaced by the suite's small sizes."""
    out = nbformat.reads(nbformat.writes(nb), as_version=4)
    if stem in SMALL:
        (index,) = _parameters_cells(out)
        out.cells[index].source = SMALL[stem]
    return out


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.get("outputs", []))


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def executed(request):
    path = request.param
    nb = small(nbformat.read(path, as_version=4), path.stem)
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
        assert f"`{module}.{name}" in REFERENCE, f"{module}.{name} is not in docs/reference.md"


def test_there_is_a_notebook():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_one_parameters_cell_is_all_that_changes(path):
    full = nbformat.read(path, as_version=4)
    assert len(_parameters_cells(full)) == 1
    reduced = small(full, path.stem)
    changed = [
        i
        for i, (a, b) in enumerate(zip(full.cells, reduced.cells, strict=True))
        if a.source != b.source
    ]
    assert changed == ([] if path.stem not in SMALL else _parameters_cells(full))


def test_every_small_size_names_a_notebook():
    assert set(SMALL) <= {p.stem for p in NOTEBOOKS}


def test_small_sizes_set_the_same_names():
    # the small cell must set every name the full cell sets, or the notebook would fail
    for path in NOTEBOOKS:
        if path.stem not in SMALL:
            continue
        full = nbformat.read(path, as_version=4)
        cell = full.cells[_parameters_cells(full)[0]].source

        def names(src):
            return {
                n.id
                for n in ast.walk(ast.parse(src))
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }

        assert names(SMALL[path.stem]) == names(cell), path.stem
