"""Every gallery figure function returns a Figure with data drawn in it."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from lftm_sim.plots.figures import GALLERY, Size, write_gallery

SMALL = Size(schools=80, districts=2, replicates=2, years=2, sweep_points=2)


def _data_points(fig: Figure) -> int:
    """How many finite data values the figure's axes hold (lines, collections, bars, images)."""
    n = 0
    for ax in fig.axes:
        for line in ax.lines:
            n += int(np.isfinite(np.asarray(line.get_ydata(), dtype=float)).sum())
        for coll in ax.collections:
            n += len(coll.get_offsets()) + len(coll.get_paths())
        n += len(ax.patches) + sum(im.get_array().size for im in ax.images)
    return n


@pytest.mark.parametrize("stem, caption, make", GALLERY, ids=[g[0] for g in GALLERY])
def test_gallery_figure_has_data(stem, caption, make):
    fig = make(SMALL)
    assert isinstance(fig, Figure)
    assert _data_points(fig) > 0, stem


def test_an_empty_figure_has_no_data():
    # negative control for the check above
    fig = Figure()
    fig.add_subplot()
    assert _data_points(fig) == 0


def test_write_gallery_writes_every_figure_and_refuses_to_overwrite(tmp_path, monkeypatch):
    import lftm_sim.plots.figures as figures

    monkeypatch.setattr(figures, "GALLERY", GALLERY[:2])
    write_gallery(tmp_path / "img", tmp_path / "gallery.md", SMALL)
    page = (tmp_path / "gallery.md").read_text()
    for stem, caption, _ in GALLERY[:2]:
        assert (tmp_path / "img" / f"{stem}.png").stat().st_size > 0
        assert f"](img/{stem}.png)" in page and caption in page
    from lftm_sim.errors import InputError

    with pytest.raises(InputError, match="--force"):
        write_gallery(tmp_path / "img", tmp_path / "gallery.md", SMALL)
