/**
 * Test support shared with the other modules' tests through core's test-jar: peers that
 * nobody here wrote, run as real processes, and waiting for a condition with a deadline.
 * Depends on the JDK and JUnit only.
 */
package dev.isthmus.core.testing;
