"""Run every held-out answer through its checker and keep what the learner would read.

``python -m tests.heldout2.run`` prints each answer's message; ``judge_all()`` returns the results
that test_heldout2.py asserts on and report.py writes REPORT.md from."""
import sys
import time
from dataclasses import dataclass

import cnnlib.exercises as exercises

from .registry import all_answers


@dataclass
class Judged:
    answer: object
    correct: bool
    status: str
    mistakes: tuple
    text: str
    seconds: float

    @property
    def named_outside(self):
        """Catalogue keys the message names that its author did not list as a fair name."""
        return tuple(k for k in self.mistakes if k not in self.answer.catalogue_keys_ok)


def checker_of(answer):
    return getattr(exercises, answer.checker)


def judge(answer):
    start = time.perf_counter()
    result = checker_of(answer)(answer.fn)
    return Judged(answer, bool(result.correct), result.status, tuple(result.mistakes), repr(result),
                  time.perf_counter() - start)


def judge_all(answers=None):
    return [judge(a) for a in (answers if answers is not None else all_answers())]


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for a in all_answers():
        if wanted and not any(w in a.name for w in wanted):
            continue
        j = judge(a)
        print(f"##### {a.name} [{a.checker}] correct={j.correct} mistakes={j.mistakes} "
              f"outside_ok={j.named_outside} ({j.seconds:.1f} s)")
        print(f"bug: {a.bug}")
        print(j.text)
        print()
