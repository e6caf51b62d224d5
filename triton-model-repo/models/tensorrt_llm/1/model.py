# Llama 4 Maverick on TensorRT-LLM's LLM API, as a Triton Python model: this repository's own
# model.py for the `tensorrt_llm` model (config.pbtxt beside this folder, model.yaml in it).
#
# It keeps the tensor contract of TensorRT-LLM's llmapi model (text_input, streaming,
# sampling_param_*, return_*, stop; cumulative text_output, finish_reason, stop_reason), so the
# gateway talks to it as to the stock one, and differs where pictures come in:
#
# - text_input is the gateway's FULLY RENDERED Llama 4 prompt (system prompt, every turn, tools),
#   with exactly one <|image|> where each picture stood. It goes to the engine as it is: no second
#   chat template, no placeholder added. (The stock model treats text_input as one user question
#   when pictures come, wraps it in a single user turn and drops the rest of the conversation.)
# - image_url holds one `data:<image type>;base64,...` URI per picture, in prompt order. They are
#   decoded here; nothing is ever fetched, and any other scheme (http, https, file, a path) is
#   refused, because the gateway already fetched and checked every picture.
# - prompt and pictures go to LLM.generate_async as ONE multimodal input
#   ({"prompt": ..., "multi_modal_data": {"image": [...]}}), which TensorRT-LLM's Llama 4 input
#   processor expands (each <|image|> becomes the picture's tiles).
#
# config.pbtxt declares parameter prompt_format = "rendered": the gateway reads it at start and
# sends pictures only to a model that says so. Tests: ../../../model-tests (pytest, with fakes of
# tensorrt_llm and triton_python_backend_utils).

import asyncio
import base64
import binascii
import concurrent.futures
import io
import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import triton_python_backend_utils as pb_utils
import yaml

IMAGE_TOKEN = "<|image|>"

# Image types the gateway sends (it re-labels every picture with the type its bytes show).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")

# Defaults of the triton_config keys this model.py adds to the stock ones.
DEFAULT_MAX_IMAGES = 8
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_IMAGE_PIXELS = 64 * 1024 * 1024

# The sampling inputs of the stock contract and the SamplingParams argument each one sets.
SAMPLING_INPUTS = {
    "sampling_param_best_of": "best_of",
    "sampling_param_temperature": "temperature",
    "sampling_param_top_k": "top_k",
    "sampling_param_top_p": "top_p",
    "sampling_param_frequency_penalty": "frequency_penalty",
    "sampling_param_presence_penalty": "presence_penalty",
    "sampling_param_max_tokens": "max_tokens",
    "sampling_param_seed": "seed",
    "sampling_param_exclude_input_from_output": "exclude_input_from_output",
    "sampling_param_return_perf_metrics": "return_perf_metrics",
}
# The stock model's defaults where they differ from SamplingParams' own: best_of 1 and, unlike
# SamplingParams, the prompt echoed unless the caller asks otherwise (the gateway's requests never
# rely on that: its llmapi requests carry text generated only).
SAMPLING_DEFAULTS = {"best_of": 1, "exclude_input_from_output": False, "return_perf_metrics": False}

OUTPUT_FLAGS = ("return_finish_reason", "return_stop_reason", "return_cumulative_logprob")


class RequestError(Exception):
    """A request this model refuses; the message names the input and says why."""


class Limits:
    """Bounds on the pictures of one request (triton_config: max_images, max_image_bytes, max_image_pixels)."""

    def __init__(self, max_images=DEFAULT_MAX_IMAGES, max_image_bytes=DEFAULT_MAX_IMAGE_BYTES,
                 max_image_pixels=DEFAULT_MAX_IMAGE_PIXELS):
        self.max_images = int(max_images)
        self.max_image_bytes = int(max_image_bytes)
        self.max_image_pixels = int(max_image_pixels)


class Parsed:
    """One request's inputs, read and checked."""

    def __init__(self, prompt, images, sampling, streaming, outputs, stop):
        self.prompt = prompt
        self.images = images          # data: URIs, prompt order
        self.sampling = sampling      # SamplingParams keyword arguments
        self.streaming = streaming
        self.outputs = outputs        # which of OUTPUT_FLAGS were asked for
        self.stop = stop              # a stop (cancel) request, not a generation


def _tensor(request, name):
    t = pb_utils.get_input_tensor_by_name(request, name)
    return None if t is None else t.as_numpy()


def _scalar(request, name):
    """The one element of a [1]-shaped input, or None when absent."""
    a = _tensor(request, name)
    if a is None:
        return None
    if a.size != 1:
        raise RequestError(f"{name}: expected one element, got {a.size}")
    value = a.reshape(-1)[0]
    return value.item() if hasattr(value, "item") else value


