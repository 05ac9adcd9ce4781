"""The shared training loop: schedule, optimizer groups, training, clipping, evaluation, checkpoints,
fast mode, distributed training (torchrun, 2 processes) and the plots of its history."""
import dataclasses
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import matplotlib
import pytest
import torch
import torch.nn as nn

from course.data import RandomWindows
from course.lstm import CharLSTM, CharLSTMConfig
from course.train import (History, TrainConfig, configure_optimizer, estimate_loss, fast_mode, load_checkpoint,
                          lr_at, save_checkpoint, scaled_iters, train)

matplotlib.use("Agg")
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def single_process(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "COURSE_FAST"):
        monkeypatch.delenv(name, raising=False)


def tiny_task(seed=0, block_size=8, batch_size=8):
    """A repeating 5-character text: easy to learn, so the loss must fall far."""
    data = torch.tensor([0, 1, 2, 3, 4] * 60)
    batches = {"train": RandomWindows(data, block_size, batch_size, seed=seed),
               "val": RandomWindows(data, block_size, batch_size, seed=seed + 1)}
    return lambda split: batches[split].sample()


def tiny_model(seed=0, vocab_size=5):
    torch.manual_seed(seed)
    return CharLSTM(CharLSTMConfig(vocab_size=vocab_size, n_embd=8, hidden_size=16, n_layers=1))


def quiet(**kw):
    base = dict(max_iters=30, learning_rate=1e-2, warmup_iters=3, eval_interval=10, eval_iters=2, progress=False)
    return TrainConfig(**{**base, **kw})


# --- learning-rate schedule ---------------------------------------------------------------------

@pytest.mark.parametrize("warmup, decay, lr, min_lr", [(10, 100, 1e-3, 1e-4), (3, 40, 6e-4, 0.0), (25, 60, 1.0, 0.5)])
def test_lr_schedule_equals_torch_linear_warmup_then_cosine(warmup, decay, lr, min_lr):
    cfg = TrainConfig(learning_rate=lr, min_lr=min_lr, warmup_iters=warmup, lr_decay_iters=decay, max_iters=decay + 20)
    # Independent version from PyTorch's schedulers: LinearLR over the warm-up, then CosineAnnealingLR.
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / (warmup + 1), end_factor=warmup / (warmup + 1),
                                             total_iters=warmup - 1)
    want = []
    for _ in range(warmup):
        want.append(opt.param_groups[0]["lr"])
        opt.step()  # (a no-op: no gradients) keeps the scheduler's order check quiet
        warm.step()
    opt.param_groups[0]["lr"] = lr
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=decay - warmup, eta_min=min_lr)
    for _ in range(decay - warmup + 1):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        cosine.step()
    got = [lr_at(it, cfg) for it in range(decay + 1)]
    assert got == pytest.approx(want, rel=1e-6, abs=1e-12)


def test_lr_schedule_shape():
    cfg = TrainConfig(learning_rate=1e-3, min_lr=1e-4, warmup_iters=10, lr_decay_iters=110, max_iters=200)
    warm = [lr_at(it, cfg) for it in range(10)]
    steps = [b - a for a, b in zip(warm, warm[1:])]
    assert steps == pytest.approx([steps[0]] * 9) and steps[0] > 0  # linear rise
    assert lr_at(10, cfg) == pytest.approx(1e-3)                     # peak after warm-up
    assert lr_at(60, cfg) == pytest.approx(5.5e-4)                   # half-way down the cosine
    assert lr_at(110, cfg) == pytest.approx(1e-4)
    assert all(lr_at(it, cfg) == 1e-4 for it in range(111, 200))     # min_lr after the decay
    decay = [lr_at(it, cfg) for it in range(10, 111)]
    assert all(a >= b for a, b in zip(decay, decay[1:]))
    assert TrainConfig(learning_rate=2e-3, max_iters=50).final_lr == pytest.approx(2e-4)  # default min_lr
    flat = dataclasses.replace(cfg, decay_lr=False)
    assert {lr_at(it, flat) for it in range(0, 200, 7)} == {1e-3}


