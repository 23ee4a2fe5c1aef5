package io.tally.http;

/** A request Tally answers with an error: the HTTP status, a machine-readable code and a message a person understands. */
final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final Integer retryAfterSeconds;

    ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    ApiError(int status, String code, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "BAD_REQUEST", message);
    }

    static ApiError unavailable(String message) {
        return new ApiError(503, "UNAVAILABLE", message, 1);
    }
}
