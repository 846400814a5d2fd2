#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (tests/fuzz/corpus/): small safetensors files for the model of
load_checks.hpp (a Linear 3 -> 2: "weight" (2,3), "bias" (2)), valid ones and broken ones, one
fault each. test_safetensors_corpus.cpp requires every valid_* file to load into the model and
every bad_* file to be refused with a tapegrad::Error naming the file. Rerun after changing it:
    python3 tests/fuzz/make_corpus.py
"""
import json
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def file_bytes(header, data, length=None, pad=True):
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    n = len(text) if length is None else length
    return struct.pack("<Q", n) + text + data


def floats(fmt, values):
    return struct.pack("<%d%s" % (len(values), fmt), *values)


def linear(dtype="F32", metadata=None, extra=None):
    fmt, size = ("f", 4) if dtype == "F32" else ("d", 8)
    weight = floats(fmt, [0.5, -1.25, 2.0, 3.5, -0.75, 1.0])
    bias = floats(fmt, [0.25, -0.5])
    header = {
        "weight": {"dtype": dtype, "shape": [2, 3], "data_offsets": [0, 6 * size]},
        "bias": {"dtype": dtype, "shape": [2], "data_offsets": [6 * size, 8 * size]},
    }
    data = weight + bias
    for name, (shape, values) in (extra or {}).items():
        begin = len(data)
        data += floats(fmt, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, len(data)]}
    if metadata:
        header["__metadata__"] = metadata
    return header, data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def main():
    os.makedirs(HERE, exist_ok=True)
    files = {}
    header, data = linear(metadata={"step": "12", "vocabulary": "ab\u00e9"})
    valid = file_bytes(header, data)
    files["valid_linear_f32"] = valid
    files["valid_linear_f64"] = file_bytes(*linear("F64"))
    files["valid_linear_extra_tensors"] = file_bytes(
        *linear(extra={"scalar": ([], [7.0]), "matrix": ([1, 2], [1.0, 2.0]),
                       "empty_but_wide": ([0, 2**20, 2**20], [])}))
    files["valid_linear_unpadded"] = file_bytes(header, data, pad=False)
    h = dict(header)
    h["empty"] = entry("F32", [0, 4], 32, 32)
    files["valid_linear_empty_tensor"] = file_bytes(h, data)

    files["bad_too_short"] = b"\x08\x00\x00"
    files["bad_truncated_header"] = valid[:40]
    files["bad_truncated_data"] = valid[:-4]
    files["bad_header_length_past_end"] = file_bytes(header, data, length=4096)
    files["bad_header_length_huge"] = file_bytes(header, data, length=2**63 + 5)
    files["bad_header_length_too_small"] = file_bytes(b"{}", b"", length=1)
    files["bad_json_unterminated"] = file_bytes(b'{"weight":{"dtype":"F32","shape":[2,3', data)
    files["bad_json_trailing_garbage"] = file_bytes(b"{}}", b"", pad=False)
    files["bad_json_nul"] = file_bytes(b'{"a\x00":1}', b"")
    files["bad_json_invalid_utf8"] = file_bytes(b'{"\xff\xfe":{}}', b"")
    files["bad_json_deep_nesting"] = file_bytes(
        b'{"weight":{"dtype":"F32","shape":' + b"[" * 100 + b"]" * 100 + b',"data_offsets":[0,0]}}', b"")
    files["bad_not_an_object"] = file_bytes(b"[1,2]", b"")
    # Duplicate names: written by hand, json.dumps would keep one.
    dup = b'{"weight":' + json.dumps(header["weight"]).encode() + b',"weight":' + \
        json.dumps(header["weight"]).encode() + b',"bias":' + json.dumps(header["bias"]).encode() + b"}"
    files["bad_duplicate_names"] = file_bytes(dup, data)
    for name, change in {
        "bad_dtype_unknown": {"dtype": "I64"},
        "bad_dtype_not_string": {"dtype": 32},
        "bad_dtype_mismatch": {"dtype": "F64"},
        "bad_shape_byte_mismatch": {"shape": [3, 3]},
        "bad_shape_negative": {"shape": [-2, 3]},
        "bad_shape_float": {"shape": [2.0, 3]},
        "bad_shape_not_array": {"shape": 6},
        "bad_shape_overflow": {"shape": [2**32, 2**32, 16]},
        "bad_shape_zero_and_huge": {"shape": [0, 2**40, 2**40], "data_offsets": [0, 0]},
        "bad_offsets_backwards": {"data_offsets": [24, 0]},
        "bad_offsets_past_end": {"data_offsets": [8, 32]},
        "bad_offsets_not_pair": {"data_offsets": [0, 24, 48]},
        "bad_offsets_negative": {"data_offsets": [-24, 0]},
        "bad_missing_field": {"data_offsets": None},
    }.items():
        h = json.loads(json.dumps(header))
        h["weight"].update(change)
        if change.get("data_offsets", 0) is None:
            del h["weight"]["data_offsets"]
        files[name] = file_bytes(h, data)
    h = json.loads(json.dumps(header))
    h["bias"]["data_offsets"] = [20, 28]
    files["bad_overlap"] = file_bytes(h, data)
    h = json.loads(json.dumps(header))
    h["bias"]["data_offsets"] = [16, 24]
    h["empty"] = entry("F32", [0], 8, 8)
    files["bad_overlap_behind_empty"] = file_bytes(h, data)
    files["bad_metadata_not_object"] = file_bytes({**header, "__metadata__": ["step", "12"]}, data)
    files["bad_metadata_value_not_string"] = file_bytes({**header, "__metadata__": {"step": 12}}, data)
    files["bad_model_missing_bias"] = file_bytes({"weight": header["weight"]}, data[:24])
    h = json.loads(json.dumps(header))
    h["weight"]["shape"] = [3, 2]
    files["bad_model_wrong_shape"] = file_bytes(h, data)
    files["bad_empty_header"] = file_bytes(b"{}", b"")

    for name, content in files.items():
        with open(os.path.join(HERE, name + ".safetensors"), "wb") as out:
            out.write(content)


if __name__ == "__main__":
    main()
