"""
A fake of TensorRT-LLM's LLM API (`tensorrt_llm.LLM`, `SamplingParams`, the async RequestOutput of
`LLM.generate_async`) with the documented call shapes: `LLM(**llm_args)`,
`generate_async(inputs, sampling_params, streaming=...)` returning an object that is async-iterable
(one cumulative RequestOutput per step when streaming, the finished one otherwise) and has `abort()`;
`RequestOutput.outputs[0]` is a CompletionOutput with cumulative `text`, `finish_reason`
(stop/length/timeout/cancelled), `stop_reason`, `cumulative_logprob`; `RequestOutput.finished`.
The engine's answer is scripted by the test through `LLM.script`.
"""
import asyncio
import threading


class SamplingParams:
    FIELDS = {"best_of", "temperature", "top_k", "top_p", "frequency_penalty", "presence_penalty", "max_tokens",
              "seed", "exclude_input_from_output", "return_perf_metrics", "stop"}

    def __init__(self, **kwargs):
        unknown = set(kwargs) - self.FIELDS
        if unknown:
            raise TypeError(f"SamplingParams got unexpected keyword arguments {sorted(unknown)}")
        if "max_tokens" in kwargs and kwargs["max_tokens"] is not None and kwargs["max_tokens"] < 1:
            raise ValueError("max_tokens must be at least 1")
        self.kwargs = kwargs


class CompletionOutput:
    def __init__(self, text, finish_reason=None, stop_reason=None, cumulative_logprob=None):
        self.index = 0
        self.text = text
        self.finish_reason = finish_reason
        self.stop_reason = stop_reason
        self.cumulative_logprob = cumulative_logprob


class RequestOutput:
    def __init__(self, completion, finished):
        self.outputs = [completion]
        self.finished = finished


class Script:
    """What the fake engine answers: text pieces, how it ends, and where it waits for an abort."""

    def __init__(self, pieces=("Hello",), finish_reason="stop", stop_reason=None, hold_after=None):
        self.pieces = list(pieces)
        self.finish_reason = finish_reason
        self.stop_reason = stop_reason
        self.hold_after = hold_after   # after this many steps, wait until aborted


class Generation:
    def __init__(self, script, streaming):
        self.script = script
        self.streaming = streaming
        self.aborted = threading.Event()
        self._abort_signal = None

    def abort(self):
        self.aborted.set()
        signal = self._abort_signal
        if signal is not None:
            loop, event = signal
            loop.call_soon_threadsafe(event.set)

    def __aiter__(self):
        return self._run()

    async def _run(self):
        event = asyncio.Event()
        self._abort_signal = (asyncio.get_running_loop(), event)
        if self.aborted.is_set():
            event.set()
        text = ""
        steps = self.script.pieces
        for i, piece in enumerate(steps):
            if self.script.hold_after is not None and i == self.script.hold_after:
                await event.wait()
            if self.aborted.is_set():
                yield RequestOutput(CompletionOutput(text, "cancelled"), True)
                return
            text += piece
            last = i == len(steps) - 1
            if self.streaming or last:
                yield RequestOutput(CompletionOutput(text, self.script.finish_reason if last else None,
                                                     self.script.stop_reason if last else None, -1.5 if last else None),
                                    last)
            await asyncio.sleep(0)


class LLM:
    instances = []

    def __init__(self, **kwargs):
        self.args = kwargs
        self.calls = []
        self.generations = []
        self.script = Script()
        self.shut_down = False
        LLM.instances.append(self)

    def generate_async(self, inputs, sampling_params, streaming=False):
        if not isinstance(sampling_params, SamplingParams):
            raise TypeError("sampling_params must be a SamplingParams")
        self.calls.append((inputs, sampling_params, streaming))
        generation = Generation(self.script, streaming)
        self.generations.append(generation)
        return generation

    def shutdown(self):
        self.shut_down = True
