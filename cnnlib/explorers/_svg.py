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


def luminance(rgb):
    """WCAG 2 relative luminance of ``(r, g, b)`` (0..255)."""
    lin = [v / 255 / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4
           for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a, b):
    """WCAG 2 contrast ratio of two colours ``(r, g, b)``: 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def dark(rgb):
    """True where a number must be written white: white contrasts more than black with the
    cell (as ``js/grid.js``); either way the number reaches at least 4.58:1."""
    return contrast(rgb, (255, 255, 255)) > contrast(rgb, (0, 0, 0))


def _hex(rgb):
    return "#%02x%02x%02x" % rgb


def _panel(p, x0):
    """The SVG elements of one panel whose cells start at x = ``x0 + LEFT``, y = ``TOP``."""
    rows = [row.split(",") for row in p["g"].split(";")]
    nr, nc = len(rows), len(rows[0])
    left = x0 + LEFT
    rects, nums = [], []
    crossed = {(int(r), int(c)) for r, c in p.get("m", [])}
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            rgb = colour(float(text) if text else 0.0, p["lo"], p["hi"], p["s"])
            x, y = left + c * CELL, TOP + r * CELL
            rects.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_hex(rgb)}"/>')
            if text:
                fill = ' fill="#fff"' if dark(rgb) else ""
                if (r, c) in crossed:   # a halo of the cell's colour over the cross
                    fill += f' stroke="{_hex(rgb)}" stroke-width="3" paint-order="stroke"'
                nums.append(f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 4}"{fill}>{text}</text>')
    out = [f'<text x="{left}" y="14" font-size="12">{html.escape(p["t"])}</text>',
           '<g stroke="#999" stroke-width="0.5">', *rects, "</g>"]
    if p.get("m"):   # crosses under the numbers, in each cell's ink (as js/grid.js)
        inks = {}
        for r, c in p["m"]:
            text = rows[r][c]
            ink = "#fff" if dark(colour(float(text) if text else 0.0, p["lo"], p["hi"],
                                        p["s"])) else "#000"
            inks[ink] = inks.get(ink, "") + (f"M{left + c * CELL + 7},{TOP + r * CELL + 7}"
                                             f"l16,16m0,-16l-16,16")
        out += [f'<path d="{d}" stroke="{ink}" stroke-opacity="0.6" stroke-width="1.4"/>'
                for ink, d in inks.items()]
    out += ['<g font-size="11" text-anchor="middle">', *nums, "</g>"]
    if "f" in p:
        r, c, h, w = p["f"]
        out.append(f'<rect x="{left + c * CELL}" y="{TOP + r * CELL}" width="{w * CELL}" '
                   f'height="{h * CELL}" fill="none" stroke="#262626" stroke-dasharray="4 3"/>')
    out.append('<g fill="none">')
    for r, c, h, w, col in p["b"]:   # outlines: a white halo, then the colour
        box = (f'x="{left + c * CELL + 2}" y="{TOP + r * CELL + 2}" width="{w * CELL - 4}" '
               f'height="{h * CELL - 4}"')
        out.append(f'<rect {box} stroke="#fff" stroke-width="5.5"/>'
                   f'<rect {box} stroke="{col}" stroke-width="3"/>')
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
            f'viewBox="0 0 {x} {height}" font-family="sans-serif">'   # white: dark themes too
            f'<rect width="100%" height="100%" fill="#fff"/>' + "".join(parts) + "</svg>")
