package io.tally.ledger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The name rules, checked by hand-written loops, against the regular expressions that state them. */
class RecordKeyTest {
    private static final Pattern RESOURCE = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}");
    private static final Pattern TX_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @Provide
    Arbitrary<String> names() {
        // Every class of character the rules tell apart, at lengths around each limit.
        Arbitrary<String> pieces = Arbitraries.strings().withChars("aqzAZ09_-.: é/\u0000").ofMinLength(0).ofMaxLength(6);
        Arbitrary<String> runs = Arbitraries.strings().withChars("ab_").ofMinLength(60).ofMaxLength(66);
        Arbitrary<String> longRuns = Arbitraries.strings().withChars("ab0.").ofMinLength(120).ofMaxLength(135);
        return Arbitraries.oneOf(pieces, runs, longRuns).list().ofMaxSize(5).map(parts -> String.join("", parts));
    }

    @Property(tries = 20_000)
    void namesFollowTheirRules(@ForAll("names") String name) {
        assertThat(RecordKey.validResource(name)).as("resource %s", name).isEqualTo(RESOURCE.matcher(name).matches());
        assertThat(RecordKey.validField(name)).as("field %s", name).isEqualTo(FIELD.matcher(name).matches());
        assertThat(RecordKey.validTxId(name)).as("txId %s", name).isEqualTo(TX_ID.matcher(name).matches());
    }

    @Property(tries = 5_000)
    void dotPathsFollowTheFieldRule(@ForAll("segments") String path) {
        assertThat(RecordKey.validField(path)).as(path).isEqualTo(FIELD.matcher(path).matches());
    }

    @Provide
    Arbitrary<String> segments() {
        Arbitrary<String> segment = Arbitraries.oneOf(Arbitraries.strings().withChars("aZ_9").ofMinLength(0).ofMaxLength(3),
                Arbitraries.strings().withChars("x").ofMinLength(63).ofMaxLength(65));
        return segment.list().ofMinSize(1).ofMaxSize(10).map(parts -> String.join(".", parts));
    }
}
