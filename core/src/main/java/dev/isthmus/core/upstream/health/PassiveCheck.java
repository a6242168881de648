package dev.isthmus.core.upstream.health;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of passive health checking: a peer that fails {@code maxFails} times in a row
 * (connect refused or timed out, reset, upstream timeout) is ejected for {@code coolDown}.
 * {@code maxFails == 0} turns passive checking off.
 */
public record PassiveCheck(int maxFails, Duration coolDown) {
    public static final PassiveCheck DEFAULT = new PassiveCheck(3, Duration.ofSeconds(10));
    public static final PassiveCheck OFF = new PassiveCheck(0, Duration.ofSeconds(10));

    public PassiveCheck {
        Objects.requireNonNull(coolDown, "coolDown");
        if (maxFails < 0) {
            throw new IllegalArgumentException("max fails must be >= 0: " + maxFails);
        }
        if (coolDown.isNegative() || coolDown.isZero()) {
            throw new IllegalArgumentException("cool-down must be positive");
        }
    }
}
