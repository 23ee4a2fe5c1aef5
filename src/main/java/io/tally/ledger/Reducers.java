package io.tally.ledger;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The built-in reducers and lookup of custom ones by name. */
public final class Reducers {
    public static final Reducer SUM = named("sum", BigDecimal::add);
    public static final Reducer MAX = named("max", (current, change) -> current.max(change));
    public static final Reducer MIN = named("min", (current, change) -> current.min(change));
    public static final Reducer LAST = named("last", (current, change) -> change);

    private Reducers() {
    }

    /** Built-ins first; a custom reducer cannot shadow one, so {@code sum} always means sum. */
    public static Optional<Reducer> byName(String name) {
        return Optional.ofNullable(available().get(name));
    }

    public static Map<String, Reducer> available() {
        Map<String, Reducer> byName = new TreeMap<>();
        for (Reducer custom : ServiceLoader.load(Reducer.class)) {
            byName.put(custom.name(), custom);
        }
        for (Reducer builtIn : new Reducer[] {SUM, MAX, MIN, LAST}) {
            byName.put(builtIn.name(), builtIn);
        }
        return byName;
    }

    private static Reducer named(String name, java.util.function.BinaryOperator<BigDecimal> fold) {
        return new Reducer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public BigDecimal reduce(BigDecimal current, BigDecimal change) {
                return fold.apply(current, change);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
