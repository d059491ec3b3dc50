"""The gradient-flow explorer: how the deltas of the 7x7, stride-2 layer flow back.

Views: one output (its window, its delta's share of dX and dW); one input pixel
(u, v) (the outputs that read it, dE/dx there as a sum of terms); the scatter-add
output by output; dX as the full correlation of the dilated deltas with the
rotated kernel. The numbers: ``gradient_flow_state`` (cnnlib).
"""
import itertools

from ..conv import conv_output_shape
from . import _check
from ._base import Explorer
from ._panels import DARK, GREEN, ORANGE, grid, num, outside, pick_table, plain
from .gradient_flow_state import gradient_flow_state

VIEWS = [["one output", "output"], ["one input pixel", "pixel"],
         ["scatter-add, step by step", "steps"], ["full convolution", "full"]]


def _span(values, name):
    """'row 2' / 'rows 2, 3 and 6' (padded coordinates shifted back by the caller)."""
    values = list(values)
    if len(values) == 1:
        return f"{name} {values[0]}"
    return f"{name}s " + ", ".join(str(v) for v in values[:-1]) + f" and {values[-1]}"


def unread_reason(state):
    """Why no window reads the pixel: its row or column lies in a gap between windows
    (S > K) or after the last window (the stride does not tile). '' if it is read."""
    if state.terms:
        return ""
    s, k, pad = state.stride, state.kernel_size, state.pad
    last = s * (state.dout.shape[0] - 1) + k - 1   # last padded row (= col) some window reads
    why = []
    for name, v in (("row", state.pixel[0]), ("column", state.pixel[1])):
        padded = v + pad
        covered = state.covered[0] if name == "row" else state.covered[1]
        if padded in covered:
            continue
        if padded > last:
            why.append(f"its {name} {v} lies after the last window, which ends at {name} "
                       f"{last - pad} (the stride does not tile the input)")
        else:
            why.append(f"its {name} {v} lies in a gap between two windows (stride S = {s} > "
                       f"kernel K = {k}: each step skips S − K = {s - k} {name}(s))")
    return "; ".join(why)


def terms_text(state):
    """'∂E/∂x[u, v] = δ[0,1]·w[2,1] + ... = (-1)·2 + ... = -2' as HTML."""
    p, q = state.pixel
    c = state.channel
    name = f"∂E/∂x[{c}, {p}, {q}]" if state.x.shape[0] > 1 else f"∂E/∂x[{p}, {q}]"
    if not state.terms:
        return (f"{name} = <b>0</b>: no window reads this pixel ({unread_reason(state)}), so no "
                f"delta reaches it.")
    wname = f"w[{c}," if state.x.shape[0] > 1 else "w["
    symbols = " + ".join(f"δ[{t.out_pos[0]},{t.out_pos[1]}]·{wname}{t.kernel_pos[0]},"
                         f"{t.kernel_pos[1]}]" for t in state.terms)
    numbers = " + ".join(f"{num(t.delta)}·{num(t.weight)}" for t in state.terms)  # (-1)·2
    return (f"{name} = {symbols}<br>&nbsp;&nbsp;&nbsp;= {numbers} = "
            f"<b>{plain(state.dx_at_pixel)}</b>"
            f" &nbsp;({len(state.terms)} output(s) read this pixel)")


