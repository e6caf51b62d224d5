"""
A fake of Triton's Python backend module `triton_python_backend_utils`, with the names and call
shapes model.py uses (documented in triton-inference-server/python_backend's README): tensors,
requests with a response sender (decoupled mode), responses, errors, the logger and the config
helpers. Requests and senders are built by the tests, which read what the model sent.
"""
import threading

import numpy as np

TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1

_model_dir = None


def set_model_dir(path):
    global _model_dir
    _model_dir = path


def get_model_dir():
    return _model_dir


class TritonModelException(Exception):
    pass


class TritonError:
    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7

    def __init__(self, message, code=UNKNOWN):
        self._message = message
        self._code = code

    def message(self):
        return self._message

    def code(self):
        return self._code


class Tensor:
    def __init__(self, name, array):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"Tensor {name}: expected a numpy array, got {type(array).__name__}")
        self._name = name
        self._array = array

    def name(self):
        return self._name

    def as_numpy(self):
        return self._array

    def is_cpu(self):
        return True


class InferenceResponse:
    def __init__(self, output_tensors=None, error=None):
        self._tensors = list(output_tensors or [])
        self._error = error

    def output_tensors(self):
        return self._tensors

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error


def get_output_tensor_by_name(response, name):
    for t in response.output_tensors():
        if t.name() == name:
            return t
    return None


class ResponseSender:
    """Records (response, flags) pairs; tests wait on it with a timeout instead of sleeping."""

    def __init__(self):
        self.sent = []
        self._cond = threading.Condition()

    def send(self, response=None, flags=0):
        with self._cond:
            if self.sent and self.sent[-1][1] & TRITONSERVER_RESPONSE_COMPLETE_FINAL:
                raise TritonModelException("a response was sent after the final one")
            self.sent.append((response, flags))
            self._cond.notify_all()

    def wait_for(self, predicate, timeout=10.0):
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.sent), timeout):
                raise AssertionError(f"timed out; sent so far: {self.sent}")
            return list(self.sent)

    def wait_final(self, timeout=10.0):
        return self.wait_for(lambda s: bool(s) and bool(s[-1][1] & TRITONSERVER_RESPONSE_COMPLETE_FINAL), timeout)


class InferenceRequest:
    def __init__(self, inputs, request_id=""):
        self._inputs = {t.name(): t for t in inputs}
        self._id = request_id
        self._cancelled = threading.Event()
        self.sender = ResponseSender()

    def request_id(self):
        return self._id

    def get_response_sender(self):
        return self.sender

    def is_cancelled(self):
        return self._cancelled.is_set()

    def cancel(self):
        self._cancelled.set()


def get_input_tensor_by_name(request, name):
    return request._inputs.get(name)


def get_output_config_by_name(model_config, name):
    for out in model_config.get("output", []):
        if out["name"] == name:
            return out
    return None


def triton_string_to_numpy(triton_type):
    return {"TYPE_STRING": np.object_, "TYPE_BOOL": np.bool_, "TYPE_INT32": np.int32, "TYPE_UINT64": np.uint64,
            "TYPE_FP32": np.float32, "TYPE_INT64": np.int64}[triton_type]


class Logger:
    lines = []

    @classmethod
    def log_info(cls, msg):
        cls.lines.append(("info", msg))

    @classmethod
    def log_warn(cls, msg):
        cls.lines.append(("warn", msg))

    @classmethod
    def log_error(cls, msg):
        cls.lines.append(("error", msg))

    @classmethod
    def log_verbose(cls, msg):
        cls.lines.append(("verbose", msg))
