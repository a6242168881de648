package dev.isthmus.protocol.mqtt;

import java.lang.reflect.Method;

import dev.isthmus.core.server.Blocking;

/**
 * Which phases of an {@link MqttHooks} implementation it overrides, and which are
 * {@link Blocking}: looked at once, when a service is built, so that a phase left at its default
 * costs nothing per packet.
 */
final class HookPhases {
    final boolean connect;
    final boolean blockingConnect;
    final boolean subscribe;
    final boolean publish;
    final boolean disconnected;

    HookPhases(MqttHooks<?> hooks) {
        Class<?> type = hooks.getClass();
        connect = implementation(type, "connect", 2) != null;
        Method connectMethod = implementation(type, "connect", 2);
        blockingConnect = connectMethod != null && connectMethod.isAnnotationPresent(Blocking.class);
        subscribe = implementation(type, "subscribe", 3) != null;
        publish = implementation(type, "publish", 4) != null;
        disconnected = implementation(type, "disconnected", 3) != null;
    }

    /** The implementation's own override of {@code phase} (bridges skipped), or null when it keeps the default. */
    private static Method implementation(Class<?> type, String phase, int parameters) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method method : c.getDeclaredMethods()) {
                if (method.getName().equals(phase) && !method.isBridge() && method.getParameterCount() == parameters) {
                    return method;
                }
            }
        }
        return null;
    }
}