class GradientFlowExplorer(Explorer):
    """``gradient_flow_explorer``: controls, views; the numbers are in ``self.state``."""

    NAME = "gradient-flow explorer"
    MODE, GEOMETRY = "view", ["stride", "pad", "kernel_size"]
    ARGUMENTS = ("channels", "seed")

    def __init__(self, channels=1, seed=0, **values):
        channels = _check.one_of(type(self).__name__, "channels", channels, (1, 3))
        self.channels, self.seed = channels, _check.seed(type(self).__name__, seed)
        self.CONTROLS = [
            dict(name="view", kind="toggle", label="view", options=VIEWS, value="output"),
            dict(name="stride", kind="slider", label="stride S", min=1, max=3, value=2),
            dict(name="pad", kind="slider", label="padding P", min=0, max=2, value=0),
            dict(name="kernel_size", kind="slider", label="kernel K", min=2, max=4, value=3),
            dict(name="channel", kind="toggle", label="channel",
                 options=[[str(c), c] for c in range(channels)], value=0),
            dict(name="out_i", kind="slider", label="output row i", min=0, max=2, value=0),
            dict(name="out_j", kind="slider", label="output col j", min=0, max=2, value=0),
            dict(name="pix_r", kind="slider", label="input row u", min=0, max=6, value=2),
            dict(name="pix_c", kind="slider", label="input col v", min=0, max=6, value=2),
            dict(name="step", kind="play", label="outputs added", min=0, max=9, value=0),
        ]
        geo = ["stride", "pad", "kernel_size"] + (["channel"] if channels > 1 else [])
        at = {"output": ["out_i", "out_j"], "pixel": ["pix_r", "pix_c"], "steps": ["step"],
              "full": ["pix_r", "pix_c"]}
        self.KEYS = {v: ["stride", "pad", "kernel_size", "channel"] + at[v] for v in at}
        # one view per geometry serves every pixel (only the readout and outlines change)
        self.SELECT = {"pixel": ("pix_r", "pix_c"), "full": ("pix_r", "pix_c")}
        for view in self.SELECT:
            self.KEYS[view] = ["stride", "pad", "kernel_size", "channel"]
        self.VISIBLE = {v: ["view"] + geo + at[v] for v in at}
        super().__init__(**values)

    def limits(self, values):
        k = values["kernel_size"]
        _, _, h_out, w_out = conv_output_shape((1, 1, 7, 7), (1, 1, k, k), values["stride"],
                                               values["pad"])
        return {"out_i": h_out - 1, "out_j": w_out - 1, "pix_r": 6, "pix_c": 6,
                "step": h_out * w_out, "channel": self.channels - 1}

    def geometries(self):
        for s, p, k in itertools.product((1, 2, 3), (0, 1, 2), (2, 3, 4)):
            yield {"stride": s, "pad": p, "kernel_size": k}

    def positions(self, base):
        lim = self.limits(base)
        at = {"output": [("out_i", lim["out_i"]), ("out_j", lim["out_j"])],
              "pixel": [("pix_r", 6), ("pix_c", 6)], "full": [("pix_r", 6), ("pix_c", 6)],
              "steps": [("step", lim["step"])]}[base["view"]]
        names = ["channel"] + [n for n, _ in at]
        ranges = [range(self.channels)] + [range(hi + 1) for _, hi in at]
        for combo in itertools.product(*ranges):
            yield dict(zip(names, combo))

    def compute(self, values):
        return gradient_flow_state(
            channels=self.channels, seed=self.seed, stride=values["stride"], pad=values["pad"],
            kernel_size=values["kernel_size"], out_pos=(values["out_i"], values["out_j"]),
            pixel=(values["pix_r"], values["pix_c"]), step=values["step"],
            channel=values["channel"])

    def scene(self, s, values):
        view = values["view"]
        c, pad, k = s.channel, s.pad, s.kernel_size
        ch = f"[{c}]" if s.x.shape[0] > 1 else ""
        h, w_in = s.x.shape[1:]
        xp_shape = s.x_pad.shape[1:]
        w_out = s.dout.shape[1]
        pixel_box = (s.pixel[0] + pad, s.pixel[1] + pad, 1, 1, GREEN)

        def to_output(r, col):
            return {"step": r * w_out + col + 1} if view == "steps" else \
                {"view": "output", "out_i": r, "out_j": col}

        def to_pixel(r, col):
            u, v = r - pad, col - pad
            if not (0 <= u < h and 0 <= v < w_in):
                return None   # the padding is no pixel
            return {"view": view if view in ("pixel", "full") else "pixel", "pix_r": u, "pix_c": v}

        out_pick = pick_table(s.dout.shape, to_output)
        px_pick = pick_table(xp_shape, to_pixel)
        if view == "output":
            i, j = s.out_pos
            r0, c0 = s.window[:2]
            win = (r0, c0, k, k, ORANGE)
            text = (f"Output ({i}, {j}) read the window rows {r0 - pad}..{r0 - pad + k - 1}, "
                    f"cols {c0 - pad}..{c0 - pad + k - 1} of x. Its delta δ[{i},{j}] = "
                    f"<b>{plain(s.dout[i, j])}</b> adds δ·w to that window of dX and δ·window to "
                    f"dW; dX and dW are the sums of these shares over all {s.dout.size} outputs.")
            rows_in = range(max(r0, pad), min(r0 + k, pad + h))
            cols_in = range(max(c0, pad), min(c0 + k, pad + w_in))
            if not rows_in or not cols_in:
                text += (" This window lies entirely in the padding: it read only zeros, so its "
                         "share of dW is 0, and its share of dX falls on the padding, which is "
                         "cropped away.")
            return dict(readout=text, tip=("Click a delta δ to follow that output, or a pixel of "
                                           "x or dX to see where its gradient comes from."),
                        panels=[
                grid("x", s.x_pad[c], f"input x{ch}", pad=pad, boxes=[win], marks=s.unread_pad,
                     pick=px_pick),
                grid("w", s.w[c], f"kernel w{ch}", signed=True),
                grid("delta", s.dout, "deltas δ", signed=True, boxes=[(i, j, 1, 1, ORANGE)],
                     pick=out_pick),
                grid("dx_share", s.contrib_dx_pad[c], f"δ[{i},{j}]·w → dX{ch}", signed=True,
                     pad=pad, blank=outside(xp_shape, win), boxes=[win], pick=px_pick),
                grid("dw_share", s.contrib_dw[c], f"δ[{i},{j}]·window → dW{ch}", signed=True)])
        if view == "pixel":
            used = sorted({t.kernel_pos for t in s.terms})
            return dict(readout=terms_text(s), tip=("Click a delta δ to follow that output, or "
                                                    "a pixel of x or dX to pick that pixel."),
                        panels=[
                grid("x", s.x_pad[c], f"input x{ch}", pad=pad, boxes=[pixel_box],
                     marks=s.unread_pad, pick=px_pick),
                grid("w", s.w[c], f"kernel w{ch}", signed=True,
                     boxes=[(m, q, 1, 1, GREEN) for m, q in used]),
                grid("delta", s.dout, "deltas δ", signed=True, pick=out_pick,
                     boxes=[(int(a), int(b), 1, 1, GREEN) for a, b in zip(*s.reached.nonzero())]),
                grid("dx", s.dx_pad[c], f"dX{ch} = ∂E/∂x", signed=True, pad=pad,
                     boxes=[pixel_box], marks=s.unread_pad, pick=px_pick)])
        if view == "steps":
            lim = max(float(abs(s.dx_pad[c]).max()), 1e-12)  # one colour scale for all steps
            n = s.meta["n_steps"]
            done = [(int(a), int(b), 1, 1, DARK) for a, b in zip(*s.done.nonzero())]
            tip = "Click a delta δ: the scatter-add runs up to that output."
            if s.current is None:
                return dict(readout=("dX starts at zero. Move the slider (or press play): each "
                                     "step adds one output's δ·w onto its window."), tip=tip,
                            panels=[
                    grid("delta", s.dout, "deltas δ (added: dark outline)", signed=True,
                         pick=out_pick),
                    grid("step_share", s.w[c] * 0, "nothing added yet", signed=True),
                    grid("dx_partial", s.partial_dx_pad[c], f"dX{ch} after 0 of {n}",
                         signed=True, vmax=lim, pad=pad)])
            i, j = s.current
            r0, c0 = s.stride * i, s.stride * j
            return dict(readout=(
                f"Step {s.step} of {n}: output ({i}, {j}) adds δ[{i},{j}]·w = "
                f"{num(s.dout[i, j])}·w onto its window (outlined in dX); where windows "
                f"overlap the contributions add up (scatter-add). After step {n} this is dX."),
                tip=tip, panels=[
                grid("delta", s.dout, "deltas δ (added: dark outline)", signed=True,
                     boxes=done + [(i, j, 1, 1, ORANGE)], pick=out_pick),
                # what this step adds, lifted out of dX: δ[i, j]·w, the size of the kernel
                grid("step_share", s.step_dx_pad[c][r0:r0 + k, c0:c0 + k],
                     f"step {s.step}: δ[{i},{j}]·w", signed=True),
                grid("dx_partial", s.partial_dx_pad[c], f"dX{ch} after {s.step} of {n}",
                     signed=True, vmax=lim, pad=pad, boxes=[(r0, c0, k, k, ORANGE)])])
        # the full-convolution view
        km1, extra = k - 1, s.meta["extra"]
        same = bool((s.dx_full == s.dx).all())
        note = (f" Its last {extra[0]} row(s) and column(s) are zero: no window reads them."
                if max(extra) else "")
        a, b = s.pixel[0] + pad - km1, s.pixel[1] + pad - km1   # the window, in δ dilated's indices
        text = [f"dX = full cross-correlation of the dilated deltas with rot180(w), i.e. a 'full "
                f"convolution' with w{', then cropped by P' if pad else ''}. The same as the "
                f"scatter-add: <b>{'yes' if same else 'NO'}</b>.{note} The window (rows "
                f"{a}..{a + km1}, cols {b}..{b + km1} of the dilated deltas) times "
                f"rot180(w) gives the sum below (rot180(w)[m,q] = w[{km1}-m,{km1}-q]).<br>",
                terms_text(s)]
        return dict(readout=text, tip="Click a pixel of dX to see the sum that makes it.", panels=[
            grid("dilated", s.dilated_padded, f"δ dilated (S={s.stride}), padded by K-1={km1}",
                 signed=True, origin=(-km1, -km1),
                 boxes=[(pixel_box[0], pixel_box[1], k, k, GREEN)],
                 frame=(km1, km1) + s.dilated.shape),
            grid("rot_w", s.rot_w[c], f"rot180(w{ch})", signed=True),
            grid("dx", s.dx_full_pad[c], f"dX{ch} by full correlation", signed=True, pad=pad,
                 boxes=[pixel_box], marks=s.unread_pad, pick=px_pick)])