def test_train_config_errors():
    with pytest.raises(ValueError, match=r"lr_decay_iters \(5\) must be larger than warmup_iters \(10\)"):
        TrainConfig(warmup_iters=10, lr_decay_iters=5)
    with pytest.raises(ValueError, match="min_lr must lie in"):
        TrainConfig(learning_rate=1e-3, min_lr=1e-2)
    with pytest.raises(ValueError, match="max_iters must be a non-negative integer"):
        TrainConfig(max_iters=2.5)
    with pytest.raises(ValueError, match="eval_interval and eval_iters must be at least 1"):
        TrainConfig(eval_interval=0)
    with pytest.raises(ValueError, match="grad_clip must be >= 0"):
        TrainConfig(grad_clip=-1.0)


# --- fast mode ---------------------------------------------------------------------------------------

def test_fast_mode_and_scaled_iters(monkeypatch):
    assert not fast_mode() and scaled_iters(2000) == 2000 and scaled_iters(100, fast=2) == 100
    monkeypatch.setenv("COURSE_FAST", "1")
    assert fast_mode()
    assert [scaled_iters(n) for n in (2000, 600, 100, 3, 4000, 100_000)] == [20, 20, 5, 3, 20, 20]
    assert (scaled_iters(100, fast=2), scaled_iters(1, fast=2), scaled_iters(2000, fast=50)) == (2, 1, 50)
    with pytest.raises(ValueError, match="at least 1"):
        scaled_iters(100, fast=0)
    cfg = TrainConfig(max_iters=2000, warmup_iters=100, lr_decay_iters=2000, eval_interval=250, eval_iters=20).scaled()
    assert (cfg.max_iters, cfg.warmup_iters, cfg.lr_decay_iters, cfg.eval_iters) == (20, 1, 20, 2)
    assert cfg.eval_interval == 20  # evaluated at the start and at the end only
    assert TrainConfig(max_iters=600, eval_interval=10, eval_iters=1).scaled().eval_interval == 10
    monkeypatch.setenv("COURSE_FAST", "0")
    assert not fast_mode() and TrainConfig(max_iters=300).scaled().max_iters == 300
    monkeypatch.setenv("COURSE_FAST", "yes")
    with pytest.raises(ValueError, match="COURSE_FAST must be '1'"):
        fast_mode()


# --- optimizer ----------------------------------------------------------------------------------------

class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.ln = nn.LayerNorm(6)
        self.lstm = nn.LSTM(6, 6, batch_first=True)
        self.lin = nn.Linear(6, 6)
        self.head = nn.Linear(6, 10, bias=False)
        self.head.weight = self.emb.weight  # tied
        self.frozen = nn.Linear(6, 6)
        self.frozen.requires_grad_(False)


def test_weight_decay_groups():
    model = Mixed()
    opt = configure_optimizer(model, weight_decay=0.1, lr=1e-3, betas=(0.9, 0.95))
    by_id = {id(p): name for name, p in model.named_parameters()}  # tied weight listed once
    groups = {g["weight_decay"]: sorted(by_id[id(p)] for p in g["params"]) for g in opt.param_groups}
    assert groups == {
        0.1: ["emb.weight", "lin.weight", "lstm.weight_hh_l0", "lstm.weight_ih_l0"],
        0.0: ["lin.bias", "ln.bias", "ln.weight", "lstm.bias_hh_l0", "lstm.bias_ih_l0"],
    }
    assert isinstance(opt, torch.optim.AdamW)
    assert all(g["lr"] == 1e-3 and tuple(g["betas"]) == (0.9, 0.95) for g in opt.param_groups)


def test_optimizer_step_equals_plain_adamw():
    a, b = Mixed(), Mixed()
    b.load_state_dict(a.state_dict())
    opt_a = configure_optimizer(a, 0.1, 1e-2)
    decayed = [p for p in b.parameters() if p.requires_grad and p.dim() >= 2]
    other = [p for p in b.parameters() if p.requires_grad and p.dim() < 2]
    opt_b = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                              lr=1e-2, betas=(0.9, 0.99), foreach=False)
    x = torch.randint(0, 10, (3, 4))
    for model, opt in ((a, opt_a), (b, opt_b)):
        for _ in range(3):
            out, _ = model.lstm(model.ln(model.emb(x)))
            loss = model.head(model.lin(out)).square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(p, q, msg=name)


