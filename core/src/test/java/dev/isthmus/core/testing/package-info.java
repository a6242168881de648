/**
 * Test support shared with the other modules' tests through core's test-jar: peers that
 * nobody here wrote, run as real processes. Depends on the JDK and JUnit only.
 */
package dev.isthmus.core.testing;
