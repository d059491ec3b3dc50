"""TextStamps: many short texts drawn as one artist, the explorers' fast path for numbers."""
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class TextStamps(Artist):
    """Many short texts drawn as one artist (the explorers' fast path for grid numbers).

    ``items``: ``[(x, y, text, color)]`` in ``transform`` coordinates (default:
    the axes' data coordinates), all of one ``fontsize`` and one alignment
    ``ha``/``va``. A ``matplotlib.text.Text`` costs about 0.45 ms to draw, and a
    grid of the gradient-flow explorer holds up to 121 numbers plus its row and
    column numbers. Here each distinct (text, size, colour, alignment) is
    rendered once, by matplotlib's own text renderer on a small transparent
    canvas, and kept (``STAMPS``, a few hundred small arrays at most in the
    explorers; the key holds no font family, so a stamp made before an rcParams
    font change keeps the old font); drawing then only pastes the stamps: the
    same glyphs (placed to the nearest pixel), several times faster.
    """
    STAMPS = {}    # (text, fontsize, color, ha, va, dpi) -> (RGBA stamp, anchor pixel (x, y))

    def __init__(self, items, fontsize, transform=None, ha="center", va="center", label=None):
        super().__init__()
        self.items = list(items)
        self.fontsize, self.ha, self.va = fontsize, ha, va
        self._stamp_transform = transform
        self.set_zorder(3)
        if label:
            self.set_label(label)

    def texts(self):
        """The texts as written, in order (what ``ax.texts`` would hold)."""
        return [text for _, _, text, _ in self.items]

    @classmethod
    def stamp(cls, text, fontsize, color, ha, va, dpi):
        """``(rgba, (ax, ay))``: the text rendered with the anchor at pixel ``(ax, ay)``
        (from the lower left) of the stamp."""
        key = (text, fontsize, color, ha, va, dpi)
        hit = cls.STAMPS.get(key)
        if hit is None:
            side = int(np.ceil(fontsize * dpi / 72 * (len(text) + 2))) + 4  # pixels, with room
            anchor = ({"left": 2, "center": side // 2, "right": side - 2}[ha],
                      {"bottom": 2, "baseline": side // 3, "center": side // 2,
                       "center_baseline": side // 2, "top": side - 2}[va])
            fig = Figure(figsize=(side / dpi, side / dpi), dpi=dpi)
            canvas = FigureCanvasAgg(fig)
            fig.patch.set_alpha(0.0)
            fig.text(anchor[0] / side, anchor[1] / side, text, ha=ha, va=va,
                     fontsize=fontsize, color=color)
            canvas.draw()
            rgba = np.asarray(canvas.buffer_rgba())[::-1].copy()  # (side, side, 4), bottom row first
            hit = cls.STAMPS[key] = (rgba, anchor)
        return hit

    def draw(self, renderer):
        if not self.get_visible() or not self.items:
            return
        transform = self._stamp_transform or self.axes.transData
        points = transform.transform([(x, y) for x, y, _, _ in self.items])  # (k, 2) pixels
        gc = renderer.new_gc()
        for (_, _, text, color), (px, py) in zip(self.items, points):
            rgba, (ax_, ay_) = self.stamp(text, self.fontsize, color, self.ha, self.va,
                                          renderer.dpi)
            renderer.draw_image(gc, round(px - ax_), round(py - ay_), rgba)  # lower left corner
        gc.restore()
        self.stale = False
