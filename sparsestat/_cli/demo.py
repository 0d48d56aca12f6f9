"""``python -m sparsestat demo``: every family's demo cases, fitted and shown
in one table.

A family takes part when its package (found through the estimator registry)
has a ``_demo`` module with ``demo_cases(random_state)``; the families of the
fit commands come first, in their order, then any other.
"""

from importlib import import_module

#: keys of a demo row shown in the table (rows also carry "family"), and
#: the header of each
DEMO_COLUMNS = {
    "estimator": "estimator",
    "data": "simulated data",
    "truth": "truth",
    "found": "found",
    "f1": "F1",
    "metric": "metric",
    "value": "value",
    "better": "better",
    "time_s": "time",
}

#: what each metric of the demo table is, and which direction is better
DEMO_METRICS = {
    "F1": ("higher", "agreement of the selected support (non-zero coefficients "
           "or edges) with the truth, 2 TP / (true + found); 1 is perfect"),
    "coef error": ("lower", "||w - w_true||_2 / ||w_true||_2; 0 is perfect"),
    "SHD": ("lower", "structural Hamming distance to the true DAG: edges added, "
            "removed or reversed; 0 is perfect"),
    "precision error": ("lower", "||Theta - Theta_true||_F / ||Theta_true||_F "
                        "of the precision matrix; 0 is perfect"),
    "test accuracy": ("higher", "share of held-out samples classified right "
                      "(the data column counts the training samples)"),
}


def _demo_families():
    """``(family, demo_cases)`` of every family package that has a demo."""
    from sparsestat._cli.fit import FIT_FAMILIES
    from sparsestat.utils.discovery import estimator_families

    order = dict.fromkeys(f.module.removeprefix("sparsestat.")
                          for f in FIT_FAMILIES.values())
    order.update(dict.fromkeys(estimator_families()))
    for family in order:
        name = f"sparsestat.{family}._demo"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        yield family, module.demo_cases


def format_table(rows):
    """The demo table: one line per fit, then what each metric means."""
    header = list(DEMO_COLUMNS.values())
    cells = [[_format_cell(key, row) for key in DEMO_COLUMNS] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = {"f1", "value", "time_s"}

    def line(values):
        columns = zip(DEMO_COLUMNS, values, widths, strict=True)
        return " | ".join(v.rjust(w) if key in numeric else v.ljust(w)
                          for key, v, w in columns).rstrip()
    lines = [line(header), "-+-".join("-" * w for w in widths)]
    lines += [line(r) for r in cells]
    lines.append("")
    lines.append("truth: the simulated ground truth each fit is compared with; "
                 "found: what the fit selected; time: wall-clock seconds of the "
                 "fit alone.")
    used = ["F1", *dict.fromkeys(row["metric"] for row in rows)]
    for name in used:
        better, meaning = DEMO_METRICS[name]
        lines.append(f"{name} ({better} is better): {meaning}.")
    return "\n".join(lines)


def _format_cell(key, row):
    if key == "better":
        return DEMO_METRICS[row["metric"]][0]
    value = row[key]
    if key == "time_s":
        return f"{value:.3f} s"
    if key == "value" and float(value).is_integer():
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def run_demo(random_state=0):
    """Fit every implemented family on simulated data; return the table rows."""
    # imported here: the other commands start without scikit-learn
    from sparsestat.utils._demo import run_case

    return [run_case(family, case)
            for family, demo_cases in _demo_families()
            for case in demo_cases(random_state=random_state)]
