"""The same sweep on a real Dask cluster (a scheduler and two workers, each its own
process on 127.0.0.1) gives exactly the results of local processes."""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_runner import LFTM, ROOT
from test_sweep import small_spec, sorted_results

DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes; yields the scheduler address."""
    tmp = tmp_path_factory.mktemp("dask")
    info = tmp / "scheduler.json"
    common = ["--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(info),
                *common,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
    ]
    deadline = time.time() + 60
    while not info.exists() and time.time() < deadline:
        time.sleep(0.1)
    address = json.loads(info.read_text())["address"]
    for name in ("w1", "w2"):
        procs.append(
            subprocess.Popen(
                [
                    DASK,
                    "worker",
                    address,
                    "--nworkers",
                    "1",
                    "--nthreads",
                    "1",
                    "--name",
                    name,
                    "--local-directory",
                    str(tmp / name),
                    *common,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
            )
        )
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address
    for p in reversed(procs):
        p.terminate()
    for p in reversed(procs):
        p.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)


def test_dask_cluster_gives_the_local_results(tmp_path, cluster):
    spec = small_spec(tmp_path)
    local = subprocess.run(
        [LFTM, "sweep", str(spec), "--out", str(tmp_path / "local"), "--workers", "2", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert local.returncode == 0, local.stderr
    dask = subprocess.run(
        [
            LFTM,
            "sweep",
            str(spec),
            "--out",
            str(tmp_path / "dask"),
            "--scheduler",
            cluster,
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dask.returncode == 0, dask.stderr
    pd.testing.assert_frame_equal(
        sorted_results(tmp_path / "dask"), sorted_results(tmp_path / "local")
    )
    pd.testing.assert_frame_equal(
        sorted_results(tmp_path / "dask", "series"), sorted_results(tmp_path / "local", "series")
    )
    from distributed import Client

    with Client(cluster) as client:  # the two workers stayed up through the sweep
        assert len(client.scheduler_info()["workers"]) == 2


def test_unreachable_scheduler_is_bad_input(tmp_path):
    spec = small_spec(tmp_path)
    res = subprocess.run(
        [
            LFTM,
            "sweep",
            str(spec),
            "--out",
            str(tmp_path / "s"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "--scheduler" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()
