"""Compact inline figures: an IPython extension, ``%load_ext cnnlib.plotting.inline``.

The notebooks' figures are grids of a few flat colours with numbers on them. Drawn at twice
the screen's resolution (sharp on high-density screens, as IPython's "retina" format), a
figure's PNG is mostly anti-aliased text, 60-150 kB each, and a notebook with a dozen of them
nears the course's 1 MB per notebook. Here the same pixel-doubled picture is stored as a
palette PNG of at most 256 colours on a white background: no visible change on these figures
(measured on notebook 04's figures: 2.5-3x smaller), a smaller notebook, a lighter site page.

Nothing happens on import: the notebook's first line loads the extension, which registers the
PNG formatter for matplotlib figures in that IPython session only.
"""
import base64
import io

_SCALE = 2          # pixels per screen pixel, as IPython's "retina" figure format
_COLOURS = 256      # palette size: the most a PNG palette holds


def compact_png(fig, scale=_SCALE, colours=_COLOURS):
    """``fig`` as pixel-doubled PNG bytes with a palette, and its on-screen ``(width, height)``.

    Returns ``None`` for an empty figure (nothing to show), as IPython's own formatter does.
    """
    from PIL import Image

    if not fig.axes and not fig.lines:
        return None
    raw = io.BytesIO()
    fig.canvas.print_figure(raw, format="png", dpi=fig.dpi * scale, bbox_inches="tight",
                            facecolor="white", edgecolor="white")
    image = Image.open(raw).convert("RGB")                                  # opaque, on white
    palette = image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    width, height = image.size
    return out.getvalue(), (width // scale, height // scale)


def _formatter(fig):
    found = compact_png(fig)
    if found is None:
        return None
    data, (width, height) = found
    return base64.b64encode(data).decode("ascii"), {"width": width, "height": height}


def load_ipython_extension(ipython):
    """Register the compact PNG formatter for matplotlib figures in this IPython session."""
    from matplotlib.figure import Figure

    try:  # the inline backend registers its own figure formats when it is first imported: let it go first
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:  # not in a Jupyter kernel: nothing else will register a format
        pass

    formatters = ipython.display_formatter.formatters
    for mime in ("image/svg+xml", "image/jpeg", "application/pdf"):
        formatters[mime].pop(Figure, None)
    formatters["image/png"].for_type(Figure, _formatter)
