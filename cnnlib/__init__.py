"""cnnlib: backpropagation through a convolutional network, in small numpy pieces.

One module per idea, each with a loop version that follows the equations and a
vectorized version with the same signature:

- ``correlate``: cross_correlate2d, convolve2d, rot180, dilate, pad2d (one channel)
- ``conv``: conv2d_forward(_naive) / conv2d_backward(_naive)
- ``im2row``: im2row and its adjoint row2im
- ``pool``: max and average pooling
- ``activations``, ``dense``, ``losses``: ReLU, affine/flatten, softmax CE and squared error
- ``routes``: the same gradients built only from the one-channel primitives
- ``jacobian``: explicit Jacobians of a conv layer, and a numerical one
- ``gradcheck``: numerical gradients, rel_error, check_close
- ``data``: the 7x7 stride-2 teaching example and the MNIST subset in data/
- ``layers``, ``model`` (and ``network``, the old path, with the seeds' networks),
  ``weights_file``, ``train``, ``evaluation``, ``progress``: layer objects, ``Sequential``
  and its weights file, SGD training
- ``parallel``: how many threads the vectorized conv layer uses, and its work buffers
- ``plotting``, ``explorers`` (old path ``widgets``): the figures and the explorers
  (import them by name: they need matplotlib, ipywidgets and anywidget)
- ``exercises``: the checkers of the notebooks' exercises and the catalogue of typical
  mistakes; ``benchmark``: timing helpers

Importing cnnlib changes no global state.
"""
from .activations import relu_backward, relu_forward
from .conv import (conv2d_backward, conv2d_backward_naive, conv2d_coverage, conv2d_forward,
                   conv2d_forward_naive, conv_output_shape)
from .correlate import convolve2d, cross_correlate2d, dilate, pad2d, rot180
from .data import teaching_example
from .dense import affine_backward, affine_forward, flatten_backward, flatten_forward
from .gradcheck import check_close, numerical_gradient, numerical_vjp, rel_error
from .im2row import im2row, row2im
from .losses import (softmax, softmax_cross_entropy_backward, softmax_cross_entropy_forward,
                     squared_error_backward, squared_error_forward)
from .pool import (avgpool2d_backward, avgpool2d_backward_naive, avgpool2d_forward,
                   avgpool2d_forward_naive, maxpool2d_backward, maxpool2d_backward_naive,
                   maxpool2d_forward, maxpool2d_forward_naive)

__version__ = "0.1.0"
