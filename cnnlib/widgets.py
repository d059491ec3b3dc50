"""The four explorers (the old module name): they now live in ``cnnlib.explorers``.

``from cnnlib.widgets import gradient_flow_explorer`` keeps working: every name
below is the one of ``cnnlib.explorers`` (anywidget explorers drawn in the
browser; see that package's docstring).
"""
from .explorers import (ConvArithmeticExplorer, ConvArithmeticState, Explorer,  # noqa: F401
                        GradientFlowExplorer, GradientFlowState, Im2rowExplorer, Im2rowState,
                        PoolingExplorer, PoolingState, Term, conv_arithmetic_explorer,
                        conv_arithmetic_state, gradient_flow_explorer, gradient_flow_layer,
                        gradient_flow_state, im2row_explorer, im2row_state, pooling_explorer,
                        pooling_layer, pooling_state)
from .explorers import NetworkExplorer, network_explorer  # noqa: F401

__all__ = ["gradient_flow_explorer", "conv_arithmetic_explorer", "pooling_explorer",
           "im2row_explorer", "network_explorer", "NetworkExplorer", "GradientFlowExplorer", "ConvArithmeticExplorer",
           "PoolingExplorer", "Im2rowExplorer", "gradient_flow_state", "conv_arithmetic_state",
           "pooling_state", "im2row_state", "gradient_flow_layer", "pooling_layer"]
