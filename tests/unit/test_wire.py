"""The wire decoder: frames round-trip, and anything malformed is refused
with WireError (never a crash, never an object of the sender's)."""
import json
import os

import numpy as np
import pytest

from grader.wire import HEAD, MAX_HEADER, WireError, decode, encode, jsonable, read_frame, write_frame


def split(frame: bytes) -> tuple[bytes, bytes]:
    head_len, data_len = HEAD.unpack(frame[:HEAD.size])
    head = frame[HEAD.size:HEAD.size + head_len]
    return head, frame[HEAD.size + head_len:HEAD.size + head_len + data_len]


def frame_with(arrays_spec: list, data: bytes = b"") -> tuple[bytes, bytes]:
    return json.dumps({"op": "x", "arrays": arrays_spec}).encode(), data


def test_round_trip_keeps_header_dtype_shape_and_values():
    arrays = {"x": np.arange(12, dtype=np.float32).reshape(3, 4), "s": np.array(2.5),
              "f": np.asfortranarray(np.ones((2, 3))), "e": np.zeros((0, 3), np.int64)}
    header, got = decode(*split(encode({"op": "call", "k": [1, 2]}, arrays)))
    assert header == {"op": "call", "k": [1, 2]}
    assert set(got) == set(arrays)
    for name, a in arrays.items():
        assert got[name].dtype == a.dtype and got[name].shape == a.shape
        np.testing.assert_array_equal(got[name], a)
        assert type(got[name]) is np.ndarray and got[name].flags.writeable


def test_read_frame_through_a_pipe():
    r, w = os.pipe()
    try:
        write_frame(w, {"status": "ready"}, {"v0": np.eye(2)})
        header, arrays = read_frame(r)
    finally:
        os.close(r)
        os.close(w)
    assert header == {"status": "ready"}
    np.testing.assert_array_equal(arrays["v0"], np.eye(2))


def test_read_frame_refuses_an_oversized_header_before_reading_it():
    r, w = os.pipe()
    try:
        os.write(w, HEAD.pack(MAX_HEADER + 1, 0))
        with pytest.raises(WireError, match="too large"):
            read_frame(r)
    finally:
        os.close(r)
        os.close(w)


def test_read_frame_times_out_on_a_silent_sender():
    r, w = os.pipe()
    try:
        os.write(w, HEAD.pack(10, 0))  # promises a header that never comes
        with pytest.raises(TimeoutError):
            read_frame(r, deadline=0.0)
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("head", [b"not json", b"[1, 2]", b'{"arrays": 3}', b"[" * 100000])
def test_header_must_be_a_json_object(head):
    with pytest.raises(WireError):
        decode(head, b"")


@pytest.mark.parametrize("spec, data, why", [
    ([{"name": "a", "dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}], bytes(8), "not allowed"),
    ([{"name": "a", "dtype": "float64", "shape": [2], "offset": 0, "nbytes": 8}], bytes(8), "size"),
    ([{"name": "a", "dtype": "float64", "shape": [1], "offset": 4, "nbytes": 8}], bytes(8), "size"),
    ([{"name": "a", "dtype": "float64", "shape": [1], "offset": -8, "nbytes": 8}], bytes(8), "size"),
    ([{"name": "a", "dtype": "float64", "shape": [-1], "offset": 0, "nbytes": 8}], bytes(8), "shape"),
    ([{"name": "a", "dtype": "float64", "shape": [1.0], "offset": 0, "nbytes": 8}], bytes(8), "shape"),
    ([{"name": "a", "dtype": "float64", "shape": "1", "offset": 0, "nbytes": 8}], bytes(8), "shape"),
    ([{"name": "a", "dtype": "float64"}], bytes(8), "malformed"),
    (["a"], b"", "malformed"),
])
def test_malformed_array_entries_are_refused(spec, data, why):
    with pytest.raises(WireError, match=why):
        decode(*frame_with(spec, data))


def test_jsonable_turns_numpy_scalars_and_tuples_into_json():
    value = jsonable((np.int64(2), [np.float32(0.5), (1, 2)], "same"))
    assert value == [2, [0.5, [1, 2]], "same"]
    json.dumps(value)


# --- requests built once: what grader.channel sends for a batch

def test_a_batch_request_is_built_once_per_list_of_the_same_cases():
    from cnn_checks.cases import Case, lay_out
    from grader.channel import batch_request
    from grader.wire import readonly_inputs, sealed_memfd
    cases = [Case({"z": np.arange(6.0).reshape(2, 3)}, {"axis": -1}),
             Case({"z": lay_out(np.ones((2, 2), np.float32), "fortran")}, {}, "fortran")]
    request = batch_request(cases)
    assert batch_request(list(cases)) is request  # another list of the same Case objects
    assert batch_request(cases[:1]) is not request
    other = [Case(dict(c.arrays), dict(c.params), c.layout) for c in cases]  # equal, not the same
    assert batch_request(other) is not request and batch_request(other).frame == request.frame
    header, _ = decode(*split(request.frame))
    assert header["op"] == "batch"
    assert [c["params"] for c in header["cases"]] == [{"axis": -1}, {}]
    inputs = readonly_inputs(sealed_memfd(request.inputs), header["inputs"])
    np.testing.assert_array_equal(inputs["0:z"], cases[0].arrays["z"])
    assert inputs["1:z"].flags.f_contiguous and not inputs["1:z"].flags.writeable
