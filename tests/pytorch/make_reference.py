#!/usr/bin/env python3
"""Writes PyTorch reference outputs and gradients for tests/test_layers_pytorch.cpp.

Run with an interpreter that has torch and numpy (Debian's /usr/bin/python3 with
python3-torch):

    /usr/bin/python3 tests/pytorch/make_reference.py [OUT_DIR]

OUT_DIR defaults to tests/pytorch/data. Each case is a directory of float64 C-order .npy
files: the inputs (x, h0, c0, lengths), every parameter under its PyTorch name, the output
weights (gy, gh, gc), the outputs (y, h_n, c_n) and the gradients of
L = sum(gy * y) + sum(gh * h_n) + sum(gc * c_n) as grad_<input or parameter name>.
"""
import os
import sys

import numpy as np
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

T, B, D = 4, 3, 2
LENGTHS = [4, 2, 3]  # one full-length sequence, so the padded output is (T, B, ...)


def save(directory, arrays):
    os.makedirs(directory, exist_ok=True)
    for name, value in arrays.items():
        if isinstance(value, torch.Tensor):
            value = value.detach().numpy()
        np.save(os.path.join(directory, name + ".npy"), np.ascontiguousarray(value))


def cell_case(directory, cell, has_c):
    """A cell unrolled over T steps from a given state: y stacks h_1..h_T."""
    H = cell.hidden_size
    x = torch.randn(T, B, D, requires_grad=True)
    h0 = torch.randn(B, H, requires_grad=True)
    c0 = torch.randn(B, H, requires_grad=True)
    state = (h0, c0) if has_c else h0
    hs = []
    for t in range(T):
        state = cell(x[t], state)
        hs.append(state[0] if has_c else state)
    y = torch.stack(hs)
    gy = torch.randn_like(y)
    (gy * y).sum().backward()
    arrays = {"x": x, "h0": h0, "gy": gy, "y": y, "grad_x": x.grad, "grad_h0": h0.grad}
    if has_c:
        arrays.update({"c0": c0, "grad_c0": c0.grad})
    for name, parameter in cell.named_parameters():
        arrays[name] = parameter
        arrays["grad_" + name] = parameter.grad
    save(directory, arrays)


def layer_case(directory, layer, has_c):
    """A sequence layer over a padded batch of LENGTHS, packed as PyTorch wants it."""
    dirs = 2 if layer.bidirectional else 1
    H = layer.hidden_size
    H_out = layer.proj_size if getattr(layer, "proj_size", 0) else H
    x = torch.randn(T, B, layer.input_size, requires_grad=True)
    h0 = torch.randn(layer.num_layers * dirs, B, H_out, requires_grad=True)
    c0 = torch.randn(layer.num_layers * dirs, B, H, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(LENGTHS), enforce_sorted=False)
    if has_c:
        packed_y, (h_n, c_n) = layer(packed, (h0, c0))
    else:
        packed_y, h_n = layer(packed, h0)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_y, total_length=T)
    gy, gh = torch.randn_like(y), torch.randn_like(h_n)
    loss = (gy * y).sum() + (gh * h_n).sum()
    arrays = {"x": x, "h0": h0, "lengths": np.array(LENGTHS, dtype=np.int64), "gy": gy, "gh": gh,
              "y": y, "h_n": h_n}
    if has_c:
        gc = torch.randn_like(c_n)
        loss = loss + (gc * c_n).sum()
        arrays.update({"c0": c0, "gc": gc, "c_n": c_n})
    loss.backward()
    arrays.update({"grad_x": x.grad, "grad_h0": h0.grad})
    if has_c:
        arrays["grad_c0"] = c0.grad
    for name, parameter in layer.named_parameters():
        arrays[name] = parameter
        arrays["grad_" + name] = parameter.grad
    save(directory, arrays)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    cell_case(os.path.join(out, "rnn_tanh_cell"), torch.nn.RNNCell(D, 3, nonlinearity="tanh"), False)
    cell_case(os.path.join(out, "rnn_relu_cell"), torch.nn.RNNCell(D, 3, nonlinearity="relu"), False)
    cell_case(os.path.join(out, "lstm_cell"), torch.nn.LSTMCell(D, 3), True)
    cell_case(os.path.join(out, "gru_cell"), torch.nn.GRUCell(D, 3), False)
    layer_case(os.path.join(out, "lstm_layer"),
               torch.nn.LSTM(D, 3, num_layers=2, bidirectional=True, proj_size=2), True)
    layer_case(os.path.join(out, "gru_layer"), torch.nn.GRU(D, 3, num_layers=2, bidirectional=True), False)
    layer_case(os.path.join(out, "rnn_relu_layer"), torch.nn.RNN(D, 3, num_layers=2, nonlinearity="relu"), False)
    print("wrote PyTorch", torch.__version__, "references to", out)


if __name__ == "__main__":
    main()
