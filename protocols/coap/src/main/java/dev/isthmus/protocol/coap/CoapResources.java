package dev.isthmus.protocol.coap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.isthmus.protocol.coap.codec.CoapCode;

/**
 * The resources an endpoint serves, found by longest path (an exact match, or a subtree
 * resource above the path), and their description in the CoRE Link Format (RFC 6690) for
 * {@code /.well-known/core}, which this class serves itself. Immutable once built.
 */
public final class CoapResources {
    static final List<String> WELL_KNOWN_CORE = List.of(".well-known", "core");

    private final List<CoapResource> resources;

    public CoapResources(List<CoapResource> resources) {
        this.resources = List.copyOf(resources);
        for (int i = 0; i < this.resources.size(); i++) {
            for (int j = i + 1; j < this.resources.size(); j++) {
                if (this.resources.get(i).path().equals(this.resources.get(j).path())) {
                    throw new IllegalArgumentException("two resources at " + this.resources.get(i).pathString());
                }
            }
        }
    }

    public List<CoapResource> all() {
        return resources;
    }

    /** The resource serving {@code path}, or null. */
    public CoapResource find(List<String> path) {
        CoapResource best = null;
        for (CoapResource resource : resources) {
            List<String> at = resource.path();
            boolean matches = at.equals(path)
                    || (resource.isSubtree() && path.size() > at.size() && path.subList(0, at.size()).equals(at));
            if (matches && (best == null || at.size() > best.path().size())) {
                best = resource;
            }
        }
        return best;
    }

    /** GET /.well-known/core, with at most one filter in the query (RFC 6690 4.1). */
    void discover(CoapRequest request, CoapExchange exchange) {
        if (request.method() != CoapCode.GET) {
            exchange.respond(CoapResponse.error(CoapCode.METHOD_NOT_ALLOWED, "discovery is GET only"));
            return;
        }
        String filterName = null;
        String filterValue = null;
        if (!request.query().isEmpty()) {
            String parameter = request.query().get(0);
            int equals = parameter.indexOf('=');
            filterName = equals < 0 ? parameter : parameter.substring(0, equals);
            filterValue = equals < 0 ? "" : parameter.substring(equals + 1);
        }
        StringBuilder links = new StringBuilder();
        for (CoapResource resource : resources) {
            if (filterName != null && !matches(resource, filterName, filterValue)) {
                continue;
            }
            if (!links.isEmpty()) {
                links.append(',');
            }
            links.append('<').append(resource.pathString()).append('>');
            for (Map.Entry<String, String> attribute : resource.attributes().entrySet()) {
                links.append(';').append(attribute.getKey()).append('=');
                if (attribute.getKey().equals("ct") || attribute.getKey().equals("sz")) {
                    links.append(attribute.getValue());
                } else {
                    links.append('"').append(attribute.getValue()).append('"');
                }
            }
            if (resource.isObservable()) {
                links.append(";obs");
            }
        }
        exchange.respond(CoapResponse.of(CoapCode.CONTENT).contentFormat(CoapResponse.LINK_FORMAT)
                .payload(links.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * RFC 6690 4.1: a resource matches {@code name=value} when its attribute (or {@code href},
     * its path) has that value, or, when the value ends in {@code *}, starts with what comes
     * before it; attributes holding several space-separated values match on any of them.
     */
    private static boolean matches(CoapResource resource, String name, String value) {
        List<String> candidates = new ArrayList<>();
        if (name.equals("href")) {
            candidates.add(resource.pathString());
        } else if (name.equals("obs")) {
            return resource.isObservable();
        } else {
            String attribute = resource.attributes().get(name);
            if (attribute == null) {
                return false;
            }
            if (name.equals("rt") || name.equals("if")) {
                candidates.addAll(List.of(attribute.split(" ")));
            } else {
                candidates.add(attribute);
            }
        }
        boolean prefix = value.endsWith("*");
        String wanted = prefix ? value.substring(0, value.length() - 1) : value;
        for (String candidate : candidates) {
            if (prefix ? candidate.startsWith(wanted) : candidate.equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}
