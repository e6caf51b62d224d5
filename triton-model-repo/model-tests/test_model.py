import base64
import io
import os

import numpy as np
import pytest
import yaml
from PIL import Image

import tensorrt_llm
import triton_python_backend_utils as pb_utils
from conftest import MODEL_DIR, start

FINAL = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL

PROMPT = ("<|begin_of_text|><|header_start|>system<|header_end|>\n\nBe brief.<|eot|>"
          "<|header_start|>user<|header_end|>\n\n<|image|>What is this? And this: <|image|><|eot|>"
          "<|header_start|>assistant<|header_end|>\n\n")


def data_uri(fmt="PNG", size=(64, 48), media=None):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    media = media or "image/" + fmt.lower()
    return f"data:{media};base64," + base64.b64encode(out.getvalue()).decode()


def strings(name, values):
    return pb_utils.Tensor(name, np.array([v.encode() for v in values], dtype=np.object_))


def request(prompt="Hi", images=None, streaming=True, request_id="req-1", **extra):
    inputs = [strings("text_input", [prompt]), pb_utils.Tensor("streaming", np.array([streaming], dtype=np.bool_)),
              pb_utils.Tensor("sampling_param_max_tokens", np.array([64], dtype=np.int32)),
              pb_utils.Tensor("return_finish_reason", np.array([True], dtype=np.bool_))]
    if images is not None:
        inputs.append(strings("image_url", images))
    for name, tensor in extra.items():
        inputs.append(tensor)
    return pb_utils.InferenceRequest(inputs, request_id)


def out(response, name):
    t = pb_utils.get_output_tensor_by_name(response, name)
    if t is None:
        return None
    v = t.as_numpy()[0]
    return v.decode() if isinstance(v, bytes) else v


def error_of(sent):
    response, flags = sent[-1]
    assert flags & FINAL
    assert response.has_error(), [out(r, "text_output") for r, _ in sent]
    return response.error().message()


def llm():
    return tensorrt_llm.LLM.instances[-1]


# ---- the checked-in files ---------------------------------------------------------------------------

def test_the_config_says_rendered_and_declares_image_url():
    text = open(os.path.join(MODEL_DIR, "config.pbtxt")).read()
    assert 'key: "prompt_format"' in text and 'string_value: "rendered"' in text
    assert 'name: "image_url"' in text


def test_every_profile_turns_multimodal_on():
    root = os.path.join(MODEL_DIR, "..", "..")
    files = [os.path.join(MODEL_DIR, "1", "model.yaml")] + [
        os.path.join(root, "profiles", p, "model.yaml") for p in ("h100", "h200", "b200")]
    for f in files:
        assert yaml.safe_load(open(f))["triton_config"]["multimodal"] is True, f


# ---- initialisation --------------------------------------------------------------------------------

def test_model_yaml_minus_triton_config_becomes_the_llm_arguments(model):
    args = llm().args
    assert args["backend"] == "pytorch" and "Maverick" in args["model"]
    assert "triton_config" not in args


def test_a_config_without_prompt_format_rendered_does_not_load(module, model_dir):
    with pytest.raises(pb_utils.TritonModelException, match="prompt_format"):
        start(module, model_dir, prompt_format=None)


class AutoComplete:
    def set_model_transaction_policy(self, policy):
        self.policy = policy

    def set_max_batch_size(self, n):
        self.max_batch_size = n


def test_auto_complete_takes_decoupled_and_batch_size_from_model_yaml(module, model_dir):
    c = module.TritonPythonModel.auto_complete_config(AutoComplete())
    assert c.policy == {"decoupled": True} and c.max_batch_size == 0


# ---- tensor parsing --------------------------------------------------------------------------------

def test_parse_reads_the_llmapi_inputs(module):
    r = request("Hello", images=["data:image/png;base64,AAAA"], streaming=True,
                temp=pb_utils.Tensor("sampling_param_temperature", np.array([0.5], dtype=np.float32)),
                seed=pb_utils.Tensor("sampling_param_seed", np.array([7], dtype=np.uint64)),
                stop=strings("sampling_param_stop", ["END", "", "STOP"]),
                sr=pb_utils.Tensor("return_stop_reason", np.array([True], dtype=np.bool_)))
    p = module.parse_request(r)
    assert p.prompt == "Hello" and p.streaming and not p.stop
    assert p.images == ["data:image/png;base64,AAAA"]
    assert p.sampling["max_tokens"] == 64 and p.sampling["seed"] == 7
    assert p.sampling["temperature"] == pytest.approx(0.5)
    assert p.sampling["stop"] == ["END", "STOP"]
    assert p.sampling["best_of"] == 1
    assert p.outputs == {"return_finish_reason": True, "return_stop_reason": True, "return_cumulative_logprob": False}


