package io.tally.analytics;


import java.time.Duration;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;

/**
 * How analytics are bucketed and kept.
 *
 * @param zone          the calendar of every resource without a zone of its own
 * @param resourceZones zones chosen per resource
 * @param retention     how long buckets of each granularity are kept after they end
 * @param purgeInterval how often expired buckets are dropped
 */
public record AnalyticsSettings(ZoneId zone, Map<String, ZoneId> resourceZones, Map<Granularity, Duration> retention,
                                Duration purgeInterval) {

    public AnalyticsSettings {
        resourceZones = Map.copyOf(resourceZones);
        retention = new EnumMap<>(retention);
        for (Granularity granularity : Granularity.values()) {
            if (!retention.containsKey(granularity)) {
                throw new IllegalArgumentException("no retention for " + granularity.wireName());
            }
        }
    }

    public ZoneId zoneOf(String resource) {
        return resourceZones.getOrDefault(resource, zone);
    }
}