def test_optimizer_without_trainable_parameters():
    with pytest.raises(ValueError, match="no trainable parameters"):
        configure_optimizer(nn.Linear(2, 2).requires_grad_(False), 0.1, 1e-3)


# --- training ------------------------------------------------------------------------------------------

def test_loss_decreases_on_a_tiny_task():
    model = tiny_model()
    history = train(model, tiny_task(), quiet(max_iters=150, eval_interval=50))
    assert history.iters == [0, 50, 100, 150]
    assert history.val_loss[0] > 1.4        # about ln 5 = 1.61 at the start
    assert history.val_loss[-1] < 0.2       # the pattern is learnt
    assert len(history.loss) == len(history.lr) == len(history.grad_norm) == 150
    assert history.lr[:3] == pytest.approx([lr_at(i, quiet(max_iters=150)) for i in range(3)])
    assert history.elapsed == sorted(history.elapsed) and history.seconds >= history.elapsed[-1]
    assert "150 iterations" in repr(history)


def test_wall_time_counts_the_evaluations_and_callbacks_that_training_time_leaves_out():
    def slow_callback(it, model, history):
        time.sleep(0.2)

    history = train(tiny_model(), tiny_task(), quiet(max_iters=6, eval_interval=2), callback=slow_callback)
    assert history.iters == [0, 2, 4, 6] and len(history.wall) == len(history.elapsed) == 4
    assert history.wall == sorted(history.wall) and history.seconds >= history.wall[-1]
    for k, (wall, trained) in enumerate(zip(history.wall, history.elapsed)):
        assert wall - trained >= 0.2 * k - 1e-3, (k, wall, trained)  # the k callbacks before it are counted


def test_gradient_clipping_is_applied():
    norms_at_step = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        norms_at_step.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

    for clip in (0.05, 0.0):
        norms_at_step.clear()
        model = tiny_model()
        opt = configure_optimizer(model, 0.1, 1e-2)
        opt.register_step_pre_hook(record)
        history = train(model, tiny_task(), quiet(max_iters=20, grad_clip=clip), optimizer=opt)
        assert len(norms_at_step) == 20
        if clip:
            assert max(history.grad_norm) > 4 * clip   # the raw gradients are larger ...
            assert max(norms_at_step) <= clip * 1.0001  # ... and the optimizer only saw clipped ones
        else:
            assert norms_at_step == pytest.approx(history.grad_norm, rel=1e-4)


def test_estimate_loss_is_the_mean_over_batches_without_dropout():
    torch.manual_seed(0)
    model = CharLSTM(CharLSTMConfig(vocab_size=5, n_embd=8, hidden_size=16, n_layers=2, dropout=0.5)).train()
    got = estimate_loss(model, tiny_task(seed=4), eval_iters=3)
    assert model.training
    get_batch = tiny_task(seed=4)
    model.eval()
    want = {}
    with torch.no_grad():
        for split in ("train", "val"):
            losses = []
            for _ in range(3):
                x, y = get_batch(split)
                logits = model(x)[0]
                losses.append(nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten()).item())
            want[split] = sum(losses) / 3
    assert got == pytest.approx(want, rel=1e-5)


def test_callback_runs_at_each_evaluation_and_time_limit_stops():
    seen = []
    history = train(tiny_model(), tiny_task(), quiet(max_iters=25, eval_interval=10),
                    callback=lambda it, model, h: seen.append((it, len(h.val_loss), isinstance(model, CharLSTM))))
    assert seen == [(0, 1, True), (10, 2, True), (20, 3, True), (25, 4, True)]
    assert history.iters == [0, 10, 20, 25]
    stopped = train(tiny_model(), tiny_task(), quiet(max_iters=1000, max_seconds=0.0))
    assert stopped.iters == [0, 1] and len(stopped.loss) == 1


