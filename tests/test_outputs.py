"""lftm_sim/outputs.py: results are never lost or overwritten, and an interrupted command
leaves nothing half-written (the rule every command's output follows)."""

from __future__ import annotations

import json

import pytest

from lftm_sim.errors import InputError
from lftm_sim.outputs import MARKER, output_dir, output_file, owner


def test_a_finished_command_leaves_its_files_and_a_marker(tmp_path):
    out = tmp_path / "a" / "b"  # parents are created
    with output_dir(out, "lftm compare") as tmp:
        assert tmp != out and tmp.parent == out.parent
        (tmp / "compare.csv").write_text("x\n")
        assert not out.exists()  # nothing presented as complete before the end
    assert (out / "compare.csv").read_text() == "x\n"
    assert owner(out) == "lftm compare"
    assert json.loads((out / MARKER).read_text())["files"] == ["compare.csv"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["b"]


def test_a_failed_or_interrupted_command_keeps_the_previous_output(tmp_path):
    out = tmp_path / "o"
    with output_dir(out, "lftm run") as tmp:
        (tmp / "series.csv").write_text("old\n")
    for error in (KeyboardInterrupt, RuntimeError):
        with pytest.raises(error), output_dir(out, "lftm run", force=True) as tmp:
            (tmp / "series.csv").write_text("half\n")
            raise error()
        assert (out / "series.csv").read_text() == "old\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no temporary left


def test_force_replaces_the_whole_output(tmp_path):
    out = tmp_path / "o"
    with output_dir(out, "lftm run") as tmp:
        (tmp / "agents.parquet").write_text("stale\n")
    with pytest.raises(InputError, match="pass --force"):
        output_dir(out, "lftm run")
    with output_dir(out, "lftm run", force=True) as tmp:
        (tmp / "series.csv").write_text("new\n")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "series.csv"]


@pytest.mark.parametrize("force", [False, True])
def test_anything_but_this_commands_output_is_refused(tmp_path, force):
    theirs = tmp_path / "theirs"
    with output_dir(theirs, "lftm run") as tmp:
        (tmp / "series.csv").write_text("x\n")
    with pytest.raises(InputError, match="`lftm run` results, not `lftm compare`") as err:
        output_dir(theirs, "lftm compare", force=force)
    assert err.value.key == "--out"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("x\n")
    with pytest.raises(InputError, match="not lftm results"):
        output_dir(mine, "lftm compare", force=force)
    (tmp_path / "file").write_text("x\n")
    with pytest.raises(InputError, match="is a file"):
        output_dir(tmp_path / "file", "lftm compare", force=force)
    with pytest.raises(InputError, match="a parent of it is a file"):
        output_dir(tmp_path / "file" / "sub", "lftm compare", force=force)
    assert (mine / "thesis.tex").read_text() == "x\n"


def test_an_empty_folder_is_taken(tmp_path):
    (tmp_path / "empty").mkdir()
    with output_dir(tmp_path / "empty", "lftm compare") as tmp:
        (tmp / "a").write_text("x\n")
    assert owner(tmp_path / "empty") == "lftm compare"


def test_a_report_file_is_not_overwritten_without_force(tmp_path):
    report = tmp_path / "notes.md"
    report.write_text("mine\n")
    with pytest.raises(InputError, match="exists; pass --force"):
        output_file(report)
    with pytest.raises(RuntimeError), output_file(report, force=True) as tmp:
        tmp.write_text("half\n")
        raise RuntimeError
    assert report.read_text() == "mine\n"
    with output_file(report, force=True) as tmp:
        tmp.write_text("new\n")
    assert report.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]
    with pytest.raises(InputError, match="is a folder"):
        output_file(tmp_path)
