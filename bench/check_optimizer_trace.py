#!/usr/bin/python3
"""Compares examples/optimizer_trace with torch.optim on identical random gradients.

    /usr/bin/python3 bench/check_optimizer_trace.py [--binary build/examples/optimizer_trace]

For each optimizer and several flag combinations it writes a random p0.npy (P) and
grads.npy (N, P) (one row all zeros: a zero gradient is still a step), replays them through
torch.optim (float64, PyTorch's defaults for every flag not given, clip_grad_norm_ before the
step for --clip-norm) and through the binary, and prints the largest absolute difference of
the trajectories. Then it checks that bad input fails cleanly: a one-line message on stderr,
a non-zero exit code, no crash. Exits 1 if any difference reaches --tolerance (1e-12) or any
error case misbehaves.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

# (optimizer, flags) pairs; flags use the binary's names, mapped to torch's below.
CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight-decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight-decay": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "clip-norm": 1.0}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr-decay": 0.05}),
    ("adagrad", {"lr": 0.1, "weight-decay": 0.1, "initial-accumulator": 0.5, "eps": 1e-6}),
    ("adagrad", {"lr": 0.5, "clip-norm": 0.5}),
    ("rmsprop", {}),
    ("rmsprop", {"alpha": 0.9, "eps": 1e-6}),
    ("rmsprop", {"centered": True}),
    ("rmsprop", {"momentum": 0.5, "weight-decay": 0.05}),
    ("rmsprop", {"lr": 0.001, "centered": True, "momentum": 0.9, "weight-decay": 0.1}),
    ("adam", {}),
    ("adam", {"lr": 0.01, "beta1": 0.5, "beta2": 0.9}),
    ("adam", {"lr": 0.01, "weight-decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "amsgrad": True, "weight-decay": 0.05, "eps": 1e-3, "clip-norm": 2.0}),
    ("adamw", {}),
    ("adamw", {"lr": 0.01, "weight-decay": 0.1}),
    ("adamw", {"lr": 0.01, "amsgrad": True, "beta2": 0.99}),
    ("adamw", {"lr": 0.01, "weight-decay": 0.0, "clip-norm": 1.5}),
]

TORCH_NAMES = {
    "weight-decay": "weight_decay",
    "lr-decay": "lr_decay",
    "initial-accumulator": "initial_accumulator_value",
}


def torch_trajectory(optimizer, flags, p0, grads):
    kwargs = {}
    for name, value in flags.items():
        if name in ("clip-norm", "beta1", "beta2"):
            continue
        kwargs[TORCH_NAMES.get(name, name)] = value
    if "beta1" in flags or "beta2" in flags:
        kwargs["betas"] = (flags.get("beta1", 0.9), flags.get("beta2", 0.999))
    param = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    make = {
        "sgd": torch.optim.SGD,
        "adagrad": torch.optim.Adagrad,
        "rmsprop": torch.optim.RMSprop,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
    }[optimizer]
    opt = make([param], **kwargs)
    rows = []
    for grad in grads:
        param.grad = torch.tensor(grad, dtype=torch.float64)
        if "clip-norm" in flags:
            torch.nn.utils.clip_grad_norm_([param], flags["clip-norm"])
        opt.step()
        rows.append(param.detach().clone().numpy())
    return np.stack(rows)


def command(binary, optimizer, flags, npy_in, npy_out):
    args = [binary, "--optimizer", optimizer, "--npy-in", npy_in, "--npy-out", npy_out]
    for name, value in flags.items():
        if value is True:
            args.append("--" + name)
        else:
            args += ["--" + name, repr(value)]
    return args


def compare(binary, tolerance, rng):
    worst = 0.0
    ok = True
    for optimizer, flags in CASES:
        p0 = rng.normal(size=7)
        grads = rng.normal(size=(25, 7)) * rng.choice([0.01, 1.0, 100.0], size=(25, 1))
        grads[3] = 0.0
        with tempfile.TemporaryDirectory() as work:
            np.save(os.path.join(work, "p0.npy"), p0)
            np.save(os.path.join(work, "grads.npy"), grads)
            run = subprocess.run(command(binary, optimizer, flags, work, work),
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f"FAIL {optimizer} {flags}: exit {run.returncode}: {run.stderr.strip()}")
                ok = False
                continue
            ours = np.load(os.path.join(work, "params.npy"))
        theirs = torch_trajectory(optimizer, flags, p0, grads)
        difference = float(np.max(np.abs(ours - theirs)))
        worst = max(worst, difference)
        verdict = "ok  " if difference < tolerance else "FAIL"
        ok = ok and difference < tolerance
        print(f"{verdict} {optimizer:8s} {str(flags):70s} max |diff| = {difference:.3e}")
    print(f"largest difference over {len(CASES)} cases: {worst:.3e} (tolerance {tolerance:g})")
    return ok


def check_errors(binary):
    """Bad input: exit code non-zero, one line on stderr (CLI11's own message for bad flags)."""
    ok = True
    with tempfile.TemporaryDirectory() as work:
        good_in = os.path.join(work, "good")
        os.mkdir(good_in)
        np.save(os.path.join(good_in, "p0.npy"), np.zeros(3))
        np.save(os.path.join(good_in, "grads.npy"), np.zeros((2, 3)))

        def directory(name, p0, grads):
            path = os.path.join(work, name)
            os.mkdir(path)
            for file, content in (("p0.npy", p0), ("grads.npy", grads)):
                if isinstance(content, bytes):
                    with open(os.path.join(path, file), "wb") as out:
                        out.write(content)
                elif content is not None:
                    np.save(os.path.join(path, file), content)
            return path

        truncated = np.lib.format.magic(1, 0) + b"\x10\x00{'descr': '<f8'"
        with open(os.path.join(good_in, "grads.npy"), "rb") as source:
            short_grads = source.read()[:-5]
        cases = [
            ("missing p0.npy", directory("missing", None, np.zeros((2, 3))), ["adam"], "p0.npy"),
            ("float32 p0.npy", directory("f32", np.zeros(3, np.float32), np.zeros((2, 3))),
             ["adam"], "p0.npy"),
            ("2-d p0.npy", directory("p0_2d", np.zeros((3, 1)), np.zeros((2, 3))), ["adam"],
             "p0.npy"),
            ("grads of the wrong width", directory("width", np.zeros(3), np.zeros((2, 4))),
             ["adam"], "grads.npy"),
            ("1-d grads.npy", directory("grads_1d", np.zeros(3), np.zeros(3)), ["adam"],
             "grads.npy"),
            ("int64 grads.npy", directory("grads_int", np.zeros(3), np.zeros((2, 3), np.int64)),
             ["adam"], "grads.npy"),
            ("truncated header", directory("header", truncated, np.zeros((2, 3))), ["adam"],
             "p0.npy"),
            ("truncated data", directory("data", np.zeros(3), short_grads), ["adam"],
             "grads.npy"),
            ("not an npy file", directory("text", b"hello", np.zeros((2, 3))), ["adam"], "p0.npy"),
            ("sgd without --lr", good_in, ["sgd"], "--lr"),
            ("flag of another optimizer", good_in, ["adam", "--momentum", "0.9"], "--momentum"),
            ("bad option value", good_in, ["adam", "--beta1", "1.5"], "beta1"),
        ]
        for label, npy_in, args, needle in cases:
            argv = [binary, "--optimizer", *args, "--npy-in", npy_in, "--npy-out",
                    os.path.join(work, "out")]
            run = subprocess.run(argv, capture_output=True, text=True)
            lines = run.stderr.strip().splitlines()
            good = run.returncode > 0 and len(lines) == 1 and needle in lines[0]
            ok = ok and good
            print(f"{'ok  ' if good else 'FAIL'} {label}: exit {run.returncode}: "
                  f"{run.stderr.strip()}")
        for label, argv in [
            ("unknown optimizer", [binary, "--optimizer", "lbfgs", "--npy-in", good_in,
                                   "--npy-out", work]),
            ("missing --npy-in", [binary, "--optimizer", "adam", "--npy-out", work]),
            ("non-numeric --lr", [binary, "--optimizer", "adam", "--lr", "fast", "--npy-in",
                                  good_in, "--npy-out", work]),
        ]:
            run = subprocess.run(argv, capture_output=True, text=True)
            good = run.returncode > 0 and run.stderr.strip() != ""
            ok = ok and good
            first = run.stderr.strip().splitlines()[0] if run.stderr.strip() else ""
            print(f"{'ok  ' if good else 'FAIL'} {label}: exit {run.returncode}: {first}")
        # A non-finite gradient norm under --clip-norm: the step is skipped and reported.
        skipping = directory("skip", np.ones(3), np.array([[1.0, 1, 1], [np.inf, 0, 0],
                                                           [1.0, 1, 1]]))
        run = subprocess.run(command(binary, "sgd", {"lr": 0.5, "clip-norm": 10.0}, skipping,
                                     skipping), capture_output=True, text=True)
        good = run.returncode == 0 and "step 1: gradient norm is inf, step skipped" in run.stderr
        if good:
            trajectory = np.load(os.path.join(skipping, "params.npy"))
            good = np.array_equal(trajectory, [[0.5] * 3, [0.5] * 3, [0.0] * 3])
        ok = ok and good
        print(f"{'ok  ' if good else 'FAIL'} non-finite norm with --clip-norm skips the step: "
              f"exit {run.returncode}: {run.stderr.strip()}")
        leftovers = [name for name in os.listdir(work) if ".tmp." in name]
        if leftovers:
            print(f"FAIL temporary files left behind: {leftovers}")
            ok = False
    return ok


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(root, "build", "examples",
                                                         "optimizer_trace"))
    parser.add_argument("--tolerance", type=float, default=1e-12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} is not built (ninja optimizer_trace), or pass --binary")
    torch.set_default_dtype(torch.float64)
    ok = compare(args.binary, args.tolerance, np.random.default_rng(args.seed))
    ok = check_errors(args.binary) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
