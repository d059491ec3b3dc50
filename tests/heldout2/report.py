"""Write REPORT.md: every held-out answer, the first lines of its checker's message (verbatim) and
its author's verdict (verdicts.py). ``python -m tests.heldout2.report``."""
import subprocess
from collections import Counter
from pathlib import Path

from .registry import all_answers
from .run import checker_of, judge
from .verdicts import FINDINGS, VERDICTS

ORDER = ("NAMED", "SPECIFIC", "GENERIC", "MISLEADING", "ACCEPTED")
MAX_LINES = 14


def first_lines(text):
    """The message up to its 'To debug' line, at most MAX_LINES lines, verbatim."""
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("To debug"):
            break
        lines.append(line.rstrip())
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + ["  [...]"]
    return "\n".join(lines)


def main(path=Path(__file__).with_name("REPORT.md")):
    answers = [a for a in all_answers() if _available(a)]
    missing = [a.name for a in answers if a.name not in VERDICTS]
    if missing:
        raise SystemExit(f"no verdict yet for {missing}")
    judged = [judge(a) for a in answers]
    totals = Counter(VERDICTS[j.answer.name][0] for j in judged)
    by_checker = {}
    for j in judged:
        by_checker.setdefault(j.answer.checker, Counter())[VERDICTS[j.answer.name][0]] += 1
    head = subprocess.run(["git", "log", "-1", "--format=%h", "--", "cnnlib/exercises"], capture_output=True,
                          text=True).stdout.strip() or "unknown"
    out = ["# Held-out set 2: what the checkers say to answers they were not tuned on", "",
           f"{len(judged)} wrong answers to the {len(by_checker)} function exercises of notebooks 02-08, written from the "
           "notebooks, the solutions and the catalogue's words only (never the checkers, their mutants or "
           "the first held-out set), each confirmed wrong against the solutions' functions "
           "(`confirm.py`), then run through its checker. Verdicts by the answers' author, who knows "
           "each bug (definitions in `verdicts.py`). Messages of the checkers as of commit " + head
           + " (the last one to touch cnnlib/exercises).", "",
           "## Totals", "",
           "| verdict | answers |", "|---|---|"]
    out += [f"| {v} | {totals.get(v, 0)} |" for v in ORDER]
    out += ["", "| checker | " + " | ".join(ORDER) + " |", "|---|" + "---|" * len(ORDER)]
    for checker, counts in by_checker.items():
        out.append(f"| `{checker}` | " + " | ".join(str(counts.get(v, 0)) for v in ORDER) + " |")
    named_outside = [j for j in judged if j.named_outside]
    out += ["", f"Catalogue keys named outside the author's fair names: {len(named_outside)}"
            + ("" if not named_outside else ": " + ", ".join(f"{j.answer.name} {j.named_outside}"
                                                              for j in named_outside)) + ".",
            f"Variants of catalogued mistakes in the set: "
            f"{sum(1 for j in judged if j.answer.variant)}; of them named: "
            f"{sum(1 for j in judged if j.answer.variant and VERDICTS[j.answer.name][0] == 'NAMED')}.", ""]
    out += ["## Findings", "", FINDINGS]
    for verdict in ("MISLEADING", "ACCEPTED"):
        hits = [j for j in judged if VERDICTS[j.answer.name][0] == verdict]
        if hits:
            out.append(f"**{verdict}:** " + ", ".join(f"`{j.answer.name}`" for j in hits) + ".")
    out.append("")
    current = None
    for j in judged:
        a = j.answer
        if a.checker != current:
            current = a.checker
            out += ["", f"## `{current}`", ""]
        verdict, why = VERDICTS[a.name]
        out += [f"### `{a.name}`: {verdict}", "",
                f"- bug: {a.bug}",
                f"- where: {a.where}",
                f"- fair catalogue names: {', '.join(a.catalogue_keys_ok) or 'none'}"
                + (f"; variant of {a.variant}" if a.variant else ""),
                f"- named: {', '.join(j.mistakes) or 'nothing'}; correct: {j.correct}",
                f"- verdict: **{verdict}**. {why}", "", "```text", first_lines(j.text), "```", ""]
    path.write_text("\n".join(out).rstrip() + "\n")
    print(f"wrote {path}: " + ", ".join(f"{v} {totals.get(v, 0)}" for v in ORDER))


def _available(answer):
    try:
        checker_of(answer)
    except AttributeError:
        return False
    return True


if __name__ == "__main__":
    main()
