package io.github.mbedtlsjni;

import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * The retransmission timers of all of a {@link DtlsServer}'s sessions: one queue of deadlines,
 * read by the server's loop thread, so that thousands of sessions need no thread or timer each.
 * A session's deadline is kept in the session ({@code timerDeadlineNanos}, 0 for none) and
 * changed only here.
 *
 * <p>Lock: this object's monitor guards the queue and the deadlines. It is the last lock taken
 * (after a session's engine lock and the server's routing lock); nothing is called under it
 * that takes another lock.
 */
final class DtlsTimers {
    private final PriorityQueue<DtlsSession> queue = new PriorityQueue<>(
            (a, b) -> Long.compare(a.timerDeadlineNanos - b.timerDeadlineNanos, 0)); // guarded by this

    /**
     * Sets a session's timer {@code millis} from now, or cancels it when {@code millis} is
     * negative or the session is closed.
     *
     * @return true if the session's deadline is now the earliest (the loop must wake up)
     */
    synchronized boolean schedule(DtlsSession session, long millis) {
        if (session.timerDeadlineNanos != 0) {
            queue.remove(session);
            session.timerDeadlineNanos = 0;
        }
        if (millis < 0 || session.isClosed()) {
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        session.timerDeadlineNanos = deadline == 0 ? 1 : deadline;
        queue.add(session);
        return queue.peek() == session;
    }

    /** The next session whose deadline has passed at {@code now}, taken off the queue; null if none. */
    synchronized DtlsSession pollDue(long now) {
        DtlsSession head = queue.peek();
        if (head == null || head.timerDeadlineNanos - now > 0) {
            return null;
        }
        queue.poll();
        head.timerDeadlineNanos = 0;
        return head;
    }

    /** Nanoseconds from {@code now} to the earliest deadline (negative if passed); MAX_VALUE if none. */
    synchronized long nanosUntilNext(long now) {
        DtlsSession head = queue.peek();
        return head == null ? Long.MAX_VALUE : head.timerDeadlineNanos - now;
    }
}
