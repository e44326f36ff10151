"""The repository is self-contained for a reader checking sources: documents cite only
what is in the repository, every relative link resolves, every figure's source key is
defined in docs/data.md, and the citation file and lock file agree with the package."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
OUTSIDE = re.compile(r"MODEL\.md|REAL_SYSTEMS\.md|PRODUCT\.md|shared/(seeds|data|design)")


SOURCES = (
    DOCS + sorted((ROOT / "scenarios").glob("*.toml")) + [ROOT / "lftm_sim/data/parameters.toml"]
)


@pytest.mark.parametrize("path", SOURCES, ids=str)
def test_no_document_points_outside_the_repository(path):
    hits = [line for line in path.read_text(encoding="utf-8").splitlines() if OUTSIDE.search(line)]
    assert not hits, hits


@pytest.mark.parametrize("path", DOCS + [ROOT / "README.md"], ids=lambda p: p.name)
def test_every_relative_link_resolves(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_every_source_key_used_in_data_md_is_defined():
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^- \*\*\[([A-Z0-9-]+)\]\*\*", text, re.M))
    used = set(re.findall(r"\[([A-Z][A-Z0-9-]+)\]", text))
    assert {"F", "H", "HS", "EARL", "EQAO", "KS2"} <= defined
    assert used <= defined, used - defined


def test_every_series_in_the_shipped_data_has_a_section_in_data_md():
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    csv = (ROOT / "lftm_sim" / "data" / "real_systems.csv").read_text(encoding="utf-8")
    systems = {line.split(",")[0] for line in csv.splitlines()[1:] if line}
    names = {"england": "England", "ontario": "Ontario", "new_zealand": "New Zealand"}
    for system in systems:
        assert f"## {names[system]}" in text, system


def test_citation_file_matches_the_package_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M)
    assert re.search(rf"^version: {re.escape(version)}$", cff, re.M)
    assert "Fullan" in cff and "title:" in cff


def test_lock_file_pins_every_core_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = (ROOT / "requirements-lock.txt").read_text(encoding="utf-8").lower()
    pins = {k.replace("_", "-"): v for k, v in re.findall(r"^([a-z0-9_.-]+)==(\S+)$", lock, re.M)}
    for dep in deps:
        name = re.split(r"[<>=!\[ ]", dep, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in requirements-lock.txt"
