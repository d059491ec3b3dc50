"""Drawing functions for the course: pure, ``f(..., ax=None) -> ax``, no global state.

The basic picture of this course is a small grid of numbers: an image, a kernel,
a map of deltas. ``plot_grid`` draws one, with the value written in each cell,
a diverging colour map centred on zero for signed quantities (deltas,
gradients), outlined windows and marked cells. The other functions compose it.

One module per concept: ``_style`` (colours, number format), ``grids``
(plot_grid and outlines), ``stamps`` (fast cell numbers), ``panels`` (the
explorers' fixed-cell panels, padded grids), ``convolution``, ``pooling``,
``matrices`` (Jacobian, im2row), ``timings``, ``training`` (digits, maps, curves).
"""
import sys

from ._style import (HIGHLIGHT, SECOND, SIGNED_CMAP, UNSIGNED_CMAP, _format)  # noqa: F401
from .stamps import (TextStamps)  # noqa: F401
from .grids import (INDEX_LABEL, MARK_LABEL, _axes, _index_labels, outline_window, plot_grid,
    plot_grids)  # noqa: F401
from .panels import (FRAME, _empty_axes, grid_figure, grid_panel, grid_panel_layout, outline_cells,
    plot_padded_grid)  # noqa: F401
from .convolution import (_corner_labels, _times, plot_conv_windows, plot_correlation_step,
    plot_flip, plot_full_correlation, plot_kernel_entry_inputs, plot_pixel_reach)  # noqa: F401
from .pooling import (WINDOW_COLORS, plot_pool_routing)  # noqa: F401
from .matrices import (plot_im2row, plot_jacobian)  # noqa: F401
from .timings import (TIMING_COLORS, plot_timings)  # noqa: F401
from .training import (_hide_ticks, _map_image, plot_confusion_matrix, plot_digits,
    plot_feature_maps, plot_filters, plot_history, plot_maps)  # noqa: F401

__all__ = sorted(n for n, v in globals().items()
                 if not n.startswith('_') and not isinstance(v, type(sys)))
