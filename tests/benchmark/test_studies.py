"""The one-off studies sit apart from the throughput benchmark, each run by the command its docs give."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import bench.studies

STUDIES = sorted(module.name for module in pkgutil.iter_modules(bench.studies.__path__))


def test_the_studies_package_lists_every_study_with_its_command():
    assert {"decode_memory", "fairness", "fields_overhead", "outage"} <= set(STUDIES)
    for name in STUDIES:
        assert f"`python -m bench.studies.{name}`" in bench.studies.__doc__, name


@pytest.mark.parametrize("name", STUDIES)
def test_a_study_names_its_own_command_and_runs_as_a_module(name):
    module = importlib.import_module(f"bench.studies.{name}")
    assert f"python -m bench.studies.{name}" in module.__doc__
    assert 'if __name__ == "__main__":' in inspect.getsource(module)
