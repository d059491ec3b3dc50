"""Colours and the number format shared by every figure of the course."""


SIGNED_CMAP = "RdBu_r"     # negative blue, zero white, positive red
UNSIGNED_CMAP = "Greys"    # images and counts
HIGHLIGHT = "tab:orange"   # the window or cell being looked at
SECOND = "tab:green"       # a second highlight (e.g. the pixel picked in the input)


def _format(v, fmt):
    if fmt is None:
        if float(v).is_integer() and abs(v) < 1e6:
            return f"{int(v)}"
        return f"{v:.2g}" if abs(v) < 0.01 and v != 0 else f"{v:.2f}".rstrip("0").rstrip(".")
    return fmt.format(v)
