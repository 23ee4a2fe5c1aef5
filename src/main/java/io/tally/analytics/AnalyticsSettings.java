package io.tally.analytics;


import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * How analytics are bucketed and kept.
 *
 * @param zone          the calendar of every resource without a zone of its own
 * @param resourceZones zones chosen per resource
 * @param retention     how long buckets of each granularity are kept after they end
 * @param purgeInterval how often expired buckets are dropped
 * @param off           resources whose analytics are not kept (their transactions are folded into nothing)
 */
public record AnalyticsSettings(ZoneId zone, Map<String, ZoneId> resourceZones, Map<Granularity, Duration> retention,
                                Duration purgeInterval, Set<String> off) {

    /** Analytics of every resource. */
    public AnalyticsSettings(ZoneId zone, Map<String, ZoneId> resourceZones, Map<Granularity, Duration> retention,
                             Duration purgeInterval) {
        this(zone, resourceZones, retention, purgeInterval, Set.of());
    }

    public AnalyticsSettings {
        off = Set.copyOf(off);
        resourceZones = Map.copyOf(resourceZones);
        retention = new EnumMap<>(retention);
        for (Granularity granularity : Granularity.values()) {
            if (!retention.containsKey(granularity)) {
                throw new IllegalArgumentException("no retention for " + granularity.wireName());
            }
        }
    }

    /** Whether the resource's analytics are kept. */
    public boolean kept(String resource) {
        return !off.contains(resource);
    }

    public ZoneId zoneOf(String resource) {
        return resourceZones.getOrDefault(resource, zone);
    }
}
