"""The gallery's rules, read from the example sources (nothing is run):

- each example is narrated: a title docstring, then sphinx-gallery cells
  (``# %%``) that open with text before their code;
- it saves nothing into the working directory (no ``savefig``, ``to_csv``,
  ``np.save``..., no ``open`` for writing);
- its figures are readable at the theme's content width: at most 950 px
  wide at matplotlib's default 100 dpi (sphinx-gallery keeps that dpi).
"""

import ast
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))
MAX_WIDTH_INCHES = 9.5  # 950 px at 100 dpi
WRITERS = {"savefig", "imsave", "to_csv", "to_parquet", "to_excel", "to_pickle",
           "to_json", "save", "savez", "savez_compressed", "savetxt", "dump",
           "write_text", "write_bytes", "mkdir"}


def test_the_gallery_is_found():
    assert len(EXAMPLES) >= 5


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_narrated_in_cells(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{path.name}: no title docstring"
    lines = text.splitlines()
    cells = [k for k, line in enumerate(lines) if line.strip() == "# %%"]
    assert len(cells) >= 2, f"{path.name}: fewer than two cells"
    for k in cells:
        following = lines[k + 1] if k + 1 < len(lines) else ""
        assert following.startswith("# ") and len(following) > 3, (
            f"{path.name}, line {k + 2}: a cell without text before its code")
    code = [line for line in lines[cells[-1]:] if line and not line.startswith("#")]
    assert code, f"{path.name}: the last cell has no code"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_saves_nothing(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name, node in _calls(tree):
        assert name not in WRITERS, f"{path.name}, line {node.lineno}: {name}()"
        if name == "open":
            modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value.value for k in node.keywords
                      if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            assert not any(set(m) & set("wax+") for m in modes), (
                f"{path.name}, line {node.lineno}: open() for writing")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_figures_fit_the_page_width(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    widths = []
    for name, node in _calls(tree):
        for keyword in node.keywords:
            if keyword.arg == "dpi":
                raise AssertionError(f"{path.name}, line {node.lineno}: a dpi other "
                                     "than the default changes the width in pixels")
            if keyword.arg == "figsize":
                width = ast.literal_eval(keyword.value)[0]
                widths.append(width)
                assert width <= MAX_WIDTH_INCHES, (
                    f"{path.name}, line {node.lineno}: {name}(figsize=...) is "
                    f"{100 * width:.0f} px wide, more than {100 * MAX_WIDTH_INCHES:.0f}")
    assert widths, f"{path.name}: no figure with an explicit figsize"
