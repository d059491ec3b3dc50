"""Packaging and commands: pyproject.toml and environment.yml agree, the two commands
exist and are the ones the README shows and CI runs, and importing cnnlib changes no
global state."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="pyyaml is in the test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parents[1]
NOT_FOR_CONDA = {"browser"}  # playwright drives a real browser; Binder users do not need it
NOT_PACKAGES = {"python", "pip"}


def _name(requirement):
    """Normalized project name of a requirement string (PEP 503): 'PyYAML>=6' -> 'pyyaml'."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _spec(requirement):
    return re.sub(r"\s+", "", requirement[len(re.match(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)):])


@pytest.fixture(scope="module")
def pyproject():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def environment():
    with open(ROOT / "environment.yml") as fh:
        return yaml.safe_load(fh)


def _pip_requirements(pyproject):
    project = pyproject["project"]
    extras = project["optional-dependencies"]
    reqs = list(project["dependencies"])
    for extra, items in extras.items():
        if extra not in NOT_FOR_CONDA:
            reqs += items
    return reqs


def _conda_requirements(environment):
    return [d for d in environment["dependencies"] if isinstance(d, str) and _name(d) not in NOT_PACKAGES]


def test_runtime_dependency_is_numpy_only(pyproject):
    assert [_name(r) for r in pyproject["project"]["dependencies"]] == ["numpy"]
    assert {"lab", "test"} <= set(pyproject["project"]["optional-dependencies"])
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["include"] == ["cnnlib*"]