def test_train_errors():
    with pytest.raises(TypeError, match=r"get_batch\('train'\) must return \(x, y\)"):
        train(tiny_model(), lambda split: torch.zeros(2, 3), quiet())
    with pytest.raises(TypeError, match=r"callable as model\(x, targets\).*Linear.forward\(input.*does not take targets"):
        train(nn.Linear(3, 3), tiny_task(), quiet())

    class NoLoss(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x, targets=None):
            return x.float() * self.w

    with pytest.raises(TypeError, match=r"must return \(logits, loss\).*got Tensor"):
        train(NoLoss(), tiny_task(), quiet())
    with pytest.raises(TypeError, match="get_batch must be a function"):
        train(tiny_model(), "batches", quiet())


# --- checkpoints -------------------------------------------------------------------------------------

class TiedLM(nn.Module):
    """Embedding and output layer share one matrix, as in GPT-2."""

    def __init__(self, vocab_size=7, dim=6):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, dim)
        self.mix = nn.Linear(dim, dim)
        self.lm_head = nn.Linear(dim, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx, targets=None):
        logits = self.lm_head(torch.tanh(self.mix(self.wte(idx))))
        loss = None if targets is None else nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
        return logits, loss


def test_checkpoint_round_trip_with_optimizer(tmp_path):
    model = tiny_model(seed=1)
    get_batch = tiny_task()
    opt = configure_optimizer(model, 0.1, 1e-2)
    train(model, get_batch, quiet(max_iters=10), optimizer=opt)
    path = tmp_path / "lstm.safetensors"
    save_checkpoint(path, model, opt, config=model.config, step=10)

    restored = tiny_model(seed=2)
    restored_opt = configure_optimizer(restored, 0.1, 1e-2)
    info = load_checkpoint(path, restored, restored_opt)
    assert info == {"config": dataclasses.asdict(model.config), "step": 10}
    x = torch.randint(0, 5, (3, 9))
    torch.testing.assert_close(restored(x)[0], model(x)[0], rtol=0, atol=0)
    # The optimizer state came back too: continuing gives the same weights.
    cont = quiet(max_iters=5, warmup_iters=0, seed=3)
    train(model, tiny_task(seed=5), cont, optimizer=opt)
    train(restored, tiny_task(seed=5), cont, optimizer=restored_opt)
    for p, q in zip(model.parameters(), restored.parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_checkpoint_keeps_tied_weights(tmp_path):
    torch.manual_seed(0)
    model = TiedLM()
    path = tmp_path / "tied.safetensors"
    save_checkpoint(path, model, config={"vocab_size": 7})
    torch.manual_seed(1)
    restored = TiedLM()
    assert load_checkpoint(path, restored)["config"] == {"vocab_size": 7}
    assert restored.lm_head.weight is restored.wte.weight
    x = torch.randint(0, 7, (2, 5))
    torch.testing.assert_close(restored(x)[0], model(x)[0], rtol=0, atol=0)
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        assert sorted(f.keys()) == ["model.mix.bias", "model.mix.weight", "model.wte.weight"]


def test_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.safetensors", tiny_model())
    path = tmp_path / "m.safetensors"
    save_checkpoint(path, tiny_model(vocab_size=5))
    with pytest.raises(ValueError, match=r"does not fit this model.*shape mismatches \['embedding.weight: file \(5, 8\), model \(6, 8\)"):
        load_checkpoint(path, tiny_model(vocab_size=6))
    with pytest.raises(ValueError, match="holds no optimizer state"):
        model = tiny_model()
        load_checkpoint(path, model, configure_optimizer(model, 0.1, 1e-3))
    from safetensors.torch import save_file
    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="not one written by course.train.save_checkpoint"):
        load_checkpoint(tmp_path / "other.safetensors", tiny_model())


# --- distributed: torchrun with 2 processes equals 1 process on the same global batch ----------------