def _text(value, name):
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as e:
            raise RequestError(f"{name}: not UTF-8 ({e.reason} at byte {e.start})") from None
    return str(value)


def _strings(request, name):
    a = _tensor(request, name)
    if a is None:
        return []
    return [_text(v, f"{name}[{i}]") for i, v in enumerate(a.reshape(-1))]


def parse_request(request):
    """Reads the stock llmapi contract's inputs plus image_url; raises RequestError naming the input."""
    if _scalar(request, "stop"):
        return Parsed("", [], {}, False, {}, True)
    texts = _strings(request, "text_input")
    if not texts:
        raise RequestError("text_input: missing; it carries the rendered prompt")
    prompt = texts[0]
    sampling = dict(SAMPLING_DEFAULTS)
    for name, arg in SAMPLING_INPUTS.items():
        value = _scalar(request, name)
        if value is not None:
            sampling[arg] = value
    stop = [s for s in _strings(request, "sampling_param_stop") if s]
    if stop:
        sampling["stop"] = stop
    outputs = {flag: bool(_scalar(request, flag) or False) for flag in OUTPUT_FLAGS}
    streaming = bool(_scalar(request, "streaming") or False)
    images = _strings(request, "image_url")
    return Parsed(prompt, images, sampling, streaming, outputs, False)


_DATA_URI = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),(.*)", re.DOTALL)


def decode_image(uri, index, limits):
    """
    A picture from a `data:<image type>;base64,...` URI, decoded in full. Refuses any other scheme:
    this model never fetches anything, whatever a caller named.
    """
    from PIL import Image  # in the TensorRT-LLM container; imported late so a text-only test needs no Pillow

    field = f"image_url[{index}]"
    scheme = uri.split(":", 1)[0].lower() if ":" in uri else ""
    if scheme != "data":
        shown = scheme or "none (not a URI)"
        raise RequestError(f"{field}: scheme {shown} refused; this model takes only data: URIs and never fetches a URL")
    m = _DATA_URI.fullmatch(uri)
    params = [] if m is None else [p.strip().lower() for p in m.group(2).split(";") if p.strip()]
    if m is None or "base64" not in params:
        raise RequestError(f"{field}: not a base64 data: URI (data:<image type>;base64,<data>)")
    media = m.group(1).strip().lower()
    if media not in IMAGE_TYPES:
        raise RequestError(f"{field}: type '{media or 'none'}' is not one of {', '.join(IMAGE_TYPES)}")
    data = m.group(3)
    # 4 base64 characters carry 3 bytes: refuse before decoding anything oversized.
    if len(data) // 4 * 3 > limits.max_image_bytes + 3:
        raise RequestError(f"{field}: larger than {limits.max_image_bytes} bytes")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RequestError(f"{field}: invalid base64 ({e})") from None
    if len(raw) > limits.max_image_bytes:
        raise RequestError(f"{field}: larger than {limits.max_image_bytes} bytes")
    try:
        image = Image.open(io.BytesIO(raw))
        width, height = image.size
        if width * height > limits.max_image_pixels:
            raise RequestError(f"{field}: {width}x{height} is more than {limits.max_image_pixels} pixels")
        # load() decodes every pixel, so a truncated or corrupt picture fails here, not in the engine.
        image.load()
        return image.convert("RGB")
    except RequestError:
        raise
    except Exception as e:  # Pillow raises many types (OSError, SyntaxError, DecompressionBombError, ...)
        raise RequestError(f"{field}: not a decodable image ({type(e).__name__}: {e})") from None


def build_input(prompt, images, limits):
    """
    The LLM API input for one request: the prompt alone, or prompt and pictures as ONE multimodal input.
    The prompt must hold exactly one <|image|> per picture: Llama 4's processor replaces each with the
    picture's tiles and fails on a mismatch, and nothing here adds or moves a placeholder.
    """
    placeholders = prompt.count(IMAGE_TOKEN)
    if len(images) > limits.max_images:
        raise RequestError(f"image_url: {len(images)} pictures, at most {limits.max_images} per request")
    if placeholders != len(images):
        raise RequestError(f"text_input: holds {placeholders} {IMAGE_TOKEN} but image_url has {len(images)} "
                           f"pictures; the rendered prompt needs exactly one {IMAGE_TOKEN} per picture")
    if not images:
        return prompt
    decoded = [decode_image(uri, i, limits) for i, uri in enumerate(images)]
    return {"prompt": prompt, "multi_modal_data": {"image": decoded}}


def read_model_yaml(path):
    with open(path) as f:
        config = yaml.safe_load(f)
    if not isinstance(config, dict) or not isinstance(config.get("triton_config"), dict):
        raise pb_utils.TritonModelException(f"{path}: no triton_config section")
    return config


