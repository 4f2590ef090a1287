package io.github.mbedtlsjni.cli;

/** The command line is wrong: the message says what is wrong; the CLI exits with status 64. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
