"""benchmarks/bench_gpt.py's side-by-side run: nanoGPT gets PyTorch's own threading, not the course's."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import course.threads

REPO = Path(__file__).resolve().parents[1]


def load_bench():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("bench_gpt", REPO / "benchmarks" / "bench_gpt.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def test_nanogpt_runs_without_the_settings_import_course_added(tmp_path, monkeypatch):
    bench = load_bench()
    folder = tmp_path / "nanogpt"
    (folder / "data" / "shakespeare_char").mkdir(parents=True)
    (folder / "train.py").write_text("")
    (folder / "data" / "shakespeare_char" / "prepare.py").write_text("")
    text = tmp_path / "input.txt"
    text.write_text("hello")
    monkeypatch.setattr(course.threads, "ADDED", {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "1000"})
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    monkeypatch.setenv("GOMP_SPINCOUNT", "1000")
    monkeypatch.setenv("A_SETTING_OF_THE_USERS", "kept")
    envs = []

    def fake_run(cmd, cwd=None, env=None, **kw):
        envs.append(env)
        out = "step 0: train loss 4.2, val loss 4.2\niter 1: loss 4.1, time 30.0ms\niter 2: loss 4.0, time 32.0ms\n" \
              "step 2: train loss 3.9, val loss 3.95\n"
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    result = bench.run_nanogpt(folder, text, max_iters=2)
    assert result == {"ms": 30.0, "val": 3.95, "iters": 2}  # iteration 2 ran an evaluation: left out
    assert len(envs) == 2  # prepare.py, then train.py
    for env in envs:
        assert "OMP_WAIT_POLICY" not in env and "GOMP_SPINCOUNT" not in env and "PYTHONPATH" not in env
        assert env["A_SETTING_OF_THE_USERS"] == "kept"
