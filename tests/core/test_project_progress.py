"""A large project file is read with progress and can be cancelled (issue 15, #8): the window
runs :func:`core.project.load_project` in a worker through this protocol."""

from __future__ import annotations

import json

import pytest

from core.errors import CancelledError
from core.jobs import CancelToken
from core.policy.profile_io import bundled_profiles
from core.project import Project, ProjectFileError, load_project, project_to_dict
from core.stress.scenarios import Scenario, ScenarioKind
from core.universe import default_universe


def many_scenarios_document(count: int) -> dict:
    universe = default_universe()
    scenarios = tuple(
        Scenario(
            f"Library scenario {n}",
            ScenarioKind.CUSTOM,
            {t: -((n % 50) / 100) for t in universe.tickers},
            notes={t: "committee view" for t in universe.tickers},
        )
        for n in range(count)
    )
    project = Project(
        profile=bundled_profiles()["Balanced Growth"],
        universe=universe,
        custom_scenarios=scenarios,
    )
    return project_to_dict(project)


def test_progress_rises_to_one_and_follows_the_scenarios(tmp_path):
    path = tmp_path / "library.ipsproj"
    path.write_text(json.dumps(many_scenarios_document(400)), encoding="utf-8")
    seen: list[tuple[float, str]] = []
    project = load_project(path, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(project.custom_scenarios) == 400
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    # Validation reports scenario by scenario (100 steps for 400 scenarios), inside 30-100%.
    steps = [m for _, m in seen if m.startswith("Reading scenario")]
    assert len(steps) == 100 and steps[0] == "Reading scenario 1 of 400"
    assert all(0.3 <= f < 1.0 for f, m in seen if m.startswith("Reading scenario"))


def test_cancel_stops_the_read_between_scenarios(tmp_path):
    path = tmp_path / "library.ipsproj"
    path.write_text(json.dumps(many_scenarios_document(400)), encoding="utf-8")
    token = CancelToken()
    calls: list[str] = []

    def progress(fraction: float, message: str) -> None:
        calls.append(message)
        if message.startswith("Reading scenario 41 "):
            token.cancel()

    with pytest.raises(CancelledError):
        load_project(path, progress=progress, cancel=token)
    # Stopped at the next check (4 scenarios later), not at the end of the file.
    assert calls[-1] == "Reading scenario 41 of 400"


def test_a_damaged_scenario_deep_in_a_large_file_is_refused_by_name(tmp_path):
    document = many_scenarios_document(400)
    document["custom_scenarios"]["scenarios"][377]["shocks"]["SPY"]["value"] = -1.5
    path = tmp_path / "damaged.ipsproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProjectFileError, match="Library scenario 377.*SPY.*below -100%"):
        load_project(path)
