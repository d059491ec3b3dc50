"""The words of ``network_explorer``: what each step of the backward pass shows, with its numbers.

``REVEAL[k]``: the stage whose delta step ``k`` adds (step 0 is the forward pass, step 9
reaches ``∂E/∂x``); ``GRADS[k]``: the weight gradients that step completes.
``step_texts(state, label)`` -> one HTML sentence per step, its numbers from the state
(``sig3``); ``layer_notes(state, label)`` -> ``[(stage, text)]``, what a learner sees at
each layer for one digit (notebook 08's closing note prints them).
"""
import html

import numpy as np

from .network_state import dead_filters
from .network_units import prob3, sig3

REVEAL = (None, "fc1", "flatten1", "maxpool2", "relu2", "conv2", "maxpool1", "relu1", "conv1",
          "input")
GRADS = {2: ("fc1.w", "fc1.b"), 5: ("conv2.w", "conv2.b"), 8: ("conv1.w", "conv1.b")}
TITLES = ("forward pass", "∂E/∂scores = p − y", "fc1 backward: δ = W·δ_scores",
          "un-flatten: 250 → 10@5x5", "maxpool2 backward: routing to the winners",
          "relu2 backward: the mask", "conv2 backward: its input gradient",
          "maxpool1 backward: routing", "relu1 backward: the mask", "conv1 backward: ∂E/∂x")


def _count(a):
    return int(np.count_nonzero(a))


def _norm(a):
    return sig3(np.linalg.norm(np.asarray(a, dtype=np.float64)))


def layer_notes(s, label):
    """``[(stage, text)]`` for every stage, forward then backward, for state ``s``."""
    a, d, p, t = s.act, s.delta, s.probs, s.target
    k = s.predicted
    rival = int(np.argmax(np.where(np.arange(10) == t, -np.inf, d["fc1"])))
    who = f"the true label {label}" if label == t else f"the label {t}"
    dead2 = dead_filters(s, "relu2")
    dead1 = dead_filters(s, "relu1")
    notes = [
        ("forward", f"The network reads {k} with p = {prob3(p[k])}; the loss for {who} is "
                    f"E = −ln p[{t}] = −ln {prob3(p[t])} = {sig3(s.loss)}."),
        ("fc1", f"∂E/∂scores = p − y: {sig3(d['fc1'][t])} at {t} (p[{t}] − 1), the other nine "
                f"are their probabilities (the largest {sig3(d['fc1'][rival])}, at {rival}: a "
                f"step down the gradient raises score {t} and lowers score {rival} most); "
                f"‖δ‖ = {_norm(d['fc1'])}."),
        ("flatten1", f"The 250 FC deltas δ = W·δ_scores: from {sig3(d['flatten1'].min())} to "
                     f"{sig3(d['flatten1'].max())}, ‖δ‖ = {_norm(d['flatten1'])}; "
                     f"‖∂E/∂W_fc‖ = {_norm(s.grads['fc1.w'])}."),
        ("maxpool2", "Un-flattened to 10@5x5: the same 250 numbers, in the shape of the maps."),
        ("relu2", f"Max pooling sends each of the 250 deltas to its window's winner: "
                  f"{_count(d['relu2'])} of 1000 relu2 units receive one, the other "
                  f"{1000 - _count(d['relu2'])} get exactly 0."),
        ("conv2", f"The ReLU mask keeps {_count(d['conv2'])} of them ({_count(a['conv2'] > 0)} "
                  f"conv2 units are on; the other {_count(d['relu2']) - _count(d['conv2'])} winners "
                  f"won windows of zeros, where ReLU was off); ‖δ‖ = {_norm(d['conv2'])}, ‖∂E/∂w2‖ = "
                  f"{_norm(s.grads['conv2.w'])}" + (f"; filters {dead2} are off everywhere: "
                                                     f"their gradient is 0." if dead2 else ".")),
        ("maxpool1", f"conv2's input gradient (full correlation with the rotated kernels, "
                     f"summed over 10 filters): {_count(d['maxpool1'])} of 507 nonzero, ‖δ‖ = "
                     f"{_norm(d['maxpool1'])}."),
        ("relu1", f"Routed through max pooling: {_count(d['relu1'])} of 2028 relu1 units get a delta."),
        ("conv1", f"The ReLU mask keeps {_count(d['conv1'])} of them ({_count(d['relu1']) - _count(d['conv1'])} "
                  f"sit where conv1 was off); ‖δ‖ = {_norm(d['conv1'])}, ‖∂E/∂w1‖ = "
                  f"{_norm(s.grads['conv1.w'])}" + (f"; filters {dead1} are off everywhere."
                                                     if dead1 else ".")),
        ("input", f"∂E/∂x (28x28): from {sig3(d['input'].min())} to {sig3(d['input'].max())}, ‖δ‖ = "
                  f"{_norm(d['input'])}. Where pooling windows tie (the flat background), the loss has a kink: "
                  "there this is the slope of the branch the tie rule picks, not a derivative."),
    ]
    return notes


def step_texts(s, label):
    """One HTML sentence per step 0..9: its title and what it shows for state ``s``."""
    notes = dict(layer_notes(s, label))
    out = []
    for k, title in enumerate(TITLES):
        stage = REVEAL[k] or "forward"
        out.append(f"<b>Step {k} of 9: {html.escape(title)}.</b> {html.escape(notes[stage])}")
    return out
