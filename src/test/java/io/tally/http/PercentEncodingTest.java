package io.tally.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class PercentEncodingTest {

    @ParameterizedTest
    @ValueSource(strings = {"/v1/wallets/w1", "/v1/wallets/caf%C3%A9", "/v1/wallets/%F0%9F%98%80", "mode=sync&prefix=a%2Fb",
            "prefix=%e2%82%ac", "", "q=a+b", "q=%2B", "a%41"})
    void textThatDecodesToUtf8HasNoProblem(String raw) {
        assertThat(PercentEncoding.problem(raw)).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/v1/wallets/a%C3b        | is not UTF-8 once its %-escapes are decoded",
            "/v1/wallets/a%ED%A0%80b  | is not UTF-8 once its %-escapes are decoded",
            "/v1/wallets/%FF          | is not UTF-8 once its %-escapes are decoded",
            "mode=%ZZ                 | has a '%' not followed by two hexadecimal digits",
            "prefix=a%2               | has a '%' not followed by two hexadecimal digits",
            "prefix=%                 | has a '%' not followed by two hexadecimal digits",
    })
    void brokenEscapesAreNamed(String raw, String problem) {
        assertThat(PercentEncoding.problem(raw)).isEqualTo(problem);
    }
}
