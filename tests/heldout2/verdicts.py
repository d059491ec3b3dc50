"""The author's verdict on each message (REPORT.md), given after reading it, knowing the bug.

NAMED: the catalogue mistake named is the bug (or the registered variant of it).
SPECIFIC: not named, but a diagnosis line says something specific and true that leads to the bug
  (the geometries that split right from wrong, a factor, the dtype, an in-place change, a value
  pattern).
GENERIC: only "no typical mistake explains it" / the exception and its line / the first wrong
  entry, with no diagnosis of its own (a list of the geometries where it ran does not count unless
  the message states the property that splits them).
MISLEADING: says something false, or points away from the bug.
ACCEPTED: judged correct.
"""

VERDICTS = {
    # ------------------------------------------------------------------ 02 conv_forward_loops
    "nb02.int_output": ("SPECIFIC", "re-runs on non-whole numbers and says the output is the right one "
                        "cut towards 0 by an integer array: exactly the bug (one wording slip: 'to whole "
                        "numbers (towards 0) to whole numbers')."),
    "nb02.float32_output": ("SPECIFIC", "numbers right, returned as float32: exactly the bug."),
    "nb02.pad_by_hand_minus_zero": ("SPECIFIC", "runs with P > 0, fails with P = 0, checked by changing "
                                    "only P; the line shown is the culprit."),
    "nb02.loop_bounds_one_short": ("SPECIFIC", "the wrong entries are only at i = 2 and j = 2 (the last "
                                   "row and column of a 3x3 output): leads to the loop bounds."),
    "nb02.vectorized_wrong_axis": ("GENERIC", "the numpy broadcast error and its line, and 'wrong on "
                                   "geometry 3, right on 0'; it does not say that it crashes exactly where "
                                   "C != F, which would point at the axis summed."),
    "nb02.window_multiplied_in_place": ("SPECIFIC", "says x was changed in place: the bug (the message "
                                        "stops there, so the wrong values with padding are not reported, "
                                        "but fixing the in-place product fixes both)."),
    "nb02.h_out_from_w": ("SPECIFIC", "H_out is 1 too small on every wrong geometry: look at how the sizes "
                          "are computed; true and leads to the H_out line (it does not add 'non-square "
                          "inputs only')."),
    "nb02.pad_one_side": ("NAMED", "window_cut_from_x, a fair name registered beforehand: 'one runs past its "
                          "end; x_pad has P zeros on both sides' is the fix. Its first words, 'your windows "
                          "were cut from x', are not literally true of this code (they were cut from a "
                          "one-side x_pad)."),
    "nb02.no_bias_and_no_pad": ("GENERIC", "two catalogued slips at once and neither is named: the crash "
                                "is 'no typical mistake predicts this exception' (window_cut_from_x would), "
                                "and the wrong values where it ran (off by exactly b) get no diagnosis."),
    "nb02.stride_inside_window": ("GENERIC", "exception, line, first wrong entry; nothing on the stride "
                                  "(stride_ignored, a fair partial name, is not given either)."),
    # ------------------------------------------------------------------ 03 kernel_and_bias_gradient
    "nb03.db_inside_channel_loop": ("SPECIFIC", "db is a constant multiple whose factor changes with the "
                                    "geometry (18, 27, ...): the learner can see 18 = C·KH·KW; dw right."),
    "nb03.db_int_dtype": ("SPECIFIC", "whole numbers hide it: integer arithmetic or an integer array; "
                          "exactly the bug."),
    "nb03.w_out_from_h": ("SPECIFIC", "right on square outputs, wrong on non-square ones: H_out and W_out "
                          "mixed up. (A second db diagnosis, 'wrong only at f = 1', is true but noise.)"),
    "nb03.dw_mean_over_positions": ("SPECIFIC", "dw is exactly 1/(H_out·W_out) times the right one: "
                                    "divided by the number of output positions. As good as a name."),
    "nb03.square_kernel_loops": ("SPECIFIC", "runs on square kernels, fails on the non-square one: KH and "
                                 "KW, m and q mixed up."),
    "nb03.window_scaled_in_place": ("GENERIC", "'no typical mistake ... no simple pattern'. The in-place "
                                    "product changes x_pad (np.pad's copy), not x, so the in-place check "
                                    "cannot see it."),
    "nb03.start_range_without_plus_one": ("SPECIFIC", "right where the stride leaves rows unread, wrong "
                                          "where it tiles, checked by changing only that: points at the "
                                          "output size / last window, the bug."),
    "nb03.db_mean_and_flipped": ("NAMED", "both slips named, dw: deltas_flipped and db: db_mean."),
    "nb03.windows_of_image_zero": ("SPECIFIC", "right with one image, wrong with several: look at the "
                                   "batch axis n."),
    # ------------------------------------------------------------------ 04 pixel_gradient
    "nb04.scalar_start": ("GENERIC", "'wrong shape: expected (1, 2), given ()' then 'no simple pattern: "
                          "follow the equation', which is out of place for a shape; it does not say that "
                          "the 3 wrong geometries are exactly the pixels read by no window (their labels "
                          "say so, the diagnosis does not)."),
    "nb04.column_bound_h_out": ("SPECIFIC", "g is all zeros where wrong: nothing was added (a loop that "
                                "runs zero times...): true, and leads to the bound that skips every j. It "
                                "does not say 'non-square outputs only'."),
    "nb04.column_from_u": ("GENERIC", "no typical mistake, no pattern, first wrong entry."),
    "nb04.pad_added_after_division": ("ACCEPTED", "no hidden pixel has P >= 2 and S >= 2, the only "
                                      "geometries where (u - m) // S + P differs from (u + P - m) // S."),
    "nb04.outer_reversed": ("GENERIC", "the broadcast error and its line; where it ran (N == C == 2) g is "
                            "the transpose of the right one and the message does not say so."),
    "nb04.square_kernel_loop": ("SPECIFIC", "runs on square kernels, fails on non-square kernels / outputs "
                                "(the hidden geometries confound the two; it says so)."),
    "nb04.float32_g": ("SPECIFIC", "numbers right, returned as float32."),
    "nb04.over_outputs_square_bound": ("SPECIFIC", "as square_kernel_loop: square vs non-square kernel."),
    # ------------------------------------------------------------------ 04 input_gradient_by_correlation
    "nb04.pad_then_dilate": ("SPECIFIC", "right at S = 1, wrong at S > 1, checked by changing only S: "
                             "points at the dilation."),
    "nb04.pad_kh_both_axes": ("SPECIFIC", "runs on square kernels, fails on the non-square one: KH and KW "
                              "mixed up."),
    "nb04.bank_flipped_on_wrong_axes": ("GENERIC", "no typical mistake, no pattern; on the C = F = 1 "
                                        "geometry this answer is exactly forgot_flip, and it is not named; "
                                        "nor is 'right/wrong with C, F > 1' said."),
    "nb04.float32_dx": ("SPECIFIC", "numbers right, returned as float32."),
    "nb04.deltas_of_image_zero": ("SPECIFIC", "dx is the same for every n; right with one image: the "
                                  "batch index."),
    "nb04.added_to_every_channel": ("SPECIFIC", "dx is the same for every c, where each c has its own "
                                    "value: exactly the missing channel index."),
    "nb04.dx_pad_sized_by_full": ("NAMED", "unread_missing: put the full result into a zero dx_pad of "
                                  "H + 2P rows, then crop."),
    # ------------------------------------------------------------------ 05 ReLU
    "nb05.clip_as_slope": ("SPECIFIC", "right on whole numbers, wrong on non-whole ones: 'a slope that is 1 "
                           "for every positive whole number'. Exactly the clip."),
    "nb05.sign_as_slope": ("SPECIFIC", "the wrong entries are exactly where z < 0, and there dz is -dout."),
    "nb05.loops_for_2d": ("GENERIC", "the exception and its line; 'where it ran (geometries 0 and 2) "
                          "right'. The failing geometry is the only 4-D one, but the message does not say "
                          "that the number of axes splits them."),
    "nb05.mask_in_place_in_z": ("SPECIFIC", "says z was changed in place: the bug."),
    # ------------------------------------------------------------------ 05 max pooling
    "nb05.running_max_starts_at_zero": ("SPECIFIC", "right without negative inputs, wrong with them: look at "
                                        "negative values. (Its guesses 'largest magnitude, a dropped sign' "
                                        "are not this bug, but 'look at negative values' leads to best = 0.)"),
    "nb05.unravel_with_image_shape": ("SPECIFIC", "the exception's line, and 'the mistake depends on the "
                                      "values (where a maximum lies, ...)', not on the sizes: weak but true, "
                                      "and it points at turning the argmax into (m, q)."),
    "nb05.argmax_over_all_channels": ("SPECIFIC", "right with C = 1, wrong with C > 1, checked: the channel "
                                      "axis."),
    "nb05.dx_is_x": ("SPECIFIC", "says x was changed in place."),
    "nb05.windows_h_over_stride": ("SPECIFIC", "runs with S > 1, fails with S = 1, checked: a size computed "
                                   "from the stride: the window count H // S."),
    # ------------------------------------------------------------------ 05 average pooling
    "nb05.floor_division": ("SPECIFIC", "dx is the right one rounded down: //, int() or an integer array."),
    "nb05.divided_by_size_times_stride": ("SPECIFIC", "a constant factor that changes with the geometry "
                                          "(3/2, 3), right where S = k: leads to k·S."),
    "nb05.window_extent_is_stride": ("SPECIFIC", "right where S = k, wrong where S != k; wrong entries on "
                                     "the rows and columns where windows overlap."),
    "nb05.shape_from_dout": ("MISLEADING", "it quotes repeat_upsample's text, 'your np.repeat (or np.kron) "
                             "lays the windows side by side': this code has no np.repeat and already loops "
                             "and adds (the fix the text gives); the bug, dx allocated from dout's shape "
                             "instead of x_shape, is not mentioned. The shape claim is true; the mechanism "
                             "and the fix are not. (.mistakes is empty although the text is a catalogue "
                             "hint.)"),
    # ------------------------------------------------------------------ 06 im2row
    "nb06.row_index_with_h_out": ("GENERIC", "exception and line, a decoded wrong entry (row 5 is n=0, i=0, "
                                  "j=5); no 'non-square output' diagnosis, though the crash line shows "
                                  "the H_out."),
    "nb06.int_rows": ("SPECIFIC", "cut towards 0: an integer array (same wording slip as nb02.int_output)."),
    "nb06.counter_reset_per_image": ("SPECIFIC", "right with one image, wrong with several: the batch "
                                     "axis."),
    "nb06.window_start_as_row_index": ("SPECIFIC", "runs with S = 1, fails with S > 1, checked: the stride "
                                       "in an index."),
    "nb06.window_transposed": ("SPECIFIC", "every row holds the right numbers in another order: the order "
                               "of the columns. (Neither fair catalogue name is given.)"),
    "nb06.sliding_window_channel_order": ("SPECIFIC", "all the right numbers, each once, in other places: "
                                          "an index order. Weak but true; every hidden geometry has C > 1, so "
                                          "no split on C is possible."),
    # ------------------------------------------------------------------ 06 row2im
    "nb06.reshape_c_kw_kh": ("SPECIFIC", "runs on square kernels, fails on non-square ones: KH and KW."),
    "nb06.average_of_copies": ("SPECIFIC", "right where windows do not overlap, wrong where they do; the "
                               "decoded entry (given -0.5, expected -1, the sum over 2 windows) shows the "
                               "halving. Its parenthesis '(+=, not =)' is not this code's bug."),
    "nb06.float32_dx_pad": ("SPECIFIC", "numbers right, returned as float32."),
    "nb06.shift_instead_of_pad": ("NAMED", "padding_forgotten: add into x_pad, then crop: the fix."),
    "nb06.square_output_from_rows": ("GENERIC", "exception and line, values wrong on geometry 2 with a "
                                     "decoded entry of window i = 2; no 'non-square output' diagnosis."),
    # ------------------------------------------------------------------ 07 one_conv_gradients
    "nb07.one_over_n_twice": ("SPECIFIC", "all four gradients exactly 1/N times the right ones, the N = 1 "
                              "batch right: 'the 1/N of the mean loss is applied twice: "
                              "softmax_cross_entropy_backward(1.0, cache) already divides by N'. As good as "
                              "a name (no catalogue key)."),
    "nb07.fc_bias_mean": ("SPECIFIC", "the per-parameter table shows fc1.b alone wrong (everything else "
                          "right), so the learner looks at fc1's bias gradient; the diagnosis itself is "
                          "'no typical mistake', and the exact factor 1/N it found for nb07.one_over_n_twice "
                          "is not reported for one gradient (given 0.0347, expected 0.0695 shows it)."),
    "nb07.float32_everywhere": ("SPECIFIC", "every difference is float32 rounding; keep params and x in "
                                "float64. ('the step is computed in float32': this exercise has no step, "
                                "a wording carried over from training_step.)"),
    "nb07.flatten_not_undone": ("NAMED", "unflatten_skipped (catalogued for this checker; the answer was "
                                "written before that catalogue reached main)."),
    "nb07.conv_unpacked_dx_db_dw": ("NAMED", "unpack_order."),
    "nb07.grads_alias_params": ("SPECIFIC", "says params was changed in place: the alias."),
    "nb07.pool_stride_one": ("GENERIC", "cnnlib's own error (x has D=5000 features, w expects 1352) and "
                             "the line: clear, but the checker adds nothing (the same mistake is "
                             "catalogued as pool_stride_one for notebook 00's shapes checker)."),
    # ------------------------------------------------------------------ 08 pool1_delta
    "nb08.np_flip_all_axes": ("GENERIC", "no typical mistake, no pattern; no hidden geometry has "
                              "F = C = 1, so no split can point at the filter/channel axes."),
    "nb08.sum_over_filters_first": ("GENERIC", "no typical mistake, no pattern; no hidden geometry has "
                                    "one filter, where this answer would be right."),
    "nb08.pad_kh_on_both_axes": ("GENERIC", "exception and line, 'where it ran (0 and 3) right'; unlike "
                                 "the same slip in check_input_gradient_by_correlation, no 'square vs "
                                 "non-square kernel' diagnosis."),
    "nb08.output_one_too_large": ("SPECIFIC", "H and W 1 too large on every geometry: look at how the "
                                  "sizes are computed."),
    "nb08.valid_mode": ("NAMED", "valid_not_full."),
}

