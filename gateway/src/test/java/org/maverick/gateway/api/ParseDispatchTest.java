package org.maverick.gateway.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.maverick.gateway.generation.GatewayException;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the edges parse a request, on a real Vert.x event loop and its worker pool. */
class ParseDispatchTest {

    private static final int LIMIT = 100;
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** What happened to one request: its result or refusal, where it was parsed, where the outcome arrived. */
    private record Outcome(String value, GatewayException refused, String parsedOn, String deliveredOn,
                           boolean deliveredDuringCall, boolean deliveredOnCallersContext) {
    }

    private static String thread() {
        return Context.isOnEventLoopThread() ? "event-loop" : Context.isOnWorkerThread() ? "worker" : "other";
    }

    private static CompletableFuture<Outcome> dispatch(int size, Callable<String> work) {
        return dispatch(vertx.getOrCreateContext(), size, work);
    }

    private static CompletableFuture<Outcome> dispatch(Context loop, int size, Callable<String> work) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        loop.runOnContext(v -> {
            AtomicReference<String> parsedOn = new AtomicReference<>();
            AtomicBoolean inCall = new AtomicBoolean(true);
            Callable<String> tracked = () -> {
                parsedOn.set(thread());
                return work.call();
            };
            new ParseDispatch(LIMIT).parse(vertx, size, tracked,
                    value -> outcome.complete(new Outcome(value, null, parsedOn.get(), thread(), inCall.get(),
                            Vertx.currentContext() == loop)),
                    refused -> outcome.complete(new Outcome(null, refused, parsedOn.get(), thread(), inCall.get(),
                            Vertx.currentContext() == loop)));
            inCall.set(false);
        });
        return outcome;
    }

    private static Outcome await(CompletableFuture<Outcome> outcome) throws Exception {
        return outcome.get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, LIMIT})
    void aSmallRequestIsParsedRightThereOnTheEventLoop(int size) throws Exception {
        Outcome o = await(dispatch(size, () -> "parsed"));
        assertEquals("parsed", o.value());
        assertEquals("event-loop", o.parsedOn());
        assertTrue(o.deliveredDuringCall(), "no hop: the outcome arrives before parse returns");
        assertTrue(o.deliveredOnCallersContext());
    }

    @ParameterizedTest
    @ValueSource(ints = {LIMIT + 1, 10 * LIMIT})
    void aLargeRequestIsParsedOnAWorkerAndComesBackToTheEventLoop(int size) throws Exception {
        Outcome o = await(dispatch(size, () -> "parsed"));
        assertEquals("parsed", o.value());
        assertEquals("worker", o.parsedOn());
        assertEquals("event-loop", o.deliveredOn());
        assertFalse(o.deliveredDuringCall());
        assertTrue(o.deliveredOnCallersContext(), "back on the context that asked, not any event loop");
    }

    @ParameterizedTest
    @ValueSource(ints = {LIMIT, LIMIT + 1})
    void aRefusalArrivesAsItself(int size) throws Exception {
        GatewayException invalid = new GatewayException.InvalidRequest("messages", "messages must not be empty",
                "empty_array");
        Outcome o = await(dispatch(size, () -> {
            throw invalid;
        }));
        assertNull(o.value());
        assertSame(invalid, o.refused());
        assertEquals("event-loop", o.deliveredOn());
        assertTrue(o.deliveredOnCallersContext());
    }

    @ParameterizedTest
    @ValueSource(ints = {LIMIT, LIMIT + 1})
    void aBugWhileParsingIsAnInternalErrorThatKeepsItsCause(int size) throws Exception {
        IllegalStateException bug = new IllegalStateException("template broke");
        Outcome o = await(dispatch(size, () -> {
            throw bug;
        }));
        GatewayException.Internal internal = assertInstanceOf(GatewayException.Internal.class, o.refused());
        assertSame(bug, internal.getCause());
        assertEquals(500, internal.status());
        assertFalse(internal.getMessage().contains("IllegalStateException"), "no class name for the client");
    }

    @Test
    void aFailureOfWhatFollowsIsNotTakenForAParseFailure() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        AtomicBoolean refused = new AtomicBoolean();
        RuntimeException downstream = new RuntimeException("relay failed");
        vertx.getOrCreateContext().runOnContext(v -> {
            try {
                new ParseDispatch(LIMIT).parse(vertx, 1, () -> "parsed", value -> {
                    throw downstream;
                }, e -> refused.set(true));
                thrown.complete(null);
            } catch (RuntimeException e) {
                thrown.complete(e);
            }
        });
        assertSame(downstream, thrown.get(10, TimeUnit.SECONDS), "it reaches the route's failure handler");
        assertFalse(refused.get());
    }

    /** Two large requests from one event loop (one socket, say): ordered offloading would run them one by one. */
    @Test
    void largeRequestsDoNotQueueBehindEachOther() throws Exception {
        Context loop = vertx.getOrCreateContext();
        CountDownLatch secondRan = new CountDownLatch(1);
        CompletableFuture<Outcome> first = dispatch(loop, LIMIT + 1,
                () -> secondRan.await(10, TimeUnit.SECONDS) ? "first" : "first, alone");
        CompletableFuture<Outcome> second = dispatch(loop, LIMIT + 1, () -> {
            secondRan.countDown();
            return "second";
        });
        assertEquals("second", await(second).value());
        assertEquals("first", await(first).value(), "the second ran while the first was still parsing");
    }
}
