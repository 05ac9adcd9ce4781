"""course.threads: the threading policy that `import course` applies, each case in a fresh process
(OpenMP reads its settings once, when torch is imported)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course import threads

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, os, sys
{before}
import course, torch
print(json.dumps({{"policy": os.environ.get("OMP_WAIT_POLICY"), "threads": torch.get_num_threads(),
                  "cores": course.threads.available_cores(), "spin": os.environ.get("GOMP_SPINCOUNT"),
                  "added": course.threads.ADDED}}))
"""


def probe(env_extra=None, before="", cpus=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "COURSE_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(env_extra or {})
    code = PROBE.format(before=before)
    if cpus is not None:  # run pinned to these CPUs, as a container or taskset would
        code = f"import os; os.sched_setaffinity(0, {set(cpus)!r})\n" + code
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_course_first_makes_waits_short_and_uses_the_available_cores():
    got = probe()
    assert (got["policy"], got["spin"]) == ("PASSIVE", "10000")  # spin about 100 µs, then sleep
    assert got["added"] == {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "10000"}
    assert got["threads"] == got["cores"] == threads.available_cores()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and 2 CPUs")
def test_a_process_pinned_to_one_cpu_gets_one_thread():
    got = probe(cpus=[sorted(os.sched_getaffinity(0))[0]])
    assert (got["policy"], got["threads"], got["cores"]) == ("PASSIVE", 1, 1)


def test_torch_imported_first_still_gets_the_thread_count_but_not_the_policy():
    got = probe(before="import torch; torch.set_num_threads(7)")
    assert got["policy"] is got["spin"] is None  # too late for OpenMP: the lessons import course first
    assert got["added"] == {}
    assert got["threads"] == got["cores"]


def test_user_settings_are_respected():
    active = probe({"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "ACTIVE"})
    assert active["threads"] == 1
    assert (active["policy"], active["spin"], active["added"]) == ("ACTIVE", None, {})
    # a policy of the user's own gets no spin count from the course; a spin count of theirs stays
    assert probe({"OMP_WAIT_POLICY": "PASSIVE"})["spin"] is None
    spin = probe({"GOMP_SPINCOUNT": "20"})
    assert (spin["policy"], spin["spin"], spin["added"]) == ("PASSIVE", "20", {"OMP_WAIT_POLICY": "PASSIVE"})
    assert probe({"COURSE_THREADS": "3"})["threads"] == 3
    untouched = probe({"COURSE_THREADS": "torch"}, before="import torch; torch.set_num_threads(5)")
    assert untouched == {"policy": None, "threads": 5, "cores": threads.available_cores(), "spin": None,
                         "added": {}}


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_a_bad_course_threads_says_what_it_takes(monkeypatch, bad):
    monkeypatch.setenv("COURSE_THREADS", bad)
    with pytest.raises(ValueError, match="COURSE_THREADS must be a positive number of threads or 'torch'"):
        threads.choose_threads()


def test_cgroup_quota_caps_the_cores(monkeypatch, tmp_path):
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 1.5)
    assert threads.available_cores() == min(2, len(os.sched_getaffinity(0)))
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 0.2)
    assert threads.available_cores() == 1


class _Clock:
    """A fake machine for FreeCores: wall time, this process's CPU time and the machine's busy time."""

    def __init__(self):
        self.wall = self.own = self.busy = 0.0

    def run(self, seconds, own_cores, other_cores):
        self.wall += seconds
        self.own += seconds * own_cores
        self.busy += seconds * (own_cores + other_cores)


@pytest.fixture
def fake_machine(monkeypatch):
    import torch
    clock = _Clock()
    monkeypatch.setattr(threads.time, "monotonic", lambda: clock.wall)
    monkeypatch.setattr(threads.time, "process_time", lambda: clock.own)
    monkeypatch.setattr(threads, "_machine_busy_seconds", lambda: (clock.busy, 2 * clock.wall))
    monkeypatch.setattr(threads, "available_cores", lambda: 2)
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: None)
    monkeypatch.setitem(threads._CHOSEN, "threads", 2)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield clock
    torch.set_num_threads(before)


