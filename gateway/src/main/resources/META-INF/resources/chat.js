// Chat page of the Maverick gateway: one prompt at a time, streamed over SSE or the realtime
// WebSocket. Plain browser JavaScript, no build step; meant to be read and copied.
"use strict";

const ui = {
  form: document.getElementById("chat-form"),
  model: document.getElementById("model"),
  prompt: document.getElementById("prompt"),
  images: document.getElementById("images"),
  thumbnails: document.getElementById("thumbnails"),
  send: document.getElementById("send"),
  stop: document.getElementById("stop"),
  answer: document.getElementById("answer"),
  status: document.getElementById("status"),
  ttft: document.getElementById("ttft"),
  tps: document.getElementById("tps"),
  tokens: document.getElementById("tokens"),
};

// ---- The answer being shown: text, timings and state -------------------------------------------

/** Collects one answer and renders it with its time to first token and tokens per second. */
class Answer {
  constructor() {
    this.sentAt = performance.now();
    this.firstTokenAt = null;
    this.chunks = 0;
    ui.answer.textContent = "";
    ui.ttft.textContent = ui.tps.textContent = ui.tokens.textContent = "–";
    this.setState("streaming", "Waiting for the first token…");
    ui.answer.setAttribute("aria-busy", "true"); // screen readers announce the answer once, when complete
  }

  token(text) {
    if (currentAnswer !== this) {
      return; // a late event of an answer the page has moved on from
    }
    const now = performance.now();
    if (this.firstTokenAt === null) {
      this.firstTokenAt = now;
      ui.ttft.textContent = `${Math.round(now - this.sentAt)} ms`;
      this.setState("streaming", "Streaming…");
    }
    this.chunks += 1;
    ui.answer.append(text);
    this.showRate(this.chunks, now);
  }

  /** The generation ended normally; usage (OpenAI's usage object) gives the exact token count. */
  done(finishReason, usage) {
    if (currentAnswer !== this || ui.answer.dataset.state !== "streaming") {
      return;
    }
    const tokens = usage ? usage.completion_tokens : this.chunks;
    this.showRate(tokens, performance.now());
    this.end("done", `Done (finish reason: ${finishReason}).`);
  }

  stopped() {
    this.end("stopped", "Stopped.");
  }

  failed(message) {
    this.end("error", `Error: ${message}`);
  }

  showRate(tokens, now) {
    ui.tokens.textContent = String(tokens);
    const seconds = (now - (this.firstTokenAt ?? now)) / 1000;
    if (seconds > 0) {
      ui.tps.textContent = `${(tokens / seconds).toFixed(1)} tokens/s`;
    }
  }

  end(state, message) {
    if (currentAnswer !== this || ui.answer.dataset.state !== "streaming") {
      return; // already ended (a stop racing the last event), or a newer answer is shown
    }
    this.setState(state, message);
    ui.answer.setAttribute("aria-busy", "false");
    ui.send.disabled = false;
    ui.stop.disabled = true;
  }

  setState(state, message) {
    ui.answer.dataset.state = state;
    ui.status.textContent = message;
  }
}

// ---- SSE: fetch + ReadableStream (EventSource cannot POST) ---------------------------------------

/**
 * Streams one chat completion over SSE. Returns a function that stops it: aborting the fetch closes
 * the connection, and the gateway cancels the generation at Triton.
 */
function streamOverSse(request, answer) {
  const abort = new AbortController();
  (async () => {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
      signal: abort.signal,
    });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let finishReason = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      buffer += value;
      // Events end with a blank line; only "data: " lines matter (": ..." lines are keep-alives).
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          const data = line.slice(6);
          if (data === "[DONE]") {
            continue;
          }
          const chunk = JSON.parse(data);
          if (chunk.error) {
            throw new Error(chunk.error.message);
          }
          const choice = chunk.choices[0];
          if (choice?.delta?.content) {
            answer.token(choice.delta.content);
          }
          if (choice?.finish_reason) {
            finishReason = choice.finish_reason;
          }
          if (chunk.usage) {
            answer.done(finishReason, chunk.usage);
          }
        }
      }
    }
    answer.done(finishReason ?? "stop", null); // no-op when the usage chunk already ended it
  })().catch((error) => {
    if (error.name === "AbortError") {
      answer.stopped();
    } else {
      answer.failed(error.message);
    }
  });
  return () => abort.abort();
}

// ---- WebSocket: one socket, many generations, each named by our own id ---------------------------

/** The realtime socket (/v1/realtime/chat), opened on first use and reused. */
class RealtimeSocket {
  constructor() {
    this.socket = null;
    this.handlers = new Map(); // generation id -> Answer
    this.nextId = 1;
  }

  /** Starts a generation and returns a function that cancels it. */
  async create(request, answer) {
    const socket = await this.open();
    const id = `c${this.nextId++}`;
    this.handlers.set(id, answer);
    socket.send(JSON.stringify({ type: "create", id, request }));
    return () => socket.send(JSON.stringify({ type: "cancel", id }));
  }

