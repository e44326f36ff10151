"""A sweep killed with SIGKILL at any moment and resumed holds exactly the data of an
uninterrupted one; the dataset can be queried (DuckDB) while the sweep runs."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest
from cli_runner import LFTM, ROOT
from test_sweep import SMALL, small_spec, sorted_results

from lftm_sim.sweep import run_sweep, sweep_status

# A driver that runs the sweep in this process and SIGKILLs itself at a chosen moment of
# the Nth chunk's commit: while the temporary Parquet file is half written, between the
# temporary file and its rename, between the renames and the manifest line, and halfway
# through the manifest line.
DRIVER = """
import os, signal, sys
from lftm_sim.sweep import run_sweep, storage

spec, out, where, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
calls = {"n": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def hit(kind):
    if kind == where:
        calls["n"] += 1
        return calls["n"] == nth
    return False

real_write, real_replace = storage.pq_write, os.replace
real_append = storage.SweepStore.append_manifest

def write(table, path, **kw):
    if hit("mid-write"):
        with open(path, "wb") as fh:
            fh.write(b"PAR1" + b"x" * 100)  # a torn Parquet file
        die()
    return real_write(table, path, **kw)

def replace(src, dst):
    if "runs" in str(dst) and hit("before-rename"):
        die()
    real_replace(src, dst)
    if "runs" in str(dst) and hit("after-rename"):
        die()

def append(self, line):
    if hit("mid-manifest"):
        with open(self.root / storage.MANIFEST, "a") as fh:
            fh.write(line[: len(line) // 2])
        die()
    real_append(self, line)

storage.pq_write = write
os.replace = replace
storage.SweepStore.append_manifest = append
run_sweep(spec, out, workers=0, progress=False)
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The spec and the results of an uninterrupted sweep."""
    tmp = tmp_path_factory.mktemp("ref")
    spec = small_spec(tmp)
    run_sweep(spec, tmp / "ref", workers=0, progress=False)
    return spec, sorted_results(tmp / "ref"), sorted_results(tmp / "ref", "series")


def _same_data(root, reference) -> None:
    _, runs, series = reference
    got = sorted_results(root)
    assert got["run_id"].is_unique
    pd.testing.assert_frame_equal(got, runs)
    pd.testing.assert_frame_equal(sorted_results(root, "series"), series)
    # what a reader globbing the files sees is the same: no orphan, no temporary file
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/runs/*.parquet')").fetchall()[0][0]
    assert n == len(runs)


@pytest.mark.parametrize(
    "where,nth",
    [
        ("mid-write", 1),
        ("mid-write", 3),
        ("before-rename", 2),
        ("after-rename", 2),
        ("mid-manifest", 3),
    ],
)
def test_killed_at_any_moment_then_resumed_holds_the_same_data(tmp_path, reference, where, nth):
    out = tmp_path / "s"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    proc = subprocess.run(
        [sys.executable, str(script), str(reference[0]), str(out), where, str(nth)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert sweep_status(out)["left"] > 0  # it really stopped part-way
    res = run_sweep(None, out, workers=0, resume=True, progress=False)
    assert not res.failures
    _same_data(out, reference)


def test_the_real_command_killed_and_resumed(tmp_path, reference):
    """`lftm sweep` with a worker process, its process group SIGKILLed mid-sweep."""
    out = tmp_path / "s"
    spec = reference[0]
    manifest = out / "manifest.jsonl"
    for attempt in range(2):
        proc = subprocess.Popen(
            [LFTM, "sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]
            + (["--resume"] if attempt else []),
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        lines = manifest.read_text().count("\n") if manifest.exists() else 0
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if manifest.exists() and manifest.read_text().count("\n") > lines:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    status = subprocess.run([LFTM, "sweep", str(out), "--status"], capture_output=True, text=True)
    assert status.returncode == 0 and "done" in status.stdout
    done = subprocess.run([LFTM, "sweep", str(out), "--resume", "--quiet"], cwd=ROOT)
    assert done.returncode == 0
    _same_data(out, reference)


def test_duckdb_reads_the_directory_while_the_sweep_runs(tmp_path):
    text = SMALL.replace("points = 4", "points = 24")
    spec = small_spec(tmp_path, text)
    out = tmp_path / "s"
    proc = subprocess.Popen(
        [LFTM, "sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"], cwd=ROOT
    )
    try:
        seen = []
        while proc.poll() is None:
            if list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []:
                files = f"read_parquet('{out}/runs/*.parquet')"
                q = f"SELECT strategy, count(*) FROM {files} GROUP BY 1"
                seen.append(dict(duckdb.sql(q).fetchall()))
                if len(seen) >= 3:
                    break
            time.sleep(0.02)
        assert seen, "the sweep ended before a part was written"
        assert proc.poll() is None, "the queries did not overlap the sweep"
        assert all(set(s) <= {"baseline", "middle_led"} for s in seen)
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0
    total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/runs/*.parquet')").fetchall()[0]
    assert total[0] == 24 * 2 * 2
