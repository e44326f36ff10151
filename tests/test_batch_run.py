"""mesa.batch_run works on the model unchanged (in a subprocess: it switches the whole
process to the "spawn" start method)."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import mesa, pandas as pd
    from lftm_sim import SystemModel, Timeline

    if __name__ == "__main__":
        results = mesa.batch_run(
            SystemModel,
            parameters={
                "n_schools": 80,
                "n_districts": 3,
                "strategy": ["top_down", "middle_led"],
                "timeline": [None, Timeline("top_down@0,stop@1")],
                "pressure": [0.2, 0.4],
            },
            rng=[1, 2],
            max_steps=6,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
        df = pd.DataFrame(results)
        assert len(df) == 2 * 2 * 2 * 2, len(df)
        assert df["mean_capacity"].between(0, 1).all()
        assert df["Step"].eq(6).all()
        print("rows", len(df))
    """
)


def test_batch_run_sweeps_the_model_unchanged(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT)
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "rows 16" in res.stdout
