#!/usr/bin/python3
"""Checks that char_lm's safetensors checkpoints load into PyTorch and give the same logits.

For each cell (lstm, gru, rnn), with one and two layers, this trains char_lm briefly,

    char_lm --cell CELL --layers L ... --save DIR/model.safetensors --prompt PROMPT \
            --dump-logits DIR/logits.safetensors

then parses the checkpoint with numpy alone (8-byte little-endian header length, JSON header,
raw little-endian data; the `safetensors` package is not needed), builds a torch module with
submodules embedding (nn.Embedding), rnn (nn.LSTM / nn.GRU / nn.RNN) and decoder (nn.Linear)
from the config in the header's metadata (also for one-layer models trained with --fused), loads the parameters with load_state_dict(strict=True)
(the `optimizer.` and `train_state.` entries are char_lm's own and are left out), runs the
prompt from a zero state and compares its logits with the ones char_lm dumped (float32: to a
relative error of 1e-5). It also checks that the metadata's vocabulary encodes the prompt and
that Adam's state is there for every parameter.

    /usr/bin/python3 tests/pytorch/check_safetensors.py build/examples/char_lm
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": np.float32, "F64": np.float64}


def load_safetensors(path):
    """(dict name -> np.ndarray, metadata dict), validating the layout as it reads."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 2 <= n <= len(data) - 8, f"{path}: header length {n}"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors, ranges = {}, []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert end - begin == count * dtype.itemsize and end <= len(body), name
        ranges.append((begin, end))
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(info["shape"])
    ranges.sort()
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:])), "overlapping tensors"
    return tensors, metadata


class CharModel(nn.Module):
    def __init__(self, vocab, cell, embed, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn(embed, hidden, layers)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, indices):  # (T,) -> (T, vocab), from a zero state, batch of one
        x = self.embedding(indices)[:, None, :]
        y, _ = self.rnn(x)
        return self.decoder(y[:, 0, :])


def check(binary, cell, layers, directory, prompt, extra=()):
    tag = f"{cell}{layers}{''.join(extra)}"
    model_path = os.path.join(directory, f"{tag}.safetensors")
    logits_path = os.path.join(directory, f"{tag}_logits.safetensors")
    command = [binary, "--cell", cell, "--layers", str(layers), "--hidden", "24", "--embed", "12",
               "--seq", "16", "--batch", "4", "--steps", "15", "--seconds", "0", "--threads", "1",
               "--dropout", "0.1", "--sample", "0", "--save", model_path, "--prompt", prompt,
               "--dump-logits", logits_path, *extra]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tensors, meta = load_safetensors(model_path)
    dumped, _ = load_safetensors(logits_path)
    vocabulary = meta["vocabulary"]
    model = CharModel(len(vocabulary), meta["cell"], int(meta["embed"]), int(meta["hidden"]),
                      int(meta["layers"]))
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()
             if not k.startswith(("optimizer.", "train_state."))}
    model.load_state_dict(state, strict=True)
    n_parameters = len(list(model.parameters()))
    for i in range(n_parameters):
        for buffer in ("exp_avg", "exp_avg_sq"):
            assert f"optimizer.state.{i}.{buffer}" in tensors, f"missing Adam state {i}.{buffer}"
    model.eval()
    indices = torch.tensor([vocabulary.index(c) for c in prompt])
    with torch.no_grad():
        ours = torch.from_numpy(dumped["logits"].copy())
        theirs = model(indices)
    error = ((ours - theirs).abs().max() / theirs.abs().max()).item()
    ok = ours.shape == theirs.shape and error < 1e-5
    print(f"{cell:4s} layers {layers}{' ' + ' '.join(extra) if extra else ''}: {len(state)} tensors loaded with strict=True, logits "
          f"{tuple(ours.shape)}, relative error {error:.2e} {'ok' if ok else 'FAIL'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("char_lm", help="path to the char_lm binary")
    args = parser.parse_args()
    torch.manual_seed(0)
    prompt = "Shall I compare thee"
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        for cell in ("lstm", "gru", "rnn"):
            for layers in (1, 2):
                ok &= check(args.char_lm, cell, layers, directory, prompt)
            # The fused one-layer op (char_lm --fused) trains and evaluates the same model.
            ok &= check(args.char_lm, cell, 1, directory, prompt, ("--fused",))
    print("all checkpoints load into PyTorch with matching logits" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
