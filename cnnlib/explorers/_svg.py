"""The explorers' panels as one still SVG picture (what a notebook shows before it is run).

The browser draws the same panels (``js/grid.js``) with the same colour maps: a
diverging blue-white-red map for signed values (matplotlib's ``RdBu_r``) and a
white-to-black map for counts and images (``Greys``), given by their ColorBrewer
anchor colours and interpolated linearly; the number in a cell is written white
where the cell is dark.
"""
import html

RDBU_R = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
          "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
GREYS = ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252",
         "#252525", "#000000"]
CELL, LEFT, TOP, BOTTOM, GAP = 30, 20, 22, 16, 18   # pixels of the still picture


def _rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def colour(value, lo, hi, signed):
    """``(r, g, b)`` of ``value`` on the panel's scale ``lo..hi`` (clipped)."""
    anchors = RDBU_R if signed else GREYS
    t = 0.5 if hi <= lo else min(max((value - lo) / (hi - lo), 0.0), 1.0)
    x = t * (len(anchors) - 1)
    k = min(int(x), len(anchors) - 2)
    a, b = _rgb(anchors[k]), _rgb(anchors[k + 1])
    return tuple(round(a[i] + (b[i] - a[i]) * (x - k)) for i in range(3))


def dark(rgb):
    """True where a number must be written white (plot_grid's luminance test)."""
    return (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 <= 0.55


def _hex(rgb):
    return "#%02x%02x%02x" % rgb


def _panel(p, x0):
    """The SVG elements of one panel whose cells start at x = ``x0 + LEFT``, y = ``TOP``."""
    rows = [row.split(",") for row in p["g"].split(";")]
    nr, nc = len(rows), len(rows[0])
    left = x0 + LEFT
    rects, nums = [], []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            rgb = colour(float(text) if text else 0.0, p["lo"], p["hi"], p["s"])
            x, y = left + c * CELL, TOP + r * CELL
            rects.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_hex(rgb)}"/>')
            if text:
                fill = ' fill="#fff"' if dark(rgb) else ""
                nums.append(f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 4}"{fill}>{text}</text>')
    out = [f'<text x="{left}" y="14" font-size="12">{html.escape(p["t"])}</text>',
           '<g stroke="#999" stroke-width="0.5">', *rects, "</g>"]
    if p.get("m"):   # crosses under the numbers, a white halo under a dark stroke
        d = "".join(f"M{left + c * CELL + 6},{TOP + r * CELL + 6}l18,18m0,-18l-18,18"
                    for r, c in p["m"])
        out.append(f'<path d="{d}" stroke="#fff" stroke-width="4"/>'
                   f'<path d="{d}" stroke="#222" stroke-width="1.6"/>')
    out += ['<g font-size="11" text-anchor="middle">', *nums, "</g>"]
    if "f" in p:
        r, c, h, w = p["f"]
        out.append(f'<rect x="{left + c * CELL}" y="{TOP + r * CELL}" width="{w * CELL}" '
                   f'height="{h * CELL}" fill="none" stroke="#262626" stroke-dasharray="4 3"/>')
    out.append('<g fill="none" stroke-width="3">')
    for r, c, h, w, col in p["b"]:
        out.append(f'<rect x="{left + c * CELL + 1.5}" y="{TOP + r * CELL + 1.5}" '
                   f'width="{w * CELL - 3}" height="{h * CELL - 3}" stroke="{col}"/>')
    out.append('</g><g font-size="10" fill="#555" text-anchor="middle">')
    o = p["o"]
    out += [f'<text x="{left + c * CELL + CELL // 2}" y="{TOP + nr * CELL + 12}">{c + o[1]}</text>'
            for c in range(nc)]
    out += [f'<text x="{left - 8}" y="{TOP + r * CELL + CELL // 2 + 4}">{r + o[0]}</text>'
            for r in range(nr)]
    out.append("</g>")
    width = LEFT + max(nc * CELL, 7 * len(p["t"]))
    return out, width, TOP + nr * CELL + BOTTOM


def panels_svg(panels):
    """One SVG (a string) of the panels side by side."""
    parts, x, height = [], 0, 0
    for p in panels:
        out, w, h = _panel(p, x)
        parts += out
        x, height = x + w + GAP, max(height, h)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{x}" height="{height}" '
            f'viewBox="0 0 {x} {height}" font-family="sans-serif">' + "".join(parts) + "</svg>")
