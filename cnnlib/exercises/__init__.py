"""The "check yourself" and "Your turn" checkers of the notebooks, one module per notebook.

- ``result``: ``CheckResult``, what every checker returns (it displays itself: rich HTML in a
  notebook, wrapped text in a terminal), ``strict=True`` (raise ``WrongAnswer`` unless correct)
  and the ``checker`` decorator; ``display``: how a message looks; ``hints``: ``check_x.hint(k)``;
- ``compare``: ``Mistake`` and ``compare_answer``, which every value checker uses, so the
  messages read the same everywhere; ``learner_call``: running a learner's function (its
  exception and line, a time limit);
- ``function_exercise``: ``FunctionExercise``, the checker of an exercise where the learner
  writes a whole function: it runs it on hidden geometries and names the typical mistake;
- ``nb00_network_shapes`` ... ``nb08_backward_pass``: the checkers of each notebook;
- ``catalogue``: every typical mistake the checkers name, by notebook and exercise.

A checker never changes its inputs and uses no randomness it does not seed itself.
"""
from .compare import Mistake, compare_answer, not_answered, unanswered
from .result import CheckResult, WrongAnswer, checker
from .function_exercise import RAISES, Case, FunctionExercise, FunctionMistake, Output, Raises, Variants
from .nb00_network_shapes import check_seed_network_shapes
from .nb01_flip import check_convolution_via_correlation
from .nb02_conv_forward import (check_conv_forward_loops, check_conv_output_cell, check_conv_output_shape,
                                conv_cell_exercise_data, conv_shape_exercise_data)
from .nb03_kernel_and_bias_gradient import kernel_and_bias_gradient_example
from .nb03_kernel_gradient import (bias_gradient_exercise_data, check_bias_gradient, check_kernel_and_bias_gradient,
                                   check_kernel_gradient, kernel_gradient_exercise_data)
from .nb04_input_gradient import (check_input_gradient, check_input_gradient_by_correlation, check_pixel_gradient,
                                  input_gradient_exercise_data)
from .nb04_input_gradient_functions import input_gradient_example
from .nb04_pixel_gradient import pixel_gradient_example
from .nb05_relu_pooling import (check_avgpool_backward, check_conv_relu_pool_dw, check_maxpool_backward,
                                check_relu_backward, conv_relu_pool_exercise_data)
from .nb06_im2row import (adjoint_test, check_conv_backward_matrices, check_im2row, check_row2im,
                          conv_backward_matrices_exercise_data, row2im_overwrite)
from .nb07_backward import check_one_conv_gradients
from .nb07_training import check_training_step
from .nb08_backward_pass import check_pool1_delta, check_relu2_delta_count

__all__ = ["Mistake", "WrongAnswer", "CheckResult", "checker", "compare_answer", "not_answered", "unanswered", "RAISES", "Raises", "Case", "FunctionExercise",
           "FunctionMistake", "Output", "Variants", "check_seed_network_shapes",
           "check_convolution_via_correlation", "check_conv_output_cell", "check_conv_output_shape",
           "check_conv_forward_loops", "conv_cell_exercise_data", "conv_shape_exercise_data",
           "check_bias_gradient", "check_kernel_gradient", "check_input_gradient",
           "kernel_gradient_exercise_data", "bias_gradient_exercise_data", "check_kernel_and_bias_gradient",
           "kernel_and_bias_gradient_example", "input_gradient_exercise_data", "check_pixel_gradient",
           "pixel_gradient_example", "check_input_gradient_by_correlation", "input_gradient_example",
           "check_conv_relu_pool_dw", "conv_relu_pool_exercise_data", "check_relu_backward",
           "check_maxpool_backward", "check_avgpool_backward", "check_conv_backward_matrices",
           "conv_backward_matrices_exercise_data", "check_im2row", "check_row2im", "adjoint_test",
           "row2im_overwrite", "check_one_conv_gradients", "check_training_step",
           "check_relu2_delta_count", "check_pool1_delta"]
