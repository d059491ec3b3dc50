"""Notebook 00's "check yourself": the 8 layer shapes of seed 004's network, written the way a
learner works them out stage by stage, right and with each typical mistake (which then carries
on into the later stages, as it would on paper)."""
from cnnlib.exercises.nb00_network_shapes import check_seed_network_shapes

from . import Entry


def shapes(conv=lambda h, k: h - k + 1, depth=lambda f, c: f, pool=lambda h: h // 2, batch=True,
           channels_last=False, scores=lambda c, h: 10):
    """input -> conv1 (3 filters 3x3) -> relu1 -> pool1 -> conv2 (10 filters 4x4) -> relu2 -> pool2 -> scores."""
    c, h = 1, 28
    stages = [(c, h)]
    for filters, k in [(3, 3), (10, 4)]:
        c, h = depth(filters, c), conv(h, k)
        stages += [(c, h), (c, h)]            # conv, relu
        h = pool(h)
        stages.append((c, h))                 # pool
    out = [((h_, h_, c_) if channels_last else (c_, h_, h_)) for c_, h_ in stages]
    out.append((scores(c, h),))
    return [((1,) + s) if batch else s for s in out]


RIGHT = shapes()

MUTANTS = {
    "conv_does_not_shrink": shapes(conv=lambda h, k: h),
    "conv_shrinks_by_k": shapes(conv=lambda h, k: h - k),
    "depth_is_input_channels": shapes(depth=lambda f, c: max(c, 3) if f == 10 else f),  # conv2 keeps conv1's 3
    "depth_filters_times_channels": shapes(depth=lambda f, c: f * c),
    "pool_stride_one": shapes(pool=lambda h: h - 2 + 1),
    "batch_axis_missing": shapes(batch=False),
    "channels_last": shapes(channels_last=True),
    "scores_are_the_flattened_maps": shapes(scores=lambda c, h: c * h * h),
}

OTHER_WAYS = {
    "depth_is_input_channels": shapes(depth=lambda f, c: c),          # the depth never changes: 1 everywhere
}

ENTRIES = [
    Entry("check_seed_network_shapes", check_seed_network_shapes, RIGHT, MUTANTS),
    Entry("check_seed_network_shapes", check_seed_network_shapes, RIGHT, OTHER_WAYS),
]
