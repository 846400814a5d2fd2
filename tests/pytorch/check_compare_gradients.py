#!/usr/bin/python3
"""Checks compare_gradients' .npy file contract against PyTorch.

For each cell (rnn_tanh, rnn_relu, lstm, gru) and a few shapes, this writes random float64
inputs and weights as .npy files, runs

    compare_gradients --cell CELL --npy-in DIR/in --npy-out DIR/out

computes the same with torch.nn.RNN / LSTM / GRU (float64, single layer, batch_first=False,
L = sum(gy * y)), and checks y and every gradient, the tape's and the hand-derived (manual_)
ones, to a relative error of 1e-10, where relative error is max|ours - torch| / max|torch| per
array. It also checks that bad input files (missing, mis-shaped, float32, Fortran order)
make the tool exit non-zero with one line naming the file and both shapes.

    /usr/bin/python3 tests/pytorch/check_compare_gradients.py build/examples/compare_gradients
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
SHAPES = [(5, 3, 4, 6), (1, 1, 1, 1), (50, 2, 3, 4), (7, 4, 1, 2)]  # (T, B, D, H)
GRADIENTS = ["grad_x", "grad_h0", "grad_c0", "grad_weight_ih", "grad_weight_hh",
             "grad_bias_ih", "grad_bias_hh"]


def torch_module(cell, D, H):
    if cell in ("rnn_tanh", "rnn_relu"):
        return torch.nn.RNN(D, H, nonlinearity=cell[4:], batch_first=False)
    if cell == "lstm":
        return torch.nn.LSTM(D, H, batch_first=False)
    return torch.nn.GRU(D, H, batch_first=False)


def make_inputs(cell, T, B, D, H, rng):
    G = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}[cell]
    bound = 1 / np.sqrt(H)
    inputs = {
        "x": rng.uniform(-1, 1, (T, B, D)),
        "h0": rng.uniform(-1, 1, (B, H)),
        "weight_ih": rng.uniform(-bound, bound, (G * H, D)),
        "weight_hh": rng.uniform(-bound, bound, (G * H, H)),
        "bias_ih": rng.uniform(-bound, bound, (G * H,)),
        "bias_hh": rng.uniform(-bound, bound, (G * H,)),
        "gy": rng.uniform(-1, 1, (T, B, H)),
    }
    if cell == "lstm":
        inputs["c0"] = rng.uniform(-1, 1, (B, H))
    return inputs


def torch_reference(cell, inputs):
    T, B, D = inputs["x"].shape
    H = inputs["weight_hh"].shape[1]
    module = torch_module(cell, D, H).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(module, name + "_l0").copy_(torch.from_numpy(inputs[name]))
    x = torch.from_numpy(inputs["x"]).requires_grad_()
    h0 = torch.from_numpy(inputs["h0"]).unsqueeze(0).requires_grad_()
    if cell == "lstm":
        c0 = torch.from_numpy(inputs["c0"]).unsqueeze(0).requires_grad_()
        y, _ = module(x, (h0, c0))
    else:
        y, _ = module(x, h0)
    (y * torch.from_numpy(inputs["gy"])).sum().backward()
    out = {"y": y.detach().numpy(), "grad_x": x.grad.numpy(), "grad_h0": h0.grad[0].numpy()}
    if cell == "lstm":
        out["grad_c0"] = c0.grad[0].numpy()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        out["grad_" + name] = getattr(module, name + "_l0").grad.numpy()
    return out


def relative_error(ours, reference):
    if ours.shape != reference.shape:
        return float("inf")
    return float(np.max(np.abs(ours - reference), initial=0.0) /
                 max(np.max(np.abs(reference), initial=0.0), 1e-300))


def run(binary, cell, in_dir, out_dir):
    return subprocess.run([binary, "--cell", cell, "--npy-in", in_dir, "--npy-out", out_dir],
                          capture_output=True, text=True, timeout=120)


def write_inputs(directory, inputs):
    os.makedirs(directory, exist_ok=True)
    for name, value in inputs.items():
        np.save(os.path.join(directory, name + ".npy"), value)


def check_values(binary, work, tolerance):
    """Returns the failures; prints the worst error per cell and array."""
    failures = []
    rng = np.random.default_rng(20240613)
    worst = {}
    for cell in CELLS:
        for T, B, D, H in SHAPES:
            inputs = make_inputs(cell, T, B, D, H, rng)
            case = f"{cell} T={T} B={B} D={D} H={H}"
            in_dir = os.path.join(work, f"{cell}_{T}_{B}_{D}_{H}", "in")
            out_dir = os.path.join(work, f"{cell}_{T}_{B}_{D}_{H}", "out")
            write_inputs(in_dir, inputs)
            result = run(binary, cell, in_dir, out_dir)
            if result.returncode != 0:
                failures.append(f"{case}: exit {result.returncode}: {result.stderr.strip()}")
                continue
            reference = torch_reference(cell, inputs)
            for name, expected in reference.items():
                for prefix in ("", "manual_"):
                    path = os.path.join(out_dir, prefix + name + ".npy")
                    if not os.path.exists(path):
                        failures.append(f"{case}: {prefix + name}.npy was not written")
                        continue
                    ours = np.load(path)
                    error = relative_error(ours, expected)
                    key = (cell, prefix + name)
                    worst[key] = max(worst.get(key, 0.0), error)
                    if not error <= tolerance:
                        failures.append(f"{case}: {prefix + name}: relative error {error:.3g} "
                                        f"(shape {ours.shape} vs torch {expected.shape})")
            leftovers = [f for f in os.listdir(out_dir) if ".tmp." in f]
            if leftovers:
                failures.append(f"{case}: temporary files left behind: {leftovers}")
    print(f"worst relative error against torch (max|ours-torch|/max|torch|), shapes {SHAPES}:")
    for cell in CELLS:
        row = [(name, worst[(cell, name)]) for (c, name) in worst if c == cell]
        tape = max(e for n, e in row if not n.startswith("manual_"))
        manual = max(e for n, e in row if n.startswith("manual_"))
        print(f"  {cell:<9} tape {tape:.2e}   manual {manual:.2e}")
    return failures


def check_errors(binary, work):
    """Bad input files: exit non-zero with one line naming the file and both shapes."""
    failures = []
    rng = np.random.default_rng(1)
    base = make_inputs("lstm", 3, 2, 4, 5, rng)
    cases = [
        ("missing c0.npy", "c0", None, "c0.npy", ["(2,5)", "no such file"]),
        ("mis-shaped h0.npy", "h0", rng.uniform(size=(5, 2)), "h0.npy", ["(2,5)", "(5,2)"]),
        ("mis-shaped x.npy", "x", rng.uniform(size=(3, 2)), "x.npy", ["(T,B,D)", "(3,2)"]),
        ("weight_hh.npy not (4*H,H)", "weight_hh", rng.uniform(size=(12, 5)), "weight_hh.npy",
         ["(4*H,H)", "(12,5)"]),
        ("float32 gy.npy", "gy", base["gy"].astype(np.float32), "gy.npy", ["(3,2,5)", "<f4"]),
        ("Fortran-order weight_ih.npy", "weight_ih", np.asfortranarray(base["weight_ih"]),
         "weight_ih.npy", ["(20,4)", "Fortran"]),
        ("bias_ih.npy cut in its header", "bias_ih", b"cut", "bias_ih.npy", ["(20,)"]),
        ("bias_hh.npy cut in its data", "bias_hh", base["bias_hh"][:-1], "bias_hh.npy",
         ["(20,)", "152 data bytes instead of 160"]),
    ]
    for number, (what, name, value, file, needles) in enumerate(cases):
        in_dir = os.path.join(work, f"bad{number}", "in")
        inputs = dict(base)
        del inputs[name]
        write_inputs(in_dir, inputs)
        path = os.path.join(in_dir, name + ".npy")
        if isinstance(value, bytes):
            with open(path, "wb") as f:
                f.write(np.lib.format.magic(1, 0) + value)
        elif value is not None:
            np.save(path, value)
            if name == "bias_hh":  # the header of a (20,) array over 19 values' data
                with open(path, "rb") as f:
                    data = f.read()
                with open(path, "wb") as f:
                    f.write(data.replace(b"(19,)", b"(20,)"))
        result = run(binary, "lstm", in_dir, os.path.join(work, f"bad{number}", "out"))
        message = result.stderr.strip()
        ok = (result.returncode > 0 and len(message.splitlines()) == 1 and file in message
              and all(n in message for n in needles))
        print(f"  {what:<28} exit {result.returncode}: {message}")
        if not ok:
            failures.append(f"{what}: exit {result.returncode}, stderr {result.stderr!r}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", help="path to build/examples/compare_gradients")
    parser.add_argument("--tolerance", type=float, default=1e-10)
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    with tempfile.TemporaryDirectory() as work:
        failures = check_values(os.path.abspath(args.binary), work, args.tolerance)
        print("bad input files:")
        failures += check_errors(os.path.abspath(args.binary), work)
    for failure in failures:
        print("FAIL", failure)
    print("FAILED" if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
