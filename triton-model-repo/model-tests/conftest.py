"""
Loads the repository's model.py (../models/tensorrt_llm/1/model.py) against fakes of
triton_python_backend_utils and tensorrt_llm (./fakes), each test with a fresh module and model.
"""
import importlib.util
import json
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "models", "tensorrt_llm")
sys.path.insert(0, os.path.join(HERE, "fakes"))

import triton_python_backend_utils as pb_utils  # noqa: E402  (the fake, from ./fakes)
import tensorrt_llm  # noqa: E402


def load_model_module():
    spec = importlib.util.spec_from_file_location("maverick_model", os.path.join(MODEL_DIR, "1", "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_config(prompt_format="rendered"):
    """The config Triton hands to initialize(): the checked-in config.pbtxt's outputs and parameters."""
    config = {"name": "tensorrt_llm", "output": [{"name": "text_output", "data_type": "TYPE_STRING"}],
              "parameters": {}}
    if prompt_format is not None:
        config["parameters"]["prompt_format"] = {"string_value": prompt_format}
    return config


@pytest.fixture
def model_dir(tmp_path):
    """A version folder holding a copy of the checked-in model.yaml, with triton_config tweakable."""
    shutil.copy(os.path.join(MODEL_DIR, "1", "model.yaml"), tmp_path / "model.yaml")
    pb_utils.set_model_dir(str(tmp_path))
    return tmp_path


def start(module, model_dir, prompt_format="rendered", **triton_config):
    import yaml
    path = model_dir / "model.yaml"
    config = yaml.safe_load(path.read_text())
    config["triton_config"].update(triton_config)
    path.write_text(yaml.safe_dump(config))
    model = module.TritonPythonModel()
    model.initialize({"model_config": json.dumps(model_config(prompt_format))})
    return model


@pytest.fixture
def module():
    return load_model_module()


@pytest.fixture
def model(module, model_dir):
    m = start(module, model_dir, multimodal=True, cancellation_check_period_ms=5)
    yield m
    m.finalize()
