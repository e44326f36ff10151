"""`lftm animate`: one frame per year with the year on it, GIF and MP4, nothing overwritten."""

import imageio.v3 as iio
import numpy as np
import pandas as pd
import pytest
from cli_runner import lftm

from lftm_sim.animate import frame_years, frames

SMALL = ("--schools", "60", "--districts", "2", "--replicates", "2", "--quiet")


def _series(years=2.0):
    steps = np.arange(int(years * 4) + 1)
    return pd.concat(
        pd.DataFrame(
            {
                "variant": v,
                "replicate": 0,
                "year": steps / 4,
                "mean_capacity": steps * k,
                "mean_performance": 0.5,
                "gap": 0.2,
            }
        )
        for v, k in (("top_down", 1.0), ("middle_led", 2.0))
    )


def test_one_frame_per_year_and_the_last():
    assert frame_years(_series(2.0), 1.0) == [0.0, 1.0, 2.0]
    assert frame_years(_series(1.75), 1.0) == [0.0, 1.0, 1.75]
    assert frame_years(_series(2.0), 0.5) == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_frames_differ_as_the_lines_grow():
    images = frames(_series(2.0))
    assert len(images) == 3 and images[0].ndim == 3 and images[0].shape[2] == 3
    assert not np.array_equal(images[0], images[-1])


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_animation_has_a_frame_per_year(tmp_path, suffix):
    out = tmp_path / f"a{suffix}"
    r = lftm("animate", "--out", str(out), "--years", "3", *SMALL)
    assert r.returncode == 0, r.stderr
    read = {"plugin": "FFMPEG"} if suffix == ".mp4" else {}
    assert iio.imread(out, index=None, **read).shape[0] == 4  # years 0, 1, 2, 3


def test_existing_file_is_kept_without_force(tmp_path):
    out = tmp_path / "a.gif"
    out.write_bytes(b"keep")
    r = lftm("animate", "--out", str(out), "--years", "1", *SMALL)
    assert r.returncode == 2 and "--force" in r.stderr and len(r.stderr.splitlines()) == 1
    assert out.read_bytes() == b"keep"
    assert lftm("animate", "--out", str(out), "--years", "1", "--force", *SMALL).returncode == 0
    assert out.read_bytes() != b"keep"


@pytest.mark.parametrize(
    "args, says",
    [
        (("--out", "x.png"), ".gif, .mp4"),
        (("--strategies", "top_dwn"), "did you mean 'top_down'"),
        (("--metrics", "mean_capasity"), "did you mean 'mean_capacity'"),
        (("--years", "0"), "--years"),
        (("--fps", "-1"), "--fps"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    r = lftm(
        "animate",
        *(("--out", str(tmp_path / "a.gif")) if "--out" not in args else ()),
        *args,
        *SMALL,
        cwd=tmp_path,
    )
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # nothing written, no temporary left
