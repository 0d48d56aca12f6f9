"""Render the documentation's math to MathML when the HTML is built.

The pages then need no JavaScript and no network to show formulas (MathJax
is loaded from a CDN by default): browsers display MathML natively. The
LaTeX to MathML conversion is latex2mathml's (a pure-Python package, in the
``doc`` extra).
"""

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.errors import ExtensionError


def _mathml(latex, display, where):
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception types
        raise ExtensionError(
            f"{where}: cannot convert math to MathML ({exc}): {latex!r}") from None
    if "<mi>&</mi>" in mathml:
        # an alignment & outside an environment would show as a literal "&"
        raise ExtensionError(f"{where}: '&' outside an aligned environment in "
                             f"{latex!r}")
    return mathml


def _where(node):
    return f"{node.source or '?'}:{node.line or '?'}"


def visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(_mathml(node.astext(), False, _where(node)))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    # as sphinx.ext.mathjax: blank lines separate equations of one block
    parts = [p for p in node.astext().split("\n\n") if p.strip()]
    for part in parts:
        if not node.get("nowrap") and "\\\\" in part and "\\begin{split}" not in part:
            # as Sphinx does: several lines of one equation align at their &
            part = "\\begin{split}" + part + "\\end{split}"
        self.body.append(_mathml(part, True, _where(node)))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None),
                               (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