def _model_yaml_path():
    return os.environ.get("LLM_CONFIG_PATH") or os.path.join(pb_utils.get_model_dir(), "model.yaml")


class TritonPythonModel:

    @classmethod
    def auto_complete_config(cls, auto_complete_model_config):
        # model.yaml decides batching and the decoupled policy, as with the stock model.
        triton = read_model_yaml(_model_yaml_path())["triton_config"]
        auto_complete_model_config.set_model_transaction_policy(dict(decoupled=bool(triton["decoupled"])))
        auto_complete_model_config.set_max_batch_size(int(triton["max_batch_size"]))
        return auto_complete_model_config

    def initialize(self, args):
        self.logger = pb_utils.Logger
        model_config = json.loads(args["model_config"])
        config = read_model_yaml(_model_yaml_path())
        triton = config.pop("triton_config")
        self.decoupled = bool(triton.get("decoupled", False))
        self.multimodal = bool(triton.get("multimodal", False))
        self.limits = Limits(triton.get("max_images", DEFAULT_MAX_IMAGES),
                             triton.get("max_image_bytes", DEFAULT_MAX_IMAGE_BYTES),
                             triton.get("max_image_pixels", DEFAULT_MAX_IMAGE_PIXELS))
        self.cancel_period = int(triton.get("cancellation_check_period_ms", 100)) / 1000.0
        out = pb_utils.get_output_config_by_name(model_config, "text_output")
        self.output_dtype = pb_utils.triton_string_to_numpy(out["data_type"])
        fmt = model_config.get("parameters", {}).get("prompt_format", {}).get("string_value", "")
        if fmt != "rendered":
            # This file only knows rendered prompts; a config that says otherwise misleads the gateway.
            raise pb_utils.TritonModelException(
                f"config.pbtxt parameter prompt_format is '{fmt}'; this model.py takes rendered prompts only")

        from tensorrt_llm import LLM, SamplingParams
        self._sampling_params = SamplingParams
        try:
            from tensorrt_llm.llmapi.llm_utils import update_llm_args_with_extra_dict
            llm_args = update_llm_args_with_extra_dict({}, config)
        except ImportError:
            llm_args = config
        self.logger.log_info(f"[maverick] starting the LLM API engine; multimodal={self.multimodal}")
        self.llm = LLM(**llm_args)

        # The engine's outputs are awaited on one asyncio loop; responses are sent from a small pool
        # so a slow send never stalls the loop, and each request awaits its own send before reading
        # on: at most one response per request waits, so nothing queues without bound.
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, name="maverick-llm-loop",
                                             daemon=True)
        self._loop_thread.start()
        self._senders = ThreadPoolExecutor(max_workers=2, thread_name_prefix="maverick-send")
        self._lock = threading.Lock()
        self._running = {}      # Triton request id -> set of running generations (RequestOutput)
        self._tasks = set()     # one future per request being served

    # ---- requests -------------------------------------------------------------------------------

    def execute(self, requests):
        for request in requests:
            future = asyncio.run_coroutine_threadsafe(self._serve(request), self._loop)
            with self._lock:
                self._tasks.add(future)
            future.add_done_callback(self._forget)
        return None

    def _forget(self, future):
        with self._lock:
            self._tasks.discard(future)

    async def _serve(self, request):
        sender = request.get_response_sender()
        request_id = request.request_id() or ""
        try:
            parsed = parse_request(request)
            if parsed.stop:
                await self._send(sender, self._stop(request_id), final=True)
                return
            if parsed.streaming and not self.decoupled:
                raise RequestError("streaming: needs the decoupled policy (triton_config.decoupled in model.yaml)")
            if parsed.images and not self.multimodal:
                raise RequestError("image_url: this deployment is text-only; set triton_config.multimodal: True "
                                   "in model.yaml to take pictures")
            loop = asyncio.get_running_loop()
            # Decoding pictures is CPU work: off the loop, so other streams keep flowing meanwhile.
            inputs = await loop.run_in_executor(None, build_input, parsed.prompt, parsed.images, self.limits)
            sampling = self._sampling_params(**parsed.sampling)
        except RequestError as e:
            await self._send(sender, self._error(str(e)), final=True)
            return
        except Exception as e:  # the SamplingParams constructor refuses bad values with its own types
            await self._send(sender, self._error(f"invalid request: {e}"), final=True)
            return
        await self._generate(request, request_id, sender, parsed, inputs, sampling)

    async def _generate(self, request, request_id, sender, parsed, inputs, sampling):
        try:
            generation = self.llm.generate_async(inputs, sampling, streaming=parsed.streaming)
        except Exception as e:
            await self._send(sender, self._error(f"the engine refused the request: {e}"), final=True)
            return
        self._track(request_id, generation, add=True)
        watcher = asyncio.ensure_future(self._watch_cancellation(request, generation))
        last = None
        aborted = False
        try:
            async for output in generation:
                last = output
                # An aborted generation (a stop request, a cancelled client) ends with finish_reason
                # "cancelled": the client gets Triton's CANCELLED error, as from the stock model.
                if request.is_cancelled() or output.outputs[0].finish_reason == "cancelled":
                    aborted = True
                    break
                if parsed.streaming:
                    final = bool(output.finished)
                    await self._send(sender, self._response(output, parsed.outputs), final=final)
                    if final:
                        return
            if aborted:
                generation.abort()
                await self._send(sender, self._cancelled(), final=True)
            elif not parsed.streaming and last is not None:
                await self._send(sender, self._response(last, parsed.outputs), final=True)
            else:
                # The engine ended without a finished output: tell the client the request is over.
                await self._send(sender, None, final=True)
        except asyncio.CancelledError:
            generation.abort()
            await self._send(sender, self._cancelled(), final=True)
        except Exception as e:
            self.logger.log_error(f"[maverick] generation {request_id} failed: {e}")
            await self._send(sender, self._error(f"generation failed: {e}"), final=True)
        finally:
            watcher.cancel()
            self._track(request_id, generation, add=False)

    async def _watch_cancellation(self, request, generation):
        # Triton flags a cancelled request (client gone, stream cancelled); the engine must stop
        # generating for it, or the KV slot stays taken until max_tokens.
        while True:
            await asyncio.sleep(self.cancel_period)
            if request.is_cancelled():
                generation.abort()
                return

    def _stop(self, request_id):
        """A `stop = true` request aborts the generations running under the same request id."""
        if not request_id:
            return self._error("stop: needs a request id naming the generation to cancel")
        with self._lock:
            running = list(self._running.get(request_id, ()))
        for generation in running:
            generation.abort()
        return self._cancelled()

    def _track(self, request_id, generation, add):
        with self._lock:
            if add:
                self._running.setdefault(request_id, set()).add(generation)
            else:
                gens = self._running.get(request_id)
                if gens is not None:
                    gens.discard(generation)
                    if not gens:
                        del self._running[request_id]

    # ---- responses ------------------------------------------------------------------------------

    def _response(self, output, flags):
        """text_output is the cumulative text, as in the stock contract; the gateway diffs it."""
        completion = output.outputs[0]
        tensors = [pb_utils.Tensor("text_output",
                                   np.asarray([completion.text.encode("utf-8")], dtype=self.output_dtype))]
        # Unlike the stock model (which sends the string "None" until the end), a reason is sent only
        # once there is one.
        if flags.get("return_finish_reason") and completion.finish_reason is not None:
            tensors.append(pb_utils.Tensor("finish_reason",
                                           np.asarray([str(completion.finish_reason)], dtype=np.object_)))
        if flags.get("return_stop_reason") and completion.stop_reason is not None:
            tensors.append(pb_utils.Tensor("stop_reason", np.asarray([str(completion.stop_reason)], dtype=np.object_)))
        if flags.get("return_cumulative_logprob") and completion.cumulative_logprob is not None:
            tensors.append(pb_utils.Tensor("cumulative_logprob",
                                           np.asarray([str(completion.cumulative_logprob)], dtype=np.object_)))
        return pb_utils.InferenceResponse(output_tensors=tensors)

    @staticmethod
    def _error(message):
        return pb_utils.InferenceResponse(error=pb_utils.TritonError(message))

    @staticmethod
    def _cancelled():
        return pb_utils.InferenceResponse(
            error=pb_utils.TritonError("Request cancelled by client", pb_utils.TritonError.CANCELLED))

    async def _send(self, sender, response, final):
        flags = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL if final else 0
        loop = asyncio.get_running_loop()
        try:
            if response is None:
                await loop.run_in_executor(self._senders, lambda: sender.send(flags=flags))
            else:
                await loop.run_in_executor(self._senders, lambda: sender.send(response, flags=flags))
        except Exception as e:
            # The client may be gone; the generation is aborted by the cancellation watcher.
            self.logger.log_warn(f"[maverick] could not send a response: {e}")

    def finalize(self):
        # Abort what runs, let every request send its last response, then stop the loop and the engine.
        with self._lock:
            running = [g for gens in self._running.values() for g in gens]
            tasks = list(self._tasks)
        for generation in running:
            generation.abort()
        concurrent.futures.wait(tasks, timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(timeout=10)
        self._loop.close()
        self._senders.shutdown(wait=True)
        self.llm.shutdown()
