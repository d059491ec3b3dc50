"""The explorers, drawn in the browser: move a slider or click a cell, watch a backward pass.

- ``gradient_flow_explorer``   the 7x7 input, 3x3 kernel, stride-2 layer of the course:
  one output's window and its delta's share of dX and dW; one input pixel (u, v)
  and the sum of terms that makes dE/dx there; dX accumulated output by output
  (the scatter-add); the same dX as a full correlation of the dilated deltas with
  the rotated kernel. Stride, padding and kernel size can change.
- ``conv_arithmetic_explorer`` input size, kernel, stride, padding -> output size,
  the windows, and which pixels are never read (gaps, leftovers) and why.
- ``pooling_explorer``         max or average pooling, any size and stride: where
  each delta goes.
- ``im2row_explorer``          one output position is one row of the im2row matrix;
  backward, ``row2im`` scatters that row back onto its window.
- ``network_explorer``         seed 004's trained two-conv net on a real digit: every
  layer's maps and deltas, step by step, a click on any unit shows what made it, the
  sum that gives its delta and where its delta goes (``network*.py``, ``js/network.js``;
  the numbers are stored arrays, not a table of views: see ``network``).

The first four are anywidgets of ``_base.Explorer``: Python (cnnlib) computes the state and
the view of every reachable control setting, the browser (``js/``, plain ES
modules and SVG, no build step) draws them. How: ``_base``.

Each of the five also has a practise mode (a button at its top): questions on its stored
settings, answered by clicks on cells or a typed number, with the mistake named, all with
no kernel; the questions, right answers and mistakes' answers are cnnlib's
(``practice``, ``js/practice.js``).
"""
from ._base import Control, Explorer  # noqa: F401
from .gradient_flow import GradientFlowExplorer, gradient_flow_explorer  # noqa: F401
from .gradient_flow_state import (GradientFlowState, Term, gradient_flow_layer,  # noqa: F401
                                  gradient_flow_state)
from .conv_arithmetic import (ConvArithmeticExplorer, ConvArithmeticState,  # noqa: F401
                              conv_arithmetic_explorer, conv_arithmetic_state)
from .pooling import (PoolingExplorer, PoolingState, first_window, pooling_explorer,  # noqa: F401
                      pooling_layer, pooling_state)
from .im2row import Im2rowExplorer, Im2rowState, im2row_explorer, im2row_state  # noqa: F401
from .network import NetworkExplorer, network_explorer  # noqa: F401
