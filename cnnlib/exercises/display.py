"""How a checker's message looks: plain text for terminals and nbval, HTML for notebooks.

A message is a list of logical lines. The first line starts with the verdict ("Correct",
"Not yet", "Not written yet", "Not answered yet"); each further line is indented by two spaces
per level. A line's first word may say what it is: ``Hint:``, ``Diagnosis:``, ``Try:``,
``To debug:``, ``Note:``. Text between backticks is code.

- ``wrap_text(lines, width)``: the plain text, each line wrapped at ``width`` only at spaces
  that do not cut a token: never inside brackets, quotes or backticks, and never next to an
  operator (``H - K + 1`` stays whole), so ``rot180(w[f, c])`` or ``3 x 3`` are never split.
- ``table(rows)``: rows of cells as message lines whose columns line up (widths from the cells,
  numbers right-aligned, two spaces between columns); such a line is never wrapped, and the
  HTML shows it in a fixed-width font, so the columns stay aligned in both.
- ``to_html(status, lines)``: the same message as HTML with its own small stylesheet. Colours
  come from the host where it has them (JupyterLab's ``--jp-*`` variables, the site's and VS
  Code's inherited text colour), the background is a translucent tint, so it reads on light and
  dark themes alike; the verdict is a badge with its own background (contrast 4.5:1 or more on
  both). Tokens are kept whole the same way as in the text (``white-space: nowrap`` spans);
  a line too long for a narrow screen scrolls sideways instead of breaking a token.
"""
import html
import re

WIDTH = 96
LABELS = ("Hint:", "Diagnosis:", "Try:", "To debug:", "Note:")
_OPEN, _CLOSE = "([{", ")]}"
_OPERATORS = {"-", "+", "=", "·", "x", "*", "/", "//", "<", ">", "<=", ">=", "==", "!=", "->", "→", "⋆",
              "±", "%", "@", "|", "&", "**", "≈", "≤", "≥", "×"}

CSS = """
.cnnlib-check{--cnnlib-accent:#8c959f;margin:.25em 0;padding:.45em .8em .5em .75em;
border-left:4px solid var(--cnnlib-accent);border-radius:4px;background:rgba(127,127,127,.08);
color:inherit;font-family:var(--jp-content-font-family,inherit);font-size:var(--jp-content-font-size1,inherit);
line-height:1.5;overflow-x:auto;word-break:normal;overflow-wrap:normal;text-align:left}
.cnnlib-check--correct{--cnnlib-accent:#1a7f37;background:rgba(46,160,67,.12)}
.cnnlib-check--wrong{--cnnlib-accent:#9a6700;background:rgba(212,167,44,.14)}
.cnnlib-check--not_answered{--cnnlib-accent:#57606a;background:rgba(140,149,159,.12)}
.cnnlib-check__badge{display:inline-block;margin-right:.45em;padding:0 .5em;border-radius:.8em;
background:var(--cnnlib-accent);color:#fff;font-weight:600;font-size:.92em;white-space:nowrap}
.cnnlib-check__head{font-weight:600}
.cnnlib-check__sep{font-size:0}
.cnnlib-check__line{margin:.1em 0}
.cnnlib-check__label{font-weight:600}
.cnnlib-check__muted{opacity:.8}
.cnnlib-check .nw{white-space:nowrap}
.cnnlib-check code{font-family:var(--jp-code-font-family,monospace);font-size:.92em;padding:0 .2em;
border-radius:3px;background:rgba(127,127,127,.16);color:inherit}
.cnnlib-check pre{margin:.2em 0;font-family:var(--jp-code-font-family,monospace);font-size:.9em;
white-space:pre;background:none;color:inherit;border:0;padding:0}
"""


# ------------------------------------------------------------------ tokens

def _is_operator(word):
    return word in _OPERATORS or (len(word) <= 2 and word and not any(ch.isalnum() for ch in word)
                                  and word not in {",", ";", ":", ".", "(", ")"})


def _prose_brackets(text):
    """Positions of the "(" that open a remark in prose rather than code: after a space (or at the
    start) and holding more than three spaces, e.g. "(the same split is also ...)". Spaces inside
    them may break a line; inside "rot180(w[f, c])" or "(N, F, H_out, W_out)" they may not."""
    prose, stack = set(), []
    for k, ch in enumerate(text):
        if ch == "(":
            stack.append(k)
        elif ch == ")" and stack:
            start = stack.pop()
            if (start == 0 or text[start - 1] == " ") and text[start:k].count(" ") > 3:
                prose.add(start)
    return prose


def _split(text, nested=True):
    """Split at spaces; with ``nested``, not at those inside brackets, quotes or backticks.
    ``None`` when a quote or bracket is left open (then ``nested`` cannot be trusted)."""
    words, depth, quote, current, stack = [], 0, None, "", []
    prose = _prose_brackets(text) if nested else set()
    for k, ch in enumerate(text):
        if nested and quote:
            quote = None if ch == quote else quote
        elif nested and ch in "`'\"" and (ch == "`" or not current[-1:].isalnum()):
            quote = ch
        elif nested and ch in _OPEN:
            stack.append(k in prose)
            depth += 0 if k in prose else 1
        elif nested and ch in _CLOSE:
            depth = max(0, depth - (0 if stack and stack[-1] else 1))
            if stack:
                stack.pop()
        if ch == " " and depth == 0 and quote is None:
            words.append(current)
            current = ""
        else:
            current += ch
    words.append(current)
    return None if quote or depth else [w for w in words if w]