def gradient_flow_explorer(channels=1, seed=0, **values):
    """Explore the backward pass of the 7x7, 3x3-kernel, stride-2 layer (returns a widget).

    Views: one output (its window, its delta's share of dX and dW); one input
    pixel (u, v) (the outputs that read it, dE/dx there as a sum of terms); the
    scatter-add step by step; dX as the full correlation of the dilated deltas
    with the rotated kernel. Stride 1-3, padding 0-2 and kernel size 2-4 can be
    changed; pixels that no output reads are crossed out. ``channels`` is 1 or 3.
    Clicks: a delta picks that output (in the step view: adds up to it), a pixel
    of x or dX picks that pixel. Drawn in the browser (SVG) from the numbers of
    every reachable setting, so it also works on a static page with no kernel.
    The returned widget is a ``GradientFlowExplorer``: ``.state`` is a
    ``GradientFlowState``, each control (``.stride``, ``.out_i``, ...) has a
    settable ``.value``; ``values`` set controls at the start
    (``gradient_flow_explorer(stride=1, view="pixel")``). Every value gets its
    slider's range (stride 1..3, pad 0..2, kernel 2..4, positions within the
    geometry), else a ValueError; ``seed`` is an int >= 0.
    """
    return GradientFlowExplorer(channels=channels, seed=seed, **values)