# What this set shows about the checkers, for their authors (REPORT.md, after the totals).
FINDINGS = """\
1. **Accepted, a hole in the data** (`nb04.pad_added_after_division`): `check_pixel_gradient` has no
   hidden pixel with both P >= 2 and S >= 2. With P = 1 (or S = 1), `(u - m) // S + P` equals
   `(u + P - m) // S` whenever the divisibility test passes, so an answer that adds the padding
   after the division is judged correct. On this set's own probe `C=2 F=3 7x8, 3x3, S=2, P=2`
   (confirm.py) the answer is wrong at all 56 pixels. One hidden geometry with S = 2, P = 2 would
   catch it.
2. **Misleading, a catalogue text without its key** (`nb05.shape_from_dout`): for a dx allocated from
   dout's shape, `(N, C, H_out·k, W_out·k)`, `check_avgpool_backward` prints repeat_upsample's hint
   ("your np.repeat (or np.kron) lays the windows side by side ... loop over the windows and add")
   to code that has no np.repeat and already loops and adds; x_shape is never mentioned. And
   `result.mistakes` is empty although the text is a catalogue hint, so a test that checks the
   names (as this set's test does) cannot see it.
3. **Diagnoses other checkers give, missing here:**
   - a transposed result: `nb04.outer_reversed` returns g transposed where N == C (geometries 6,
     7, 13, 14), and nothing says "transpose" (the guide lists it among what a checker says);
   - the geometry split of a crash: `nb02.vectorized_wrong_axis` raises exactly where C != F and is
     wrong where C == F; `nb05.loops_for_2d` fails only on the one 4-D array; nothing says so
     (other crashes get "it runs on ... and fails on ...");
   - `check_pool1_delta` gives no square / non-square kernel split for `nb08.pad_kh_on_both_axes`,
     where `check_input_gradient_by_correlation` does for the same slip (`nb04.pad_kh_both_axes`);
   - `nb04.scalar_start` is wrong exactly on the 3 pixels read by no window; the message says
     "no simple pattern: follow the equation" for a shape `()`.
4. **Geometries that cannot split a mistake:** `check_pool1_delta`'s 4 geometries have no F = 1 and
   no F = C = 1 case (`nb08.sum_over_filters_first` is right with one filter,
   `nb08.np_flip_all_axes` with F = C = 1); `check_im2row`'s all have C > 1.
5. **Two catalogued slips at once, one crashing** (`nb02.no_bias_and_no_pad`): neither
   window_cut_from_x (the crash) nor forgot_bias (the wrong values, off by exactly b) is named.
6. **In place on a private copy** (`nb03.window_scaled_in_place`): `window *= δ` changes np.pad's
   copy, not x, so the in-place check cannot see it, and the message is generic (no typical
   mistake, no pattern) on an answer wrong on all 6 geometries.
7. **Wording:** "out is the right one cut to whole numbers (towards 0) to whole numbers"
   (`nb02.int_output`, `nb06.int_rows`): "to whole numbers" twice. `check_one_conv_gradients` on
   float32 says "the step is computed in float32": that exercise has no step (training_step's
   wording).
8. **Good:** no result's `.mistakes` named a catalogue mistake that is not a fair name for its
   answer (2. is text without a key); every
   answer was rejected but one; dtype (float32, int), in-place changes of the inputs, constant
   and geometry-dependent factors, and one-property geometry splits (S, P, C, N, square kernel,
   tiling stride, negative values) are reported precisely and checked by changing one property.
"""
