package dev.isthmus.protocol.http1;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Changes to a message head on its way through the proxy: fields to remove, set (replace) or
 * add, and for responses a new status. Applied when the head is written out; the original
 * bytes are never modified. Nothing is allocated until a change is made.
 *
 * <p>Field names are matched case-insensitively. Values must not contain CR or LF.
 */
public final class HeaderEdits {
    private List<String> removed;
    private List<String> addedNames;
    private List<String> addedValues;
    private int status;

    void clear() {
        if (removed != null) {
            removed.clear();
            addedNames.clear();
            addedValues.clear();
        }
        status = 0;
    }

    /** Removes every field called {@code name} from the original head. */
    public HeaderEdits remove(String name) {
        lists();
        removed.add(name.toLowerCase(Locale.ROOT));
        return this;
    }

    /** Replaces every field called {@code name} with one field of {@code value}. */
    public HeaderEdits set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    /** Adds a field after the original ones. */
    public HeaderEdits add(String name, String value) {
        checkToken(name);
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header values must not contain CR or LF");
        }
        lists();
        addedNames.add(name);
        addedValues.add(value);
        return this;
    }

    /** Replaces the response status (responses only; the reason phrase follows the code). */
    public HeaderEdits status(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status must have three digits: " + status);
        }
        this.status = status;
        return this;
    }

    public boolean isEmpty() {
        return status == 0 && (removed == null || (removed.isEmpty() && addedNames.isEmpty()));
    }

    int status() {
        return status;
    }

    boolean isRemoved(org.agrona.DirectBuffer buffer, int offset, int length) {
        if (removed == null) {
            return false;
        }
        for (int i = 0; i < removed.size(); i++) {
            if (AsciiText.equalsIgnoreCase(buffer, offset, length, removed.get(i))) {
                return true;
            }
        }
        return false;
    }

    int addedCount() {
        return addedNames == null ? 0 : addedNames.size();
    }

    String addedName(int i) {
        return addedNames.get(i);
    }

    String addedValue(int i) {
        return addedValues.get(i);
    }

    private void lists() {
        if (removed == null) {
            removed = new ArrayList<>(4);
            addedNames = new ArrayList<>(4);
            addedValues = new ArrayList<>(4);
        }
    }

    private static void checkToken(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!token) {
                throw new IllegalArgumentException("not a valid header name: " + name);
            }
        }
    }

    @Override
    public String toString() {
        return "HeaderEdits[removed=" + removed + ", added=" + addedNames + "=" + addedValues + ", status=" + status + "]";
    }
}