DDP_SCRIPT = textwrap.dedent("""
    import json, sys, torch
    from course.data import RandomWindows
    from course.lstm import CharLSTM, CharLSTMConfig
    from course.train import TrainConfig, train

    def run():
        data = torch.arange(300) * 7 % 11
        batches = {"train": RandomWindows(data, 6, 8, seed=0), "val": RandomWindows(data, 6, 8, seed=1)}
        torch.manual_seed(0)
        model = CharLSTM(CharLSTMConfig(vocab_size=11, n_embd=8, hidden_size=12, n_layers=2))
        cfg = TrainConfig(max_iters=12, learning_rate=3e-2, warmup_iters=2, eval_interval=6, eval_iters=2,
                          grad_clip=0.5, progress=False)
        history = train(model, lambda split: batches[split].sample(), cfg)
        return model, history

    if __name__ == "__main__":
        import atexit
        import torch.distributed as dist
        # (registered first, so it runs last: after what train() registered when it joined the group)
        def gloo_threads():  # gloo's worker threads still running in this process (Linux names them)
            import os
            tasks = f"/proc/{os.getpid()}/task"
            return sum("gloo" in open(f"{tasks}/{t}/comm").read() for t in os.listdir(tasks))
        atexit.register(lambda: print(f"at exit, still in the group: {dist.is_initialized()}, "
                                      f"gloo threads: {gloo_threads()}", flush=True))
        model, history = run()
        print(f"rank {dist.get_rank()}: trained", flush=True)
        if dist.get_rank() == 0:
            json.dump({"loss": history.loss, "val_loss": history.val_loss, "train_loss": history.train_loss,
                       "params": {k: v.tolist() for k, v in model.state_dict().items()}}, open(sys.argv[1], "w"))
        # no teardown here: a script that leaves the group to train() must exit cleanly too
""")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_processes_equal_one_process(tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_SCRIPT)
    out = tmp_path / "rank0.json"
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    # A rank that dies prints where every thread of its Python was (an abort in C++ says nothing else).
    # The rare SIGABRT under load ("terminate called without an active exception") came from a gloo
    # thread that outlived the group and freed a tensor during Python's finalization: train() now
    # leaves the group at exit and gloo's threads end with it (course.train._leave_group).
    env["PYTHONFAULTHANDLER"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           f"--master_port={free_port()}", str(script), str(out)]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-2000:] + result.stderr)[-6000:]
    # train() left the group it joined, in both processes, and gloo's threads ended with it: a gloo
    # thread alive at the interpreter's exit can abort the process (SIGABRT), rarely and only under load
    assert result.stdout.count("at exit, still in the group: False, gloo threads: 0") == 2, result.stdout[-2000:]
    ddp = json.loads(out.read_text())

    namespace = {}
    exec(compile(DDP_SCRIPT, "ddp_run", "exec"), namespace)  # the same run, in this one process
    model, history = namespace["run"]()
    assert ddp["loss"] == pytest.approx(history.loss, rel=1e-4)
    assert ddp["val_loss"] == pytest.approx(history.val_loss, rel=1e-4)
    assert ddp["train_loss"] == pytest.approx(history.train_loss, rel=1e-4)
    assert history.loss[-1] < history.loss[0] - 0.1  # it did train
    for name, value in model.state_dict().items():
        torch.testing.assert_close(torch.tensor(ddp["params"][name]), value, rtol=1e-4, atol=1e-5, msg=name)


CRASH_SCRIPT = textwrap.dedent("""
    import torch
    from course.data import RandomWindows
    from course.lstm import CharLSTM, CharLSTMConfig
    from course.train import TrainConfig, train

    def boom(it, model, history):  # rank 0 only: rank 1 goes on into the next step's all-reduce
        if it == 4:
            raise ValueError("boom in the callback")

    data = torch.arange(300) * 7 % 11
    batches = {"train": RandomWindows(data, 6, 8, seed=0), "val": RandomWindows(data, 6, 8, seed=1)}
    model = CharLSTM(CharLSTMConfig(vocab_size=11, n_embd=8, hidden_size=12, n_layers=1))
    train(model, lambda split: batches[split].sample(),
          TrainConfig(max_iters=400, eval_interval=4, eval_iters=1, progress=False), callback=boom)
""")


def test_a_torchrun_process_that_fails_in_train_ends_the_run_instead_of_waiting_for_its_peer(tmp_path):
    # At exit, train() leaves the group without a barrier when the loop failed: a barrier would wait
    # for the peer, itself waiting in the loop's all-reduce, until gloo's 30-minute timeout.
    script = tmp_path / "crash.py"
    script.write_text(CRASH_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           f"--master_port={free_port()}", str(script)]
    try:
        result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung after rank 0 failed (300 s): its exit waited for rank 1")
    assert result.returncode != 0
    assert "ValueError: boom in the callback" in result.stderr, result.stderr[-3000:]