def test_parse_refuses_a_missing_prompt_and_a_non_scalar(module):
    with pytest.raises(module.RequestError, match="text_input"):
        module.parse_request(pb_utils.InferenceRequest([]))
    r = request(mt=pb_utils.Tensor("sampling_param_top_k", np.array([1, 2], dtype=np.int32)))
    with pytest.raises(module.RequestError, match="sampling_param_top_k"):
        module.parse_request(r)


# ---- the multimodal input --------------------------------------------------------------------------

def test_prompt_and_pictures_go_to_the_engine_as_one_input_without_a_second_template(model):
    png, jpeg = data_uri("PNG", (64, 48)), data_uri("JPEG", (30, 20))
    r = request(PROMPT, images=[png, jpeg])
    model.execute([r])
    r.sender.wait_final()
    inputs, sampling, streaming = llm().calls[-1]
    assert inputs["prompt"] == PROMPT  # verbatim: no chat template, no placeholder added or moved
    images = inputs["multi_modal_data"]["image"]
    assert [i.size for i in images] == [(64, 48), (30, 20)]  # prompt order
    assert all(i.mode == "RGB" for i in images)
    assert set(inputs) == {"prompt", "multi_modal_data"}
    assert sampling.kwargs["max_tokens"] == 64 and streaming is True


def test_a_text_only_prompt_goes_as_a_plain_string(model):
    r = request("Just text")
    model.execute([r])
    r.sender.wait_final()
    assert llm().calls[-1][0] == "Just text"


@pytest.mark.parametrize("url, why", [
    ("https://example.com/cat.png", "scheme https refused"),
    ("http://169.254.169.254/latest", "scheme http refused"),
    ("file:///etc/passwd", "scheme file refused"),
    ("/etc/passwd", "scheme none"),
    ("data:image/png,notbase64", "not a base64 data: URI"),
    ("data:text/plain;base64,aGVsbG8=", "type 'text/plain'"),
    ("data:image/png;base64,@@@@", "invalid base64"),
    ("data:image/png;base64," + base64.b64encode(b"hello, not a picture").decode(), "not a decodable image"),
])
def test_a_bad_image_url_is_refused_naming_it_and_nothing_is_fetched(model, url, why):
    r = request("<|image|>Look", images=[url])
    model.execute([r])
    message = error_of(r.sender.wait_final())
    assert "image_url[0]" in message and why in message, message
    assert llm().calls == []