def chunks(text):
    """``text`` cut into the pieces a line may break between (spaces that cut no token)."""
    words = _split(text) or _split(text, nested=False)
    glued = []  # an operator sticks to both neighbours: "H - K + 1" is one piece
    for w in words:
        if glued and (_is_operator(w) or _is_operator(glued[-1].rsplit(" ", 1)[-1])):
            glued[-1] += " " + w
        else:
            glued.append(w)
    return glued


def is_table_row(text):
    """Is ``text`` (a line) a table row: columns aligned with two or more spaces, or a ``|`` row?
    Spaces inside backticks (a line of the learner's code) do not count."""
    text = re.sub(r"`[^`]*`", "`", text.strip())
    return text.startswith("|") or "  " in text


def _is_number(cell):
    try:
        float(cell.replace("−", "-"))
        return True
    except ValueError:
        return False


def table(rows, indent=2):
    """Message lines for ``rows`` (the header first, then the rows; each a sequence of cells): every
    column as wide as its widest cell, numbers right-aligned (and their header above them), two
    spaces between columns, ``indent`` spaces before each line."""
    rows = [[str(cell) for cell in row] for row in rows]
    n = max(len(row) for row in rows)
    rows = [row + [""] * (n - len(row)) for row in rows]
    widths = [max(len(row[c]) for row in rows) for c in range(n)]
    numeric = [all(_is_number(row[c]) for row in rows[1:] if row[c]) and any(row[c] for row in rows[1:])
               for c in range(n)]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if right else cell.ljust(w) for cell, w, right in zip(row, widths, numeric)]
        lines.append((" " * indent + "  ".join(cells)).rstrip())
    return lines


def wrap_line(line, width=WIDTH):
    """One logical line as one or more lines of at most ``width`` characters where the tokens
    allow it; continuation lines are indented two more spaces."""
    indent = len(line) - len(line.lstrip(" "))
    if is_table_row(line):   # a table row (columns aligned with spaces): kept as it is
        return [line.rstrip()]
    pieces = chunks(line.strip())
    out, current = [], " " * indent
    for piece in pieces:
        if current.strip() and len(current) + 1 + len(piece) > width:
            out.append(current)
            current = " " * (indent + 2) + piece
        else:
            current += (" " if current.strip() else "") + piece
    out.append(current)
    return out


def wrap_text(lines, width=WIDTH):
    """The plain text of a message: every logical line wrapped without cutting a token."""
    return "\n".join(w.rstrip() for line in lines for w in (wrap_line(line, width) if line.strip() else [""]))


# ------------------------------------------------------------------ HTML

def _inline(text):
    """HTML of one piece of text: backticks become <code>; everything else is escaped."""
    parts = re.split(r"`([^`]*)`", text)
    return "".join(f"<code>{html.escape(p)}</code>" if k % 2 else html.escape(p) for k, p in enumerate(parts))


def _line_html(text):
    pieces = chunks(text)
    return " ".join(f'<span class="nw">{_inline(p)}</span>' if " " in p or len(p) > 12 or
                    any(ch in p for ch in "-/–—·+=") else _inline(p) for p in pieces)


BADGES = {"correct": "Correct", "wrong": "Not yet", "not_answered": "Not answered yet"}
_SEP = '<span class="cnnlib-check__sep">: </span>'  # shown only where the stylesheet is dropped (untrusted)


def _head_html(status, first):
    for word in ("Correct", "Not yet", "Not written yet", "Not answered yet"):
        if first.startswith(word):
            rest = first[len(word):].lstrip(":").lstrip()
            return (f'<div class="cnnlib-check__head"><span class="cnnlib-check__badge">{word}</span>{_SEP}'
                    f"{_line_html(rest)}</div>")
    return (f'<div class="cnnlib-check__head"><span class="cnnlib-check__badge">{BADGES.get(status, status)}'
            f"</span>{_SEP}{_line_html(first)}</div>")


def _body_html(line):
    indent = (len(line) - len(line.lstrip(" "))) // 2
    text = line.strip()
    style = f' style="padding-left:{1.2 * indent:g}em"' if indent else ""
    if is_table_row(text):   # a table row or aligned columns: keep as it is
        return f'<pre class="cnnlib-check__line"{style}>{html.escape(text)}</pre>'
    for label in LABELS:
        if text.startswith(label):
            muted = " cnnlib-check__muted" if label in ("To debug:", "Note:") else ""
            return (f'<div class="cnnlib-check__line{muted}"{style}><span class="cnnlib-check__label">'
                    f"{html.escape(label[:-1])}:</span> {_line_html(text[len(label):].strip())}</div>")
    if text.startswith("- "):
        return f'<div class="cnnlib-check__line"{style}>• {_line_html(text[2:])}</div>'
    return f'<div class="cnnlib-check__line"{style}>{_line_html(text)}</div>'


def to_html(status, lines):
    """The message as an HTML block (its own <style>, so it looks the same wherever it is shown)."""
    status = status if status in BADGES else "wrong"
    body = "".join(_body_html(line) for line in lines[1:] if line.strip())
    return (f'<div class="cnnlib-check cnnlib-check--{status}" role="status"><style>{" ".join(CSS.split())}'
            f"</style>{_head_html(status, lines[0] if lines else '')}{body}</div>")
