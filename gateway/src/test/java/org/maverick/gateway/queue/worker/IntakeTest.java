package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.worker.Intake.Verdict;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The intake's checks on a readable request, in their order. */
class IntakeTest {

    private static final long NOW = 1_767_225_600_000L;

    private static Messages.Status status(String state, int attempt) {
        return new Messages.Status(Messages.VERSION, "r-1", state, attempt, "t", null, null, 0);
    }

    /** An early-cancel lookup that says {@code answer} and counts how often it was asked. */
    private static BooleanSupplier cancelled(boolean answer, AtomicInteger asked) {
        return () -> {
            asked.incrementAndGet();
            return answer;
        };
    }

    @Test
    void aNewRequestRuns() {
        assertEquals(Verdict.RUN, Intake.verdict(false, null, () -> false, null, NOW));
        assertEquals(Verdict.RUN, Intake.verdict(false, null, () -> false, NOW, NOW), "not past its deadline yet");
    }

    @Test
    void anInterruptedRequestRunsAgain() {
        assertEquals(Verdict.RUN, Intake.verdict(false, status(Messages.Status.RUNNING, 1), () -> false, null, NOW));
    }

    @Test
    void aRequestRunningHereOrEndedIsNotRunAgainAndKeepsItsEarlyCancel() {
        AtomicInteger asked = new AtomicInteger();
        assertEquals(Verdict.ALREADY_HANDLED, Intake.verdict(true, null, cancelled(true, asked), null, NOW));
        for (String state : new String[] {Messages.Status.FINISHED, Messages.Status.CANCELLED,
                Messages.Status.EXPIRED, Messages.Status.FAILED}) {
            assertEquals(Verdict.ALREADY_HANDLED, Intake.verdict(false, status(state, 1), cancelled(true, asked),
                    NOW - 1, NOW), state);
        }
        assertEquals(0, asked.get(), "an early cancel is not used up by a request that does not run");
    }

    @Test
    void anEarlyCancelComesBeforeTheDeadline() {
        AtomicInteger asked = new AtomicInteger();
        assertEquals(Verdict.CANCELLED, Intake.verdict(false, null, cancelled(true, asked), NOW - 1, NOW));
        assertEquals(1, asked.get());
    }

    @Test
    void aRequestPastItsDeadlineExpires() {
        assertEquals(Verdict.EXPIRED, Intake.verdict(false, null, () -> false, NOW - 1, NOW));
        assertEquals(Verdict.EXPIRED, Intake.verdict(false, status(Messages.Status.RUNNING, 2), () -> false, NOW - 1,
                NOW), "an interrupted one too");
    }

    @Test
    void theNextAttemptFollowsTheLastStatus() {
        assertEquals(1, Intake.nextAttempt(null));
        assertEquals(2, Intake.nextAttempt(status(Messages.Status.RUNNING, 1)));
        assertEquals(4, Intake.nextAttempt(status(Messages.Status.RUNNING, 3)));
    }

    @Test
    void aRequestWhoseClientLeftIsParkedDuringTheGracePeriodAndAnsweredAfterIt() {
        assertEquals(Verdict.CLIENT_AWAY, Intake.verdict(false, null, () -> false, null, NOW + 1, NOW));
        assertEquals(Verdict.CLIENT_GONE, Intake.verdict(false, null, () -> false, null, NOW, NOW));
        assertEquals(Verdict.CLIENT_GONE, Intake.verdict(false, null, () -> false, null, NOW - 1, NOW));
        assertEquals(Verdict.RUN, Intake.verdict(false, null, () -> false, null, ClientPresence.PRESENT, NOW));
    }

    @Test
    void anExplicitCancelOrAnExpiryWinsOverAClientThatLeft() {
        assertEquals(Verdict.CANCELLED, Intake.verdict(false, null, () -> true, null, NOW - 1, NOW));
        assertEquals(Verdict.EXPIRED, Intake.verdict(false, null, () -> false, NOW - 1, NOW - 1, NOW));
        assertEquals(Verdict.ALREADY_HANDLED, Intake.verdict(true, null, () -> false, null, NOW - 1, NOW));
    }
}
