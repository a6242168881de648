package dev.isthmus.protocol.http1.client;

/**
 * What becomes of one request sent by a {@link LoopHttpClient}: exactly one of the two methods
 * is called, once, on the client's event loop; it must not block.
 */
public interface HttpResponseHandler {
    /** The origin's final response (interim 1xx responses are skipped), with its whole body. */
    void onResponse(HttpResponse response);

    /** No response: {@code detail} says what happened, for logs and diagnostics. */
    void onFailure(HttpFailure failure, String detail);
}
