"""notebooks/reanalysis.ipynb executes without error and its committed outputs are current.

The fresh run's printed text (standard output and the text of cell results) must equal the
committed outputs: same seed, same numbers to the printed precision. Images are not compared.
"""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "reanalysis.ipynb"


def printed(notebook) -> list[list[str]]:
    """Per code cell, its standard output and the plain text of its results."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                texts.append(output.text)
            elif output.output_type == "execute_result":
                texts.append(output.data.get("text/plain", ""))
            elif output.output_type == "error":
                texts.append(f"ERROR {output.ename}: {output.evalue}")
        cells.append(texts)
    return cells


def test_committed_notebook_has_outputs_and_small_images():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert any(texts for texts in printed(notebook)), "committed without outputs"
    images = [
        len(o.data["image/png"])
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if "data" in o and "image/png" in o.data
    ]
    assert len(images) >= 6 and max(images) < 120_000  # base64 characters
    assert NOTEBOOK.stat().st_size < 600_000


@pytest.mark.slow
def test_notebook_executes_and_matches_its_committed_outputs(monkeypatch):
    committed = nbformat.read(NOTEBOOK, as_version=4)
    fresh = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")
    client = nbclient.NotebookClient(
        fresh,
        timeout=1200,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    assert printed(fresh) == printed(committed)
