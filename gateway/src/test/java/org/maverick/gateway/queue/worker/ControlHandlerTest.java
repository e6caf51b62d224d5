package org.maverick.gateway.queue.worker;

import org.junit.jupiter.api.Test;
import org.maverick.gateway.queue.Messages;
import org.maverick.gateway.queue.worker.ControlHandler.Action;
import org.maverick.gateway.queue.worker.ControlHandler.Decision;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a control message asks of the worker, given whether its request runs there. */
class ControlHandlerTest {

    private static final long DEFAULT_GRACE = 5_000;

    private static Messages.Control control(String action, String id, Long graceMs) {
        return new Messages.Control(Messages.VERSION, id, action, 0, graceMs);
    }

    private static Decision decide(String action, boolean running, boolean graceRunning) {
        return ControlHandler.decide(control(action, "r-1", null), running, graceRunning, DEFAULT_GRACE);
    }

    @Test
    void aCancelStopsTheRunningGenerationEvenDuringItsGracePeriod() {
        assertEquals(Action.CANCEL, decide(Messages.Control.CANCEL, true, false).action());
        assertEquals(Action.CANCEL, decide(Messages.Control.CANCEL, true, true).action());
    }

    @Test
    void aCancelForARequestNotRunningHereIsKeptForWhenItStarts() {
        assertEquals(Action.CANCEL_EARLY, decide(Messages.Control.CANCEL, false, false).action());
    }

    @Test
    void aCancelWithoutRequestIdIsIgnored() {
        assertEquals(Action.NONE, ControlHandler.decide(control(Messages.Control.CANCEL, null, null), false, false,
                DEFAULT_GRACE).action());
    }

    @Test
    void aClientLeavingStartsTheGracePeriodItNamesOrTheDefault() {
        assertEquals(new Decision(Action.START_GRACE, DEFAULT_GRACE), decide(Messages.Control.CLIENT_GONE, true, false));
        assertEquals(new Decision(Action.START_GRACE, 250), ControlHandler.decide(
                control(Messages.Control.CLIENT_GONE, "r-1", 250L), true, false, DEFAULT_GRACE));
        assertEquals(new Decision(Action.START_GRACE, 0), ControlHandler.decide(
                control(Messages.Control.CLIENT_GONE, "r-1", 0L), true, false, DEFAULT_GRACE), "0: cancel at once");
    }

    @Test
    void aClientLeavingAgainDoesNotRestartARunningGracePeriod() {
        assertEquals(Action.NONE, decide(Messages.Control.CLIENT_GONE, true, true).action());
    }

    @Test
    void aClientLeavingARequestNotRunningHereIsRememberedWithItsGracePeriod() {
        // The race of the abandoned-streams finding: the client leaves while its request still waits
        // in Kafka; dropping this message let the request start later for nobody.
        assertEquals(new Decision(Action.NOTE_GONE, DEFAULT_GRACE), decide(Messages.Control.CLIENT_GONE, false, false));
        assertEquals(new Decision(Action.NOTE_GONE, 250), ControlHandler.decide(
                control(Messages.Control.CLIENT_GONE, "r-1", 250L), false, false, DEFAULT_GRACE));
        assertEquals(Action.NONE, ControlHandler.decide(control(Messages.Control.CLIENT_GONE, null, 250L), false, false,
                DEFAULT_GRACE).action(), "no request named");
    }

    @Test
    void aClientComingBackStopsTheGracePeriodIfOneRunsOrForgetsThatItLeft() {
        assertEquals(Action.STOP_GRACE, decide(Messages.Control.CLIENT_BACK, true, true).action());
        assertEquals(Action.NONE, decide(Messages.Control.CLIENT_BACK, true, false).action());
        assertEquals(Action.NOTE_BACK, decide(Messages.Control.CLIENT_BACK, false, false).action());
    }

    @Test
    void anUnknownOrMissingActionIsDeadLettered() {
        assertEquals(Action.DEAD_LETTER, decide("pause", true, false).action());
        assertEquals(Action.DEAD_LETTER, decide(null, false, false).action());
        assertEquals(Action.DEAD_LETTER, decide("CANCEL", true, false).action(), "actions are lower case");
    }
}
