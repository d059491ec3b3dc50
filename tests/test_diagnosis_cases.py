"""The 24 wrong answers of tests/diagnosis_cases.py (outside the catalogue, issue 19's "What was seen"
and more like them) each get a correct and specific message: the mistake named where the catalogue
has it (a variant, or two at once), or else a diagnosis that points at the bug; never the generic
"no simple pattern" line, and never a catalogued mistake that is not the bug.

The three that were misleading before (issue 19) are asserted word for word where it matters:
a max-pool backward without the stride (and an assert stride == size) is no longer told about
divmod; a float32 step is told about float32; a weight decay is told about the decay.
"""
import pytest

from diagnosis_cases import CASES

EXPECTED = {  # key: (mistakes named, phrases the message holds)
    "forward_flipped_and_no_bias": ({"forgot_bias", "flipped_kernel"}, ["Two typical mistakes at once"]),
    "forward_edge_padding": (set(), ["right on the 2 geometries with P = 0", "the padding"]),
    "forward_w_out_from_h": (set(), ["fails on the geometry with a non-square output",
                                     "the output's rows and columns"]),
    "forward_bias_subtracted": (set(), ["out is the right one minus 2·b[f] at every entry",
                                        "b is subtracted instead of added"]),
    "db_inside_channel_loop": (set(), ["db is exactly C times the right one", "inside the loop over c"]),
    "db_np_full": ({"db_summed_over_filters"}, ["the filters were summed together"]),
    "dw_window_kh_for_kw": (set(), ["fails on the 2 geometries with a non-square kernel",
                                    "KH and KW, m and q, are mixed up"]),
    "dw_channels_summed": (set(), ["dw is the same for every c", "summed (or copied) over c"]),
    "dx_np_flip_all_axes": (set(), ["right on the geometry with C = F = 1",
                                    "a flip or a sum over all four axes of w"]),
    "dx_spread_padded_by_k": (set(), ["dx is the right one moved 1 row down and 1 column right"]),
    "pixel_first_filter_only": ({"first_filter_only"}, ["only filter f = 0 counts"]),   # catalogued since
    "dx_check_yourself_transposed": (set(), ["the axes u and v swapped"]),
    "maxpool_forward_without_stride": ({"stride_left_out"}, ["dout: expected shape (2, 2, 2, 2)",   # catalogued
                                                             "maxpool2d_forward(x, size) without its stride"]),
    "maxpool_assert_stride_is_size": (set(), ["comes from an `assert` in your own code",
                                              "the stride and the window size"]),
    "avgpool_divided_by_stride_squared": (set(), ["dx is exactly k·k/(S·S) times the right one",
                                                  "divided by S·S where the window has k·k entries"]),
    "relu_times_sign": (set(), ["the wrong entries of dz are exactly those where z < 0; there your dz is -dout"]),
    "maxpool_argmax_of_abs": (set(), ["wrong on the geometry with negative inputs", "the largest magnitude"]),
    "avgpool_window_stride_swapped": (set(), ["the stride and the window size"]),
    "im2row_ravel_order_f": (set(), ["every row of rows holds the right numbers, in another order",
                                     "the order of the columns inside a row"]),
    "row2im_row_index_h_out": (set(), ["the output's rows and columns", "it sums rows[r, k] over the 4 windows"]),
    "matrices_dy_rows_j_before_i": ({"pair_rows_i_j_swapped"}, ["the rows of R (your im2row / row2im) and of ΔY "
                                                                "are in different orders",
                                                                "is column 0 of R (c=0, m=0, q=0) dotted with "
                                                                "column 0 of ΔY"]),
    "training_float32": (set(), ["every difference is float32 rounding", "computed in float32",
                                 "The equations are right"]),
    "training_weight_decay": (set(), ["every gradient is the right one plus 0.0001·θ",
                                      "a weight-decay term was added to the gradients after it"]),
    "training_dscores_over_n_twice": (set(), ["all six gradients are exactly 1/N times the right ones",
                                              "the batch with N = 1 is right", "applied twice"]),
    "training_biases_not_updated": (set(), ["new_params for conv1.b, conv2.b, fc1.b are the old parameters "
                                            "unchanged"]),
}


def test_every_case_has_an_expectation():
    assert sorted(EXPECTED) == sorted(CASES) and len(CASES) == 25


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_case_gets_a_correct_specific_message(key):
    run, bug = CASES[key]
    result = run()
    mistakes, phrases = EXPECTED[key]
    text = " ".join(result.message.split())
    assert result.status == "wrong", f"{key} ({bug}) passed"
    assert set(result.mistakes) == mistakes, f"{key}: named {result.mistakes}\n{result.text}"
    for phrase in phrases:
        assert phrase in text, f"{key}: '{phrase}' not in\n{result.text}"
    assert "show no simple pattern" not in text, f"{key}: the generic line\n{result.text}"
    if key.startswith("maxpool_"):
        assert "divmod" not in text, f"{key}: the unravel_with_stride hint again\n{result.text}"