def test_a_truncated_picture_is_refused(model):
    raw = base64.b64decode(data_uri("PNG", (200, 200)).split(",", 1)[1])
    r = request("<|image|>", images=["data:image/png;base64," + base64.b64encode(raw[:len(raw) // 2]).decode()])
    model.execute([r])
    assert "image_url[0]: not a decodable image" in error_of(r.sender.wait_final())


def test_the_second_bad_picture_is_the_one_named(model):
    r = request(PROMPT, images=[data_uri(), "https://example.com/x.png"])
    model.execute([r])
    assert "image_url[1]" in error_of(r.sender.wait_final())


@pytest.mark.parametrize("prompt, count", [("No placeholder", 1), ("<|image|><|image|>", 1), ("<|image|>", 0)])
def test_the_prompt_must_hold_one_image_token_per_picture(model, prompt, count):
    r = request(prompt, images=[data_uri()] * count)
    model.execute([r])
    message = error_of(r.sender.wait_final())
    assert "text_input" in message and "exactly one <|image|> per picture" in message


def test_limits_on_pictures(module, model_dir):
    m = start(module, model_dir, multimodal=True, max_images=1, max_image_bytes=2000, max_image_pixels=100 * 100)
    try:
        cases = [(["<|image|><|image|>", [data_uri(), data_uri()]], "at most 1 per request"),
                 (["<|image|>", [data_uri("PNG", (101, 100))]], "more than 10000 pixels"),
                 (["<|image|>", ["data:image/png;base64," + "A" * 4000]], "larger than 2000 bytes")]
        for (prompt, images), why in cases:
            r = request(prompt, images=images)
            m.execute([r])
            assert why in error_of(r.sender.wait_final())
    finally:
        m.finalize()


def test_pictures_are_refused_when_the_deployment_is_text_only(module, model_dir):
    m = start(module, model_dir, multimodal=False)
    try:
        r = request("<|image|>", images=[data_uri()])
        m.execute([r])
        assert "triton_config.multimodal" in error_of(r.sender.wait_final())
    finally:
        m.finalize()


# ---- streaming and answers -------------------------------------------------------------------------

def test_streaming_sends_the_cumulative_text_and_the_reason_once_there_is_one(model):
    model.llm.script = tensorrt_llm.Script(pieces=["Hel", "lo", " world"], finish_reason="length")
    r = request("Hi")
    model.execute([r])
    sent = r.sender.wait_final()
    assert [out(resp, "text_output") for resp, _ in sent] == ["Hel", "Hello", "Hello world"]
    assert [flags & FINAL for _, flags in sent] == [0, 0, FINAL]
    assert [out(resp, "finish_reason") for resp, _ in sent] == [None, None, "length"]
    assert out(sent[-1][0], "stop_reason") is None  # not asked for


def test_without_streaming_one_final_response_carries_everything(model):
    model.llm.script = tensorrt_llm.Script(pieces=["a", "b", "c"], finish_reason="stop", stop_reason="END")
    r = request("Hi", streaming=False, sr=pb_utils.Tensor("return_stop_reason", np.array([True], dtype=np.bool_)))
    model.execute([r])
    sent = r.sender.wait_final()
    assert len(sent) == 1
    assert out(sent[0][0], "text_output") == "abc"
    assert out(sent[0][0], "finish_reason") == "stop" and out(sent[0][0], "stop_reason") == "END"


def test_streaming_without_the_decoupled_policy_is_refused(module, model_dir):
    m = start(module, model_dir, decoupled=False)
    try:
        r = request("Hi", streaming=True)
        m.execute([r])
        assert "decoupled" in error_of(r.sender.wait_final())
    finally:
        m.finalize()


def test_a_sampling_value_the_engine_refuses_is_an_error_response(model):
    r = request("Hi", mt=pb_utils.Tensor("sampling_param_max_tokens", np.array([0], dtype=np.int32)))
    model.execute([r])
    assert "max_tokens" in error_of(r.sender.wait_final())


# ---- cancellation ----------------------------------------------------------------------------------

def test_a_cancelled_request_aborts_the_generation_and_ends_with_cancelled(model):
    model.llm.script = tensorrt_llm.Script(pieces=["a", "b", "c", "d"], hold_after=2)
    r = request("Hi")
    model.execute([r])
    r.sender.wait_for(lambda s: len(s) == 2)  # two pieces out, the engine now waits
    r.cancel()
    sent = r.sender.wait_final()
    assert llm().generations[-1].aborted.is_set()
    assert error_of(sent) == "Request cancelled by client"
    assert sent[-1][0].error().code() == pb_utils.TritonError.CANCELLED
    assert [out(resp, "text_output") for resp, _ in sent[:-1]] == ["a", "ab"]


def test_a_stop_request_with_the_same_id_aborts_that_generation(model):
    model.llm.script = tensorrt_llm.Script(pieces=["a", "b"], hold_after=1)
    r = request("Hi", request_id="gen-7")
    model.execute([r])
    r.sender.wait_for(lambda s: len(s) == 1)
    stop = pb_utils.InferenceRequest([pb_utils.Tensor("stop", np.array([True], dtype=np.bool_))], "gen-7")
    model.execute([stop])
    assert stop.sender.wait_final()[-1][0].error().code() == pb_utils.TritonError.CANCELLED
    assert r.sender.wait_final()[-1][0].error().code() == pb_utils.TritonError.CANCELLED
    assert llm().generations[-1].aborted.is_set()


def test_a_stop_request_without_an_id_is_refused(model):
    stop = pb_utils.InferenceRequest([pb_utils.Tensor("stop", np.array([True], dtype=np.bool_))], "")
    model.execute([stop])
    assert "request id" in error_of(stop.sender.wait_final())


def test_finalize_aborts_what_runs_and_shuts_the_engine_down(module, model_dir):
    m = start(module, model_dir)
    m.llm.script = tensorrt_llm.Script(pieces=["a", "b"], hold_after=1)
    r = request("Hi")
    m.execute([r])
    r.sender.wait_for(lambda s: len(s) == 1)
    engine = m.llm
    m.finalize()
    assert engine.generations[-1].aborted.is_set() and engine.shut_down
