from scaleplan.validation import run_all


def test_planner_law_checks_all_pass():
    results = list(run_all(["scaleplan.validation.planner_law_checks:cases"]))
    groups = {r.group for r in results}
    assert {"kumar-2024", "tao-2024", "muennighoff-2023", "sardana-2024"} <= groups
    failed = [(r.case, r.quantity, r.expected, r.got) for r in results if not r.passed]
    assert not failed
