package org.maverick.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.maverick.standin.repository.Contract;
import org.maverick.standin.repository.ServedModel;

/**
 * The stand-in's OpenAI-compatible HTTP endpoint ({@code POST /v1/chat/completions}, {@code GET
 * /v1/models}): the same engine, timing model, slots and directives as the gRPC service, answering
 * in the gateway's own chunk format, so a benchmark measures the path without a gateway (and any
 * proxy put in front of it) side by side with the gateway.
 *
 * <p>Each request becomes an llmapi generation (the prompt rendered with the Llama 4 chat template,
 * as the gateway renders it, so both paths generate the same text). Netty, one small event-loop
 * group; generations write from the engine's scheduler threads and Netty hands each write to the
 * channel's event loop, in order. Like the gRPC service, it does not honour flow control. A client
 * that closes the connection cancels the generation and frees its slot.
 */
final class OpenAiEndpoint implements AutoCloseable {

    static final String DONE = "data: [DONE]\n\n";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final ServedModel model;
    private final EventLoopGroup group;
    private Channel server;

    OpenAiEndpoint(Engine engine, ServedModel model, int threads) {
        if (model.contract() != Contract.LLMAPI) {
            throw new IllegalArgumentException("the OpenAI endpoint needs an llmapi model, not " + model.name());
        }
        this.engine = engine;
        this.model = model;
        this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory("stand-in-openai", true));
    }

    OpenAiEndpoint start(String host, int port) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(4 * 1024 * 1024),
                                new Handler());
                    }
                })
                .bind(new InetSocketAddress(host, port)).sync().channel();
        return this;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** One connection; HTTP/1.1 keep-alive, one request at a time. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private Stream current;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String path = request.uri();
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (request.method() == HttpMethod.GET && path.equals("/v1/models")) {
                respond(ctx, HttpResponseStatus.OK, "{\"object\":\"list\",\"data\":[{\"id\":\"llama-4-maverick\","
                        + "\"object\":\"model\",\"created\":0,\"owned_by\":\"triton-stand-in\"}]}", keepAlive);
            } else if (request.method() == HttpMethod.POST && path.equals("/v1/chat/completions")) {
                try {
                    ChatRequest chat = ChatRequest.parse(request.content().toString(StandardCharsets.UTF_8));
                    current = new Stream(ctx.channel(), chat, keepAlive);
                    current.start();
                } catch (IllegalArgumentException e) {
                    respond(ctx, HttpResponseStatus.BAD_REQUEST, error(e.getMessage(), "invalid_request_error",
                            "invalid_value"), keepAlive);
                }
            } else {
                respond(ctx, HttpResponseStatus.NOT_FOUND, error("Unknown endpoint " + request.method() + " " + path
                        + " (the stand-in serves POST /v1/chat/completions and GET /v1/models)",
                        "invalid_request_error", "not_found"), keepAlive);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (current != null) {
                current.clientGone();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), body);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":\"" + type + "\",\"param\":null,\"code\":\""
                + code + "\"}}";
    }

    static String quote(String s) {
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** The parts of an OpenAI chat request the stand-in uses. */
    record ChatRequest(String model, String prompt, boolean stream, boolean includeUsage, int maxTokens, long seed,
                       List<String> stop) {

        static final int DEFAULT_MAX_TOKENS = 4096;

        static ChatRequest parse(String body) {
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("The request body is not valid JSON.");
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("The request body must be a JSON object.");
            }
            JsonNode messages = root.path("messages");
            if (!messages.isArray() || messages.isEmpty()) {
                throw new IllegalArgumentException("'messages' must be a non-empty array.");
            }
            StringBuilder prompt = new StringBuilder();
            for (JsonNode m : messages) {
                String role = m.path("role").asText("user");
                if (role.equals("developer")) {
                    role = "system";
                } else if (role.equals("tool")) {
                    role = "ipython";
                }
                JsonNode content = m.path("content");
                String text;
                if (content.isArray()) {
                    StringBuilder parts = new StringBuilder();
                    content.forEach(p -> parts.append(p.path("text").asText("")));
                    text = parts.toString();
                } else {
                    text = content.asText("");
                }
                // The Llama 4 layout, without BOS, exactly as the gateway renders it for the llmapi model.
                prompt.append("<|header_start|>").append(role).append("<|header_end|>\n\n").append(text).append("<|eot|>");
            }
            prompt.append("<|header_start|>assistant<|header_end|>\n\n");
            List<String> stop = new ArrayList<>();
            JsonNode s = root.path("stop");
            if (s.isTextual()) {
                stop.add(s.asText());
            } else if (s.isArray()) {
                s.forEach(e -> stop.add(e.asText()));
            }
            stop.removeIf(String::isEmpty);
            int maxTokens = root.hasNonNull("max_completion_tokens") ? root.get("max_completion_tokens").asInt()
                    : root.hasNonNull("max_tokens") ? root.get("max_tokens").asInt() : DEFAULT_MAX_TOKENS;
            if (maxTokens < 1) {
                throw new IllegalArgumentException("'max_tokens' must be at least 1.");
            }
            return new ChatRequest(root.path("model").asText("llama-4-maverick"), prompt.toString(),
                    root.path("stream").asBoolean(false),
                    root.path("stream_options").path("include_usage").asBoolean(false),
                    maxTokens, root.path("seed").asLong(0), List.copyOf(stop));
        }
    }

    /**
     * One request's response. Reads the engine's cumulative text, holds back a tail that could still
     * become a stop string (as the gateway does), and renders each new piece as a chunk.
     */
    private final class Stream implements ResponseSink {
        private final Channel channel;
        private final ChatRequest chat;
        private final boolean keepAlive;
        private final String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        private final String head;
        private final String tokenHead;
        private Generation generation;
        /** Guarded by the generation's lock (every send runs under it). */
        private int emittedChars;
        private boolean over;
        private final StringBuilder whole = new StringBuilder();

        Stream(Channel channel, ChatRequest chat, boolean keepAlive) {
            this.channel = channel;
            this.chat = chat;
            this.keepAlive = keepAlive;
            this.head = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":"
                    + System.currentTimeMillis() / 1000 + ",\"model\":" + quote(chat.model()) + ",\"choices\":[";
            this.tokenHead = head + "{\"index\":0,\"delta\":{\"content\":\"";
        }

        void start() {
            Map<String, List<Object>> inputs = new HashMap<>();
            inputs.put("text_input", List.of(chat.prompt().getBytes(StandardCharsets.UTF_8)));
            inputs.put("streaming", List.of(chat.stream()));
            inputs.put("sampling_param_max_tokens", List.of((long) chat.maxTokens()));
            inputs.put("sampling_param_seed", List.of(chat.seed()));
            inputs.put("return_finish_reason", List.of(true));
            if (!chat.stop().isEmpty()) {
                inputs.put("sampling_param_stop", chat.stop().stream().<Object>map(x -> x.getBytes(StandardCharsets.UTF_8)).toList());
            }
            ValidRequest request = new ValidRequest(model, id, inputs,
                    new LinkedHashSet<>(List.of("text_output", "finish_reason")), false);
            GenerationSpec spec;
            try {
                spec = GenerationSpec.of(request);
            } catch (RequestError e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            if (chat.stream()) {
                DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache").set("x-accel-buffering", "no")
                        .set("x-request-id", id);
                HttpUtil.setTransferEncodingChunked(response, true);
                HttpUtil.setKeepAlive(response, keepAlive);
                channel.write(response);
                write(head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                        + "\"finish_reason\":null}]}\n\n");
            }
            if (engine.faults.failFraction() > 0
                    && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < engine.faults.failFraction()) {
                engine.counters.recordStarted();
                engine.counters.recordFailed();
                failed("Triton stand-in: injected failure (faults().failFraction)");
                return;
            }
            generation = new Generation(spec, this, engine);
            engine.admit(generation);
        }

        void clientGone() {
            Generation g = generation;
            if (g != null) {
                g.cancel(false);
            }
        }

        @Override
        public void send(inference.GrpcService.ModelStreamInferResponse response) {
            if (over) {
                return;
            }
            if (!response.getErrorMessage().isEmpty()) {
                failed(response.getErrorMessage());
                return;
            }
            var r = response.getInferResponse();
            String text = firstString(r, "text_output");
            String finishReason = firstString(r, "finish_reason");
            var fin = r.getParametersMap().get(Generation.FINAL);
            boolean last = fin != null && fin.getBoolParam();
            if (text == null) {
                text = "";
            }
            int end = last ? text.length() : text.length() - heldBack(text);
            if (!chat.stream()) {
                if (last) {
                    finishWhole(text, finishReason);
                }
                return;
            }
            if (end > emittedChars) {
                String delta = text.substring(emittedChars, end);
                emittedChars = end;
                write(tokenHead + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance()
                        .quoteAsString(delta)) + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
            }
            if (last) {
                over = true;
                String reason = "length".equals(finishReason) ? "length" : "stop";
                StringBuilder tail = new StringBuilder(head)
                        .append("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"").append(reason)
                        .append("\"}]}\n\n");
                if (chat.includeUsage()) {
                    tail.append(head).append("],\"usage\":").append(usage()).append("}\n\n");
                }
                tail.append(DONE);
                write(tail.toString());
                endResponse();
            }
        }

        private String usage() {
            int prompt = org.maverick.standin.text.TextGenerator.estimatePromptTokens(chat.prompt());
            int completion = generation == null ? 0 : generation.tokens();
            return "{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
                    + (prompt + completion) + "}";
        }

        private void finishWhole(String text, String finishReason) {
            over = true;
            String reason = "length".equals(finishReason) ? "length" : "stop";
            String body = "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":"
                    + System.currentTimeMillis() / 1000 + ",\"model\":" + quote(chat.model())
                    + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + quote(text)
                    + "},\"logprobs\":null,\"finish_reason\":\"" + reason + "\"}],\"usage\":" + usage() + "}";
            ByteBuf content = ByteBufUtil.writeUtf8(channel.alloc(), body);
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = channel.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** An engine error: before the stream, a 502; after it started, the stream's final error event. */
        private void failed(String message) {
            over = true;
            String error = error(message, "server_error", "backend_error");
            if (chat.stream()) {
                write("data: " + error + "\n\n" + DONE);
                endResponse();
            } else {
                ByteBuf content = ByteBufUtil.writeUtf8(channel.alloc(), error);
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.BAD_GATEWAY, content);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** Longest tail of the text that is a proper prefix of a stop string: it may still become one. */
        private int heldBack(String text) {
            int held = 0;
            for (String stop : chat.stop()) {
                for (int n = Math.min(stop.length() - 1, text.length()); n > held; n--) {
                    if (text.regionMatches(text.length() - n, stop, 0, n)) {
                        held = n;
                        break;
                    }
                }
            }
            // Never end a chunk between the halves of a surrogate pair.
            int end = text.length() - held;
            if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
                held++;
            }
            return held;
        }

        private void write(String s) {
            channel.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(channel.alloc(), s)));
        }

        private void endResponse() {
            var written = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void abort(io.grpc.Status status) {
            // [standin:cut_at] and cutAfterResponses: the connection is cut without an ending.
            over = true;
            channel.close();
        }

        @Override
        public void ended(Generation g) {
            // Every ending already wrote its last bytes in send() or abort(); cancel means the client left.
        }
    }

    private static String firstString(inference.GrpcService.ModelInferResponse r, String name) {
        for (int i = 0; i < r.getOutputsCount() && i < r.getRawOutputContentsCount(); i++) {
            if (name.equals(r.getOutputs(i).getName())) {
                var raw = r.getRawOutputContents(i);
                if (raw.size() < 4) {
                    return "";
                }
                int len = raw.byteAt(0) & 0xff | (raw.byteAt(1) & 0xff) << 8 | (raw.byteAt(2) & 0xff) << 16
                        | (raw.byteAt(3) & 0xff) << 24;
                return raw.substring(4, 4 + len).toStringUtf8();
            }
        }
        return null;
    }
}
