package dev.isthmus.tools;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * Turns stop signals (SIGTERM, SIGINT) into a call on an ordinary thread, before the JVM's
 * shutdown sequence begins, so a gateway can drain and then exit with the status it chooses.
 *
 * <p>Why not just a shutdown hook: once a signal starts the shutdown sequence the JVM exits
 * with 128 + the signal number (143 for SIGTERM) whatever the hooks do, which supervisors count
 * as a failure, and java.util.logging's own hook resets the handlers concurrently with ours,
 * so the lines that say how the drain went may be lost.
 *
 * <p>The only JDK API for this is {@code sun.misc.Signal} (module {@code jdk.unsupported},
 * exported to everyone). It is reached reflectively: a compiled reference draws a javac
 * warning that no annotation suppresses, and on a JDK without it {@link #install} just
 * returns false, leaving the caller's shutdown hook to do the work.
 */
final class StopSignals {
    private StopSignals() {
    }

    /**
     * Handles each signal in {@code names} (like "TERM") by calling {@code onSignal} with the
     * name, on a thread the JVM starts for the signal. Replaces the JVM's default handling, so
     * {@code onSignal} must end the process (or let main return) itself.
     *
     * @return false when signal handling is unavailable, or refused for one of the signals (the
     *         ones before it stay handled); the JVM's default handling remains for the rest
     */
    static boolean install(Consumer<String> onSignal, String... names) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Method handle = signalType.getMethod("handle", signalType, handlerType);
            Method getName = signalType.getMethod("getName");
            Object handler = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.accept("SIG" + getName.invoke(args[0]));
                            yield null;
                        }
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "toString" -> "isthmus stop handler";
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            for (String name : names) {
                handle.invoke(null, signalType.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