def test_free_cores_gives_up_a_thread_beside_busy_neighbours_and_takes_it_back(fake_machine):
    import torch
    cores = threads.FreeCores(interval=0.5)
    assert cores.active
    seen = []
    for own, others in [(1.9, 0.0)] * 4 + [(1.0, 1.9)] * 4 + [(1.0, 0.0)] * 4:
        fake_machine.run(0.6, own, others)
        cores.step()
        seen.append(torch.get_num_threads())
    assert seen[:4] == [2, 2, 2, 2]  # quiet: both cores
    assert seen[5:8] == [1, 1, 1]  # two busy neighbours (1.9 cores of 2): one thread
    assert seen[-2:] == [2, 2]  # they left: both again
    fake_machine.run(0.6, 1.0, 1.9)
    cores.step(), cores.step()
    cores.close()
    assert torch.get_num_threads() == 2  # what the loop started with


def test_free_cores_reads_the_machine_only_every_interval(fake_machine):
    import torch
    cores = threads.FreeCores(interval=0.5)
    fake_machine.run(0.1, 1.0, 2.0)
    cores.step()
    assert torch.get_num_threads() == 2  # 0.1 s is too soon to judge


def test_free_cores_leaves_a_thread_count_the_user_chose_alone(fake_machine, monkeypatch):
    import torch
    monkeypatch.setitem(threads._CHOSEN, "threads", None)  # OMP_NUM_THREADS or COURSE_THREADS was set
    cores = threads.FreeCores(interval=0.5)
    fake_machine.run(1.0, 1.0, 2.0)
    cores.step()
    assert not cores.active and torch.get_num_threads() == 2


def test_the_machine_busy_reading_is_plausible():
    reading = threads._machine_busy_seconds()
    if reading is None:
        pytest.skip("no /proc/stat here")
    busy, total = reading
    assert 0 < busy <= total


def test_free_cores_stays_out_of_a_container_held_to_a_cpu_quota(fake_machine, monkeypatch):
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 2.0)  # 2 CPUs of a bigger machine's
    assert not threads.FreeCores().active


def test_free_cores_runs_a_loop_of_small_steps_on_one_thread_and_gives_the_threads_back(fake_machine):
    import torch
    cores = threads.FreeCores(work=threads.ONE_THREAD_WORK // 10)  # a token of a small model
    assert cores.small and not cores.active and torch.get_num_threads() == 1
    fake_machine.run(1.0, 1.0, 0.0)
    cores.step()
    assert torch.get_num_threads() == 1  # a quiet machine does not bring the second thread back
    cores.close()
    assert torch.get_num_threads() == 2
    big = threads.FreeCores(work=threads.ONE_THREAD_WORK * 10)
    assert not big.small and big.active and torch.get_num_threads() == 2
    big.close()


def test_free_cores_leaves_small_steps_at_the_users_thread_count(fake_machine, monkeypatch):
    import torch
    monkeypatch.setitem(threads._CHOSEN, "threads", None)  # OMP_NUM_THREADS or COURSE_THREADS was set
    cores = threads.FreeCores(work=1)
    assert not cores.small and torch.get_num_threads() == 2
    cores.close()
    assert torch.get_num_threads() == 2


def test_generate_of_a_small_gpt_and_lstm_runs_on_one_thread(fake_machine, monkeypatch):
    import torch
    from course.gpt import GPT, GPTConfig
    from course.lstm import CharLSTM, CharLSTMConfig
    seen = []
    real = threads.FreeCores.step
    monkeypatch.setattr(threads.FreeCores, "step", lambda self: (seen.append(torch.get_num_threads()), real(self)))
    gpt = GPT(GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=2, n_embd=32))
    gpt.generate(torch.zeros(1, 1, dtype=torch.long), 3, greedy=True)
    lstm = CharLSTM(CharLSTMConfig(vocab_size=65, n_embd=16, hidden_size=32, n_layers=1))
    lstm.generate(torch.zeros(1, 1, dtype=torch.long), 3, greedy=True)
    assert seen == [1] * 6
    assert torch.get_num_threads() == 2  # given back
