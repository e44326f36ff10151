"""Animations for slides: the strategies side by side, year by year, as a GIF or MP4.

Each frame draws every strategy's mean over replicates (capacity, performance and the gap,
or any reporters) up to that year, on fixed axes, with the year in the title; frames are
rendered without pyplot (Agg canvas) and written by imageio.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

#: Panels drawn by default.
ANIMATE_METRICS = ("mean_capacity", "mean_performance", "gap")
FORMATS = (".gif", ".mp4")


def check_format(path: Path) -> str:
    """The animation format of `path` from its suffix; InputError if it is not writable."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"cannot write a {suffix or 'suffix-less'} animation; allowed: .gif, .mp4",
            file=str(path),
            key="--out",
            allowed=", ".join(FORMATS),
            value=suffix,
        )
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise InputError(
                "MP4 needs imageio-ffmpeg (pip install 'lftm-sim[animate]')",
                file=str(path),
                key="--out",
                allowed=".gif, or install imageio-ffmpeg",
                value=suffix,
            ) from None
    return suffix


def frame_years(series: pd.DataFrame, every: float) -> list[float]:
    """The years that get a frame: the first, every `every` years, and the last."""
    years = np.sort(series["year"].unique())
    picked = [y for y in years if np.isclose(y / every, round(y / every))]
    return sorted({float(years[0]), *map(float, picked), float(years[-1])})


def frames(
    series: pd.DataFrame, metrics: Sequence[str] = ANIMATE_METRICS, every: float = 1.0
) -> list[np.ndarray]:
    """RGB frames (height x width x 3 arrays): each strategy's mean up to each frame year."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from .plots import style as st

    means = series.groupby(["variant", "year"], sort=False)[list(metrics)].mean().reset_index()
    variants = list(dict.fromkeys(series["variant"]))
    styles = st.variant_styles(variants)
    out = []
    for year in frame_years(series, every):
        fig, axes = st.new_figure(len(metrics))
        for ax, metric in zip(axes, metrics, strict=True):
            lo, hi = means[metric].min(), means[metric].max()
            for v in variants:
                rows = means[(means["variant"] == v) & (means["year"] <= year + 1e-9)]
                ax.plot(
                    rows["year"], rows[metric], color=styles[v].colour, ls=styles[v].linestyle, lw=2
                )
            ax.set_xlim(means["year"].min(), means["year"].max())
            ax.set_ylim(lo - 0.05 * (hi - lo + 1e-9), hi + 0.05 * (hi - lo + 1e-9))
            st.label_panel(ax, metric, calendar=False)
        st.legend_below(
            fig,
            [st.line_handle(styles[v]) for v in variants],
            [st.variant_label(v) for v in variants],
        )
        fig.suptitle(f"Year {year:g}", fontsize=13)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        out.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return out


def write(path: Path, images: list[np.ndarray], fps: float, suffix: str) -> None:
    """Write `images` as an animation at `path` in the format of `suffix` (.gif or .mp4)."""
    import imageio.v3 as iio

    if suffix == ".gif":
        iio.imwrite(path, np.stack(images), extension=".gif", duration=1000 / fps, loop=0)
    else:
        import imageio_ffmpeg

        h, w = (d - d % 16 for d in images[0].shape[:2])  # whole H.264 macro blocks
        # the temporary file has no .mp4 suffix: name the container for ffmpeg
        writer = imageio_ffmpeg.write_frames(
            str(path), (w, h), fps=fps, output_params=["-f", "mp4"], quality=8
        )
        writer.send(None)
        for im in images:
            writer.send(np.ascontiguousarray(im[:h, :w]))
        writer.close()
