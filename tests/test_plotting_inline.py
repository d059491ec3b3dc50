"""The compact inline figure format (cnnlib.plotting.inline): what the notebooks store."""
import base64
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cnnlib.plotting import plot_grid  # noqa: E402
from cnnlib.plotting.inline import _formatter, compact_png  # noqa: E402

NOTEBOOKS = sorted(Path(__file__).resolve().parents[1].glob("notebooks/**/*.ipynb"))


def _grid_figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    plot_grid(np.arange(-12, 13).reshape(5, 5), ax=ax, signed=True, title="a grid")
    return fig


def test_a_figure_is_pixel_doubled_with_a_palette_and_looks_the_same():
    fig = _grid_figure()
    data, (width, height) = compact_png(fig)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "P" and (image.size[0] // 2, image.size[1] // 2) == (width, height)
    plain = io.BytesIO()
    fig.canvas.print_figure(plain, format="png", dpi=2 * fig.dpi, bbox_inches="tight", facecolor="white")
    reference = np.asarray(Image.open(plain).convert("RGB"), dtype=float)
    compact = np.asarray(image.convert("RGB"), dtype=float)
    assert compact.shape == reference.shape
    assert np.abs(compact - reference).mean() < 1.0          # of 255: no visible change
    assert len(data) < 0.6 * len(plain.getvalue())           # and much smaller
    plt.close(fig)


def test_the_formatter_gives_base64_and_the_screen_size_and_nothing_for_an_empty_figure():
    fig = _grid_figure()
    text, meta = _formatter(fig)
    data, size = compact_png(fig)
    assert base64.b64decode(text) == data and (meta["width"], meta["height"]) == size
    empty = plt.figure()
    assert _formatter(empty) is None
    plt.close("all")


def test_every_notebook_loads_the_extension_first_and_stores_its_figures_with_a_palette():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        pngs = [o["data"]["image/png"] for c in code for o in c.get("outputs", [])
                if "image/png" in o.get("data", {})]
        if not pngs:
            continue
        assert "".join(code[0]["source"]).startswith("%load_ext cnnlib.plotting.inline"), path.name
        for png in pngs:
            assert Image.open(io.BytesIO(base64.b64decode(png))).mode == "P", path.name
