package io.pulsemq.sdk;

/**
 * Which clients {@link StatusClient#list} returns. Immutable; start from {@link #all()} and narrow it.
 *
 * @param group    only clients of this group, or null for every group the key sees
 * @param online   only online ({@code true}) or offline ({@code false}) clients, or null for both
 * @param prefix   only client IDs starting with this, or null
 * @param pageSize clients per HTTP call, 1..1000
 */
public record ListQuery(String group, Boolean online, String prefix, int pageSize) {

    /** Largest page the API serves. */
    public static final int MAX_PAGE_SIZE = 1000;

    public ListQuery {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be 1.." + MAX_PAGE_SIZE);
        }
    }

    /** Every known client, 1,000 per page. */
    public static ListQuery all() {
        return new ListQuery(null, null, null, MAX_PAGE_SIZE);
    }

    public ListQuery group(String group) {
        return new ListQuery(group, online, prefix, pageSize);
    }

    public ListQuery online(Boolean online) {
        return new ListQuery(group, online, prefix, pageSize);
    }

    public ListQuery prefix(String prefix) {
        return new ListQuery(group, online, prefix, pageSize);
    }

    public ListQuery pageSize(int pageSize) {
        return new ListQuery(group, online, prefix, pageSize);
    }
}
