package dev.isthmus.protocol.http1;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A base for test classes whose tests all talk to one {@link TestOrigin} through one
 * {@link TestProxy} (two loops), started before the class's first test and closed after its
 * last. One instance serves every test of the class, so the two are plain fields.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OriginBehindProxy {
    private final HttpProxySettings settings;
    TestOrigin origin;
    TestProxy proxy;

    OriginBehindProxy() {
        this(HttpProxySettings.DEFAULT);
    }

    OriginBehindProxy(HttpProxySettings settings) {
        this.settings = settings;
    }

    @BeforeAll
    final void startOriginAndProxy() throws Exception {
        origin = new TestOrigin();
        proxy = TestProxy.start(settings, 2, origin.address());
    }

    @AfterAll
    final void stopOriginAndProxy() throws Exception {
        proxy.close();
        origin.close();
    }
}