# --- plots ---------------------------------------------------------------------------------------------

def fake_history(offset=0.0):
    return History(iters=[0, 10, 20], train_loss=[4.0 + offset, 2.0, 1.5], val_loss=[4.1 + offset, 2.2, 1.8],
                   elapsed=[0.0, 1.5, 3.0])


def test_plot_history_draws_train_and_val_curves():
    import matplotlib.pyplot as plt

    from course.plots import plot_history
    fig = plot_history(fake_history(), title="lesson 04", logy=True)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["train"].get_xdata()) == [0, 10, 20]
    assert list(lines["train"].get_ydata()) == [4.0, 2.0, 1.5]
    assert list(lines["validation"].get_ydata()) == [4.1, 2.2, 1.8]
    assert ax.get_title() == "lesson 04" and ax.get_yscale() == "log"
    assert fig.number not in plt.get_fignums()  # closed in pyplot: a notebook shows it once, as the value
    fig2, ax2 = plt.subplots()
    assert plot_history(fake_history(), ax=ax2) is fig2
    assert "1.800" in ax2.get_title()
    assert fig2.number in plt.get_fignums()  # a figure the caller made stays theirs
    plt.close("all")


def test_plot_losses_vs_time():
    import matplotlib.pyplot as plt

    from course.plots import plot_losses_vs_time
    fig = plot_losses_vs_time({"LSTM": fake_history(), "GPT": fake_history(1.0)})
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == {"LSTM", "GPT"}
    assert list(lines["GPT"].get_xdata()) == [0.0, 1.5, 3.0]
    assert list(lines["GPT"].get_ydata()) == [5.1, 2.2, 1.8]
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_losses_vs_time({})
    with pytest.raises(TypeError, match=r"histories\['x'\] must be a course.train.History"):
        plot_losses_vs_time({"x": [1, 2]})
    with pytest.raises(ValueError, match="no evaluations to plot"):
        plot_losses_vs_time({"x": History()})
    plt.close("all")


def test_plot_race_puts_models_on_equal_terms_and_zooms_on_the_gap():
    import matplotlib.pyplot as plt
    from matplotlib.colors import same_color

    from course.plots import plot_race
    bigram = History(iters=[0, 100, 200], train_loss=[4.4, 2.6, 2.5], val_loss=[4.5, 2.6, 2.5], elapsed=[0, 1, 2])
    lstm = History(iters=[0, 10, 20, 30, 40], train_loss=[4.4] * 5, val_loss=[4.4, 2.0, 1.70, 1.60, 1.52],
                   elapsed=[0, 5, 10, 15, 20])
    gpt = History(iters=[0, 10, 20, 30, 40], train_loss=[4.4] * 5, val_loss=[4.4, 2.1, 1.75, 1.62, 1.55],
                  elapsed=[0, 3, 6, 9, 12])
    fig = plot_race({"bigram": bigram, "LSTM": lstm, "GPT": gpt}, {"bigram": 8, "LSTM": 64, "GPT": 64},
                    zoom=["LSTM", "GPT"], zoom_from=0.5)
    left, right = fig.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    assert left.get_xscale() == "log"
    # x is characters read: iterations × characters per iteration, iteration 0 left out of the log axis
    assert list(lines["bigram"].get_xdata()) == [800, 1600] and list(lines["bigram"].get_ydata()) == [2.6, 2.5]
    assert list(lines["GPT"].get_xdata()) == [640, 1280, 1920, 2560]
    # the zoom shows the last half of the LSTM and the GPT only, the y axis fitted to them
    zoomed = right.get_lines()
    assert len(zoomed) == 2
    assert [list(z.get_xdata()) for z in zoomed] == [[1280, 1920, 2560]] * 2
    assert [list(z.get_ydata()) for z in zoomed] == [[1.70, 1.60, 1.52], [1.75, 1.62, 1.55]]
    low, high = right.get_ylim()
    assert 1.45 < low < 1.52 and 1.75 < high < 1.85, (low, high)
    assert [t.get_text() for t in right.texts] == ["1.520", "1.550"]  # the final losses, written at the end
    # same colour for a model in both panels; the legend is the figure's, below the panels, not on an axes
    assert same_color(zoomed[1].get_color(), lines["GPT"].get_color())
    assert left.get_legend() is None and right.get_legend() is None
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["bigram", "LSTM", "GPT"]
    assert fig.number not in plt.get_fignums()
    assert len(plot_race({"GPT": gpt}, {"GPT": 64}).axes) == 1  # no zoom: one panel
    with pytest.raises(ValueError, match="no entry for \\['GPT'\\]"):
        plot_race({"GPT": gpt}, {})
    with pytest.raises(ValueError, match="zoom names \\['LSTM'\\]"):
        plot_race({"GPT": gpt}, {"GPT": 64}, zoom=["LSTM"])
    with pytest.raises(ValueError, match="zoom_from"):
        plot_race({"GPT": gpt}, {"GPT": 64}, zoom=["GPT"], zoom_from=1.0)
    with pytest.raises(ValueError, match="no evaluations to plot"):
        plot_race({"x": History()}, {"x": 64})
    plt.close("all")


