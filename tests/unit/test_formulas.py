"""Every objective's Learn card has its loss and what keeps it from collapsing."""

from sslcore.objectives import OBJECTIVES
from sslcore.objectives.formulas import FORMULAS


def test_formulas_are_keyed_by_the_registry_names() -> None:
    assert set(FORMULAS) == set(OBJECTIVES)  # no objective without one, no entry for none


def test_every_formula_has_latex_and_a_collapse_text() -> None:
    for name, formula in FORMULAS.items():
        assert formula.latex.strip(), name
        assert formula.prevents_collapse.strip(), name
