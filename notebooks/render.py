"""Execute every notebook full size and publish it as Markdown with its figures
(`make docs`): NOTEBOOK_DIR OUT_DIR. Each notebook's run time is printed and recorded."""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def _output(out, stem: str, images: Path, k: int) -> tuple[list[str], int]:
    data = out.get("data", {})
    if "image/png" in data:
        name = f"{stem}_{k}.png"
        (images / name).write_bytes(base64.b64decode(data["image/png"]))
        return [f"![figure {k}]({images.name}/{name})", ""], k + 1
    if "text/markdown" in data:
        return [data["text/markdown"], ""], k
    text = out.get("text") or data.get("text/plain")
    if text and out.get("name") != "stderr":
        return ["```text", text.rstrip(), "```", ""], k
    return [], k


def render(path: Path, out_dir: Path) -> float:
    """Run `path` as committed (full size) and write OUT_DIR/<stem>.md; returns seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    seconds = time.perf_counter() - start
    images = out_dir / "img"
    images.mkdir(parents=True, exist_ok=True)
    lines, k = [], 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines += [cell.source, ""]
            continue
        lines += ["```python", cell.source, "```", ""]
        for out in cell.outputs:
            more, k = _output(out, path.stem, images, k)
            lines += more
    lines.append(f"*Executed full size in {seconds:.0f} s; source: `notebooks/{path.name}`.*")
    (out_dir / f"{path.stem}.md").write_text("\n".join(lines) + "\n")
    return seconds


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    for nb_path in sorted(source.glob("[0-9]*.ipynb")):
        print(f"{nb_path.name}: {render(nb_path, target):.1f} s", flush=True)