def test_gpt_trains_and_round_trips_through_a_checkpoint(tmp_path):
    from course.gpt import GPT, GPTConfig

    torch.manual_seed(0)
    config = GPTConfig(vocab_size=5, block_size=8, n_layer=2, n_head=2, n_embd=16)
    model = GPT(config)
    history = train(model, tiny_task(), quiet(max_iters=60, eval_interval=30))
    assert history.val_loss[-1] < history.val_loss[0] - 0.5
    path = tmp_path / "gpt.safetensors"
    save_checkpoint(path, model, config=config, step=60)
    torch.manual_seed(1)
    restored = GPT(config)
    assert load_checkpoint(path, restored) == {"config": dataclasses.asdict(config), "step": 60}
    assert restored.lm_head.weight is restored.transformer.wte.weight
    x = torch.randint(0, 5, (2, 8))
    torch.testing.assert_close(restored.eval()(x)[0], model.eval()(x)[0], rtol=0, atol=0)


# --- precision (bfloat16 autocast) ----------------------------------------------------------------------

def test_precision_is_checked_and_resolved():
    from course.train import native_bfloat16, resolve_precision
    with pytest.raises(ValueError, match="precision must be one of 'float32', 'bfloat16', 'auto', got 'fp16'"):
        TrainConfig(precision="fp16")
    assert resolve_precision("float32", "cpu") == "float32"
    assert resolve_precision("bfloat16", "cpu") == "bfloat16"
    assert resolve_precision("auto", "cpu") == ("bfloat16" if native_bfloat16("cpu") else "float32")


def test_bfloat16_training_learns_and_runs_forward_in_bfloat16():
    from course.gpt import GPT, GPTConfig
    seen = []

    class Spy(GPT):
        def forward(self, idx, targets=None):
            logits, loss = super().forward(idx, targets)
            seen.append(logits.dtype)
            return logits, loss

    torch.manual_seed(0)
    model = Spy(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=16, gelu_approximate="none"))
    history = train(model, tiny_task(), quiet(max_iters=60, eval_interval=30, precision="bfloat16"))
    assert history.precision == "bfloat16"
    assert set(seen) == {torch.bfloat16}  # evaluation and training both under autocast
    assert all(p.dtype == torch.float32 for p in model.parameters())  # the weights stay float32
    assert history.val_loss[0] > 1.4 and history.val_loss[-1] < 0.3
    plain = train(tiny_model(), tiny_task(), quiet(max_iters=2))
    assert plain.precision == "float32"


# --- float32 linear layers on oneDNN --------------------------------------------------------------

needs_onednn = pytest.mark.skipif(not __import__("course.train").train.onednn_available(),
                                  reason="this PyTorch has no oneDNN linear for dense tensors (not x86)")


