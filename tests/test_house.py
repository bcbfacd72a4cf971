"""Cross-package checks: the layout, the README commands, the import rules, the compose file."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["monorepo"]["packages"]


def _module_of(folder: str) -> str:
    src = ROOT / folder / "src"
    (mod,) = [p.name for p in src.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    return mod


@pytest.mark.parametrize("folder", PACKAGES)
def test_every_package_has_its_rooms_and_imports(folder):
    for room in ("pyproject.toml", "README.md", "src", "tests"):
        assert (ROOT / folder / room).exists(), f"{folder}/{room} missing"
    importlib.import_module(_module_of(folder))


def test_readme_make_targets_exist():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    used = set(re.findall(r"\bmake ([a-z][\w-]*)", readme))
    assert {"demo", "test"} <= used, "README must give the two commands"
    assert used <= targets, f"README names make targets that do not exist: {used - targets}"


def test_readme_console_scripts_exist():
    readme = (ROOT / "README.md").read_text()
    scripts = set()
    for folder in PACKAGES:
        meta = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())
        scripts |= set(meta["project"].get("scripts", {}))
    bindir = Path(sys.executable).parent
    for script in scripts:
        assert (bindir / script).exists(), f"console script {script} not installed"
    for script in re.findall(r"`([a-z]+(?:-[a-z]+)+)`", readme):
        if script in {"docker-compose", "import-linter", "pip-check"}:
            continue
        assert script in scripts, f"README names a command that does not exist: {script}"


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make test" in (ROOT / "README.md").read_text()


def test_import_contracts_hold():
    exe = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_is_valid():
    path = ROOT / "docker-compose.yml"
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        res = subprocess.run(["docker", "compose", "-f", str(path), "config", "-q"], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
    spec = yaml.safe_load(path.read_text())
    services = spec["services"]
    assert {"s3", "postgres", "redis", "api", "worker"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, f"{name}: needs image or build"
        assert "healthcheck" in svc or name == "worker" or "depends_on" in svc, f"{name}: no health check"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert cond["condition"] in {"service_healthy", "service_started", "service_completed_successfully"}
    for vol in spec.get("volumes", {}):
        assert any(
            str(v).startswith(f"{vol}:") for svc in services.values() for v in svc.get("volumes", [])
        ), f"volume {vol} unused"


def test_no_library_code_names_the_shared_data_folder():
    offenders = []
    for folder in PACKAGES:
        for py in (ROOT / folder / "src").rglob("*.py"):
            if "shared/data" in py.read_text():
                offenders.append(str(py.relative_to(ROOT)))
    assert not offenders, f"library code must reach data via IMAGECORE_DATA_DIR: {offenders}"


@pytest.mark.slow
def test_demo_runs_end_to_end_small():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--small"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "demo summary" in result.stdout


def test_environment_yaml_equals_the_pins():
    env = yaml.safe_load((ROOT / "environment.yaml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pins = {line for line in pip_section if not line.startswith("--")}
    constraints = {
        line.strip()
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert pins == constraints
    assert "torch==2.13.0+cpu" in constraints
    assert env["variables"]["NO_ALBUMENTATIONS_UPDATE"] == "1"


def test_bench_runner_lists_scripts():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--list"],
                            capture_output=True, text=True, check=True)
    assert all(line.endswith(".py") for line in result.stdout.split())