  open() {
    if (this.socket?.readyState === WebSocket.OPEN) {
      return Promise.resolve(this.socket);
    }
    return new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}/v1/realtime/chat`);
      socket.onopen = () => resolve(socket);
      socket.onerror = () => reject(new Error("The WebSocket could not be opened."));
      socket.onmessage = (message) => this.dispatch(JSON.parse(message.data));
      socket.onclose = (close) => {
        for (const answer of this.handlers.values()) {
          answer.failed(`the WebSocket closed (${close.code} ${close.reason})`);
        }
        this.handlers.clear();
        this.socket = null;
      };
      this.socket = socket;
    });
  }

  dispatch(event) {
    const answer = this.handlers.get(event.id);
    switch (event.type) {
      case "chunk":
        answer?.token(event.delta);
        break;
      case "done":
        this.handlers.delete(event.id);
        answer?.done(event.finish_reason, event.usage);
        break;
      case "cancelled":
        this.handlers.delete(event.id);
        answer?.stopped();
        break;
      case "error":
        this.handlers.delete(event.id);
        (answer ?? currentAnswer)?.failed(event.error.message);
        break;
      case "pong":
        break;
      default:
        console.warn("unknown realtime event", event);
    }
  }
}

// ---- Pictures: attached from the file picker or pasted, sent as image_url parts -----------------

// What the gateway takes (docs/images.md); it checks every picture again and names a refused one.
const PICTURE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_PICTURES = 8;
// The whole request must fit gateway.limits.max-body-bytes (4 MiB); base64 makes 3 bytes 4. Checked
// here only so that the user hears about it before a 413; the gateway is what enforces it.
const MAX_PICTURE_BYTES_TOGETHER = Math.floor(((4 * 1024 * 1024) - 64 * 1024) * 3 / 4);

/** The attached pictures, in the order they were added: { name, bytes, dataUri }. */
const attachments = [];

function readAsDataUri(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** Attaches picture files (from the picker or a paste); says why one is not attached. */
async function attach(files) {
  for (const file of files) {
    if (!PICTURE_TYPES.includes(file.type)) {
      ui.status.textContent = `${file.name || "The pasted file"} is not a PNG, JPEG, GIF or WebP picture.`;
      continue;
    }
    if (attachments.length >= MAX_PICTURES) {
      ui.status.textContent = `At most ${MAX_PICTURES} pictures can be sent at once.`;
      break;
    }
    const total = attachments.reduce((sum, a) => sum + a.bytes, 0) + file.size;
    if (total > MAX_PICTURE_BYTES_TOGETHER) {
      ui.status.textContent = `${file.name || "The pasted picture"} is too large: the pictures together must `
        + `stay under ${(MAX_PICTURE_BYTES_TOGETHER / 1048576).toFixed(1)} MiB.`;
      continue;
    }
    try {
      attachments.push({ name: file.name || "pasted picture", bytes: file.size, dataUri: await readAsDataUri(file) });
    } catch (error) {
      ui.status.textContent = `Could not read ${file.name}: ${error.message}`;
    }
  }
  showThumbnails();
}

function showThumbnails() {
  ui.thumbnails.replaceChildren(...attachments.map((attachment, i) => {
    const item = document.createElement("li");
    const image = document.createElement("img");
    image.src = attachment.dataUri;
    image.alt = `Picture ${i + 1}: ${attachment.name}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove picture ${i + 1} (${attachment.name})`);
    remove.addEventListener("click", () => {
      attachments.splice(i, 1);
      showThumbnails();
    });
    item.append(image, remove);
    return item;
  }));
}

/** The user message's content: the prompt alone, or the prompt as a text part followed by the pictures. */
function userContent() {
  if (attachments.length === 0) {
    return ui.prompt.value;
  }
  return [
    { type: "text", text: ui.prompt.value },
    ...attachments.map((a) => ({ type: "image_url", image_url: { url: a.dataUri } })),
  ];
}

// ---- The page --------------------------------------------------------------------------------

const realtime = new RealtimeSocket();
let currentAnswer = null;
let stopCurrent = null;

async function submit(event) {
  event.preventDefault();
  const request = {
    model: ui.model.value.trim(),
    messages: [{ role: "user", content: userContent() }],
  };
  const transport = new FormData(ui.form).get("transport");
  ui.send.disabled = true;
  ui.stop.disabled = false;
  currentAnswer = new Answer();
  try {
    stopCurrent = transport === "websocket"
      ? await realtime.create(request, currentAnswer)
      : streamOverSse(request, currentAnswer);
  } catch (error) {
    currentAnswer.failed(error.message);
  }
}

function stop() {
  if (stopCurrent) {
    stopCurrent();
    stopCurrent = null;
  }
}

async function loadDefaultModel() {
  try {
    const response = await fetch("/v1/models");
    const list = await response.json();
    if (!ui.model.value && list.data?.length) {
      ui.model.value = list.data[0].id;
    }
  } catch (error) {
    ui.status.textContent = `Could not list models: ${error.message}`;
  }
}

ui.form.addEventListener("submit", submit);
ui.images.addEventListener("change", async () => {
  await attach([...ui.images.files]);
  ui.images.value = ""; // the same file can be chosen again after it was removed
});
ui.prompt.addEventListener("paste", (event) => {
  const pictures = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
  if (pictures.length > 0) {
    event.preventDefault(); // a pasted picture is attached, not inserted as text
    attach(pictures);
  }
});
ui.stop.addEventListener("click", stop);
ui.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    ui.form.requestSubmit();
  }
});
loadDefaultModel();