@needs_onednn
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("bias", [True, False])
def test_onednn_linear_equals_linear_in_float64(seed, bias):
    from course.train import OneDNNLinear
    g = torch.Generator().manual_seed(seed)
    batch, rows, n_in, n_out = (int(n) for n in torch.randint(2, 70, (4,), generator=g))
    x = torch.randn(rows, batch, n_in, generator=g).transpose(0, 1)  # (B, T, in), not contiguous
    w, b = torch.randn(n_out, n_in, generator=g), torch.randn(n_out, generator=g) if bias else None
    up = torch.randn(batch, rows, n_out, generator=g)  # the gradient that flows back
    leaves = [t.clone().requires_grad_() for t in (x, w, b) if t is not None]
    ours = OneDNNLinear.apply(*leaves, None) if not bias else OneDNNLinear.apply(*leaves)
    (ours * up).sum().backward()
    exact = [t.double().requires_grad_() for t in (x, w, b) if t is not None]
    want = torch.nn.functional.linear(*exact)
    (want * up.double()).sum().backward()
    torch.testing.assert_close(ours.double(), want, rtol=1e-5, atol=1e-4)
    for name, got, ref in zip(("x", "weight", "bias"), leaves, exact):
        torch.testing.assert_close(got.grad.double(), ref.grad, rtol=1e-5, atol=1e-4, msg=name)


@needs_onednn
def test_onednn_mode_takes_only_large_float32_products_that_need_a_gradient():
    from course.train import LINEAR_MIN_MACS, OneDNNLinears
    big, small = nn.Linear(128, 512), nn.Linear(8, 8)
    x = torch.randn(2, 64, 128, requires_grad=True)  # 128 x 128 x 512 multiply-adds
    assert x.numel() * 512 >= LINEAR_MIN_MACS > 8 * 8 * 8
    with OneDNNLinears():
        assert type(big(x).grad_fn).__name__ == "OneDNNLinearBackward"
        assert type(small(torch.randn(8, 8)).grad_fn).__name__ != "OneDNNLinearBackward"
        with torch.no_grad():
            inference = big(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert big(x).dtype == torch.bfloat16  # autocast's own path, untouched
        assert type(big.double()(x.double()).grad_fn).__name__ != "OneDNNLinearBackward"
    assert inference.grad_fn is None
    assert type(big.float()(x).grad_fn).__name__ != "OneDNNLinearBackward"  # outside the mode: PyTorch's own


@needs_onednn
def test_float32_training_runs_on_onednn_and_follows_pytorch_linear(monkeypatch):
    import course.train as course_train
    from course.gpt import GPT, GPTConfig
    calls, original = [], course_train.OneDNNLinear

    class Counted(original):
        @staticmethod
        def forward(ctx, x, weight, bias):
            calls.append(tuple(x.shape))
            return original.forward(ctx, x, weight, bias)

    config = GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=64, gelu_approximate="none")
    histories = []
    for onednn in (True, False):
        monkeypatch.setattr(course_train, "OneDNNLinear", Counted)
        monkeypatch.setattr(course_train, "prefer_onednn", lambda: onednn)
        torch.manual_seed(0)
        histories.append(train(GPT(config), tiny_task(batch_size=64), quiet(max_iters=12, precision="float32")))
        assert bool(calls) == onednn
        calls.clear()
    ours, plain = histories
    assert ours.precision == plain.precision == "float32"
    torch.testing.assert_close(ours.loss, plain.loss, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(ours.val_loss, plain.val_loss, rtol=1e-4, atol=1e-5)


def test_onednn_only_where_mkl_is_not_tuned(monkeypatch):
    import course.train as course_train
    amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
    intel = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n"
    assert course_train.cpu_vendor(amd) == "AuthenticAMD" and course_train.cpu_vendor(intel) == "GenuineIntel"
    assert course_train.cpu_vendor("processor\t: 0\nBogoMIPS\t: 50.00\n") == ""  # an arm64 machine's
    monkeypatch.setattr(course_train, "onednn_available", lambda: True)
    for vendor, wanted in (("AuthenticAMD", True), ("GenuineIntel", False), ("", False)):
        monkeypatch.setattr(course_train, "cpu_vendor", lambda: vendor)
        assert course_train.prefer_onednn() is wanted, vendor
        assert isinstance(course_train._float32_context("cpu"), course_train.OneDNNLinears) is wanted, vendor
    monkeypatch.setattr(course_train, "onednn_available", lambda: False)
    monkeypatch.setattr(course_train, "cpu_vendor", lambda: "AuthenticAMD")
    assert not course_train.prefer_onednn()