def test_a_wheel_holds_every_subpackage_and_the_explorers_scripts(tmp_path):
    """A non-editable install (pip install ., a wheel) must carry cnnlib's subpackages and
    the explorers' JavaScript, not only cnnlib/*.py."""
    import subprocess
    import sys
    import zipfile
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("cnnlib-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in sorted(p.parent for p in (ROOT / "cnnlib").rglob("__init__.py")):
        assert f"{package.relative_to(ROOT).as_posix()}/__init__.py" in names, package
    for script in (ROOT / "cnnlib" / "explorers" / "js").iterdir():
        assert f"cnnlib/explorers/js/{script.name}" in names, script.name


def test_pyproject_and_environment_list_the_same_packages(pyproject, environment):
    pip_names = sorted(_name(r) for r in _pip_requirements(pyproject))
    conda_names = sorted(_name(r) for r in _conda_requirements(environment))
    assert len(set(pip_names)) == len(pip_names) and len(set(conda_names)) == len(conda_names), "a package is listed twice"
    assert set(pip_names) == set(conda_names), (
        f"only in pyproject.toml: {sorted(set(pip_names) - set(conda_names))}; "
        f"only in environment.yml: {sorted(set(conda_names) - set(pip_names))}")


def test_pyproject_and_environment_agree_on_version_bounds(pyproject, environment):
    pip = {_name(r): _spec(r) for r in _pip_requirements(pyproject)}
    conda = {_name(r): _spec(r) for r in _conda_requirements(environment)}
    differ = {name: (pip[name], conda[name]) for name in pip if name in conda and pip[name] != conda[name]}
    assert not differ, f"version bounds differ (pyproject, environment.yml): {differ}"


def test_environment_is_conda_forge_with_python_and_installs_cnnlib_with_pip(environment, pyproject):
    assert environment["channels"] == ["conda-forge"]
    deps = environment["dependencies"]
    strings = [d for d in deps if isinstance(d, str)]
    assert any(_name(d) == "python" for d in strings) and "pip" in strings
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e ."]]
    python = next(d for d in strings if _name(d) == "python")
    minimum = re.search(r">=\s*3\.(\d+)", pyproject["project"]["requires-python"])
    pinned = re.search(r"3\.(\d+)", python)
    assert minimum and pinned and int(pinned.group(1)) >= int(minimum.group(1))


def _make_targets():
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:", (ROOT / "Makefile").read_text(), flags=re.M))


def test_makefile_has_lab_and_test():
    assert {"lab", "test"} <= _make_targets()


@pytest.mark.skipif(shutil.which("make") is None, reason="`make` is not installed (apt-get install make)")
@pytest.mark.parametrize("target, runs", [("lab", r"jupyter lab .*notebooks"),
                                          ("test", r"pytest .*tests.* notebooks.*--nbval")])
def test_make_targets_set_up_the_venv_then_run(target, runs):
    """A dry run (nothing executes): each target creates .venv, installs, then runs its command."""
    plan = subprocess.run(["make", "-n", "--always-make", target], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    steps = plan.splitlines()
    venv = next(k for k, s in enumerate(steps) if re.search(r"-m venv \.venv", s))
    install = next(k for k, s in enumerate(steps) if re.search(r"pip install .*-e ", s))
    run = next(k for k, s in enumerate(steps) if re.search(runs, s))
    assert venv < install < run, plan
    assert re.search(r"pip install .*-e \"?\.\[[^\]]*lab[^\]]*\]", plan) and "test" in steps[install], plan


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^##[^\n]*two commands[^\n]*\n(.*?)(?=^## )", text, flags=re.M | re.S | re.I)
    assert section, "README.md: no '## ... two commands' section"
    block = re.search(r"```[a-z]*\n(.*?)```", section.group(1), flags=re.S)
    assert block, "README.md: the two-commands section has no code block"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_readme_shows_the_two_commands():
    assert _readme_commands() == ["make lab", "make test"]


def test_ci_runs_the_readme_test_command_and_fails_when_it_fails():
    script = (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / ".ci" / "run", os.X_OK), ".ci/run is not executable"
    commands = [line.split("#", 1)[0].strip() for line in script.splitlines()]
    commands = [c for c in commands if c]
    assert "make test" in _readme_commands()
    assert commands[-1] == "make test", "make test must be the last command: its exit status is the script's"
    assert re.search(r"^set -[a-z]*e[a-z]*", script, flags=re.M), ".ci/run must stop at the first error (set -e)"
    for command in commands:  # torch only ever as the pinned CPU build
        if re.search(r"pip install .*\btorch\b", command):
            assert "torch==2.13.0" in command, command


# --------------------------------------------------- importing is harmless

_STATE_PROBE = textwrap.dedent("""
    import importlib, sys, warnings
    import numpy as np

    def state():
        legacy = np.random.get_state()
        return (legacy[0], legacy[1].tobytes(), legacy[2:], np.geterr(), np.geterrcall(),
                np.get_printoptions(), np.getbufsize(), list(warnings.filters))

    np.random.seed(20240607)
    before = state()
    modules = sys.argv[1:]
    for name in modules:
        importlib.import_module(name)
    after = state()
    labels = ["legacy RNG kind", "legacy RNG key", "legacy RNG position", "np.seterr",
              "np.seterrcall", "print options", "bufsize", "warnings filters"]
    changed = [label for label, b, a in zip(labels, before, after) if b != a]
    assert not changed, f"importing {modules} changed: {changed}"
    print("unchanged")
""")

CORE = ["cnnlib", "cnnlib._validate", "cnnlib.correlate", "cnnlib.conv", "cnnlib.im2row", "cnnlib.pool",
        "cnnlib.activations", "cnnlib.dense", "cnnlib.losses", "cnnlib.gradcheck", "cnnlib.data"]


def _probe(modules):
    result = subprocess.run([sys.executable, "-c", _STATE_PROBE, *modules], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "unchanged", result.stderr[-2000:]


def test_importing_cnnlib_changes_no_global_numpy_state():
    _probe(CORE)


def test_importing_any_cnnlib_module_changes_no_global_numpy_state():
    import cnnlib
    import pkgutil
    names = sorted(f"cnnlib.{m.name}" for m in pkgutil.iter_modules(cnnlib.__path__))
    _probe(["cnnlib"] + [n for n in names if n not in CORE])


NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS])
def test_committed_notebooks_are_executed_in_order_and_clean(path):
    """What nbval compares against: run top to bottom in one kernel, no error, no warning
    printed to stderr (it would name this machine's paths and fail elsewhere), small."""
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: execution counts {counts}"
    for k, cell in enumerate(code, start=1):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}, code cell {k}: an error output"
            assert out.get("name") != "stderr", (f"{path.name}, code cell {k}: stderr output "
                                                 f"{''.join(out['text'])[:200]!r}")
    assert str(ROOT) not in path.read_text(), f"{path.name}: holds a path of this checkout"
    assert path.stat().st_size < 1_000_000, f"{path.name}: {path.stat().st_size} bytes"
