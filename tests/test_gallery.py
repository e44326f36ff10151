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


def test_sweep_figures_share_the_palette_and_label_their_units():
    from matplotlib.colors import to_hex

    from lftm_sim.plots import STRATEGY_COLOURS
    from lftm_sim.plots.figures import policy_map, sensitivity_bars

    (ax, _colourbar) = policy_map(SMALL).axes
    cmap = ax.collections[0].get_cmap()
    ends = [to_hex(cmap(v), keep_alpha=False) for v in (0.0, 1.0)]
    assert ends == [STRATEGY_COLOURS["top_down"].lower(), STRATEGY_COLOURS["middle_led"].lower()]
    assert "reference budgets per school-year" in ax.get_xlabel()
    assert "(share)" in ax.get_ylabel()
    (bars,) = sensitivity_bars(SMALL).axes
    faces = {to_hex(p.get_facecolor(), keep_alpha=False) for p in bars.patches}
    assert faces == {STRATEGY_COLOURS["middle_led"].lower()}
    assert "share of students at the standard" in bars.get_ylabel()
