package io.github.mbedtlsjni.cli;

import io.github.mbedtlsjni.TlsException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * A file named on the command line that the library could not use, told as one line that starts
 * with the option: {@code --ca-file /etc/ssl/certs: is a directory: use --ca-path DIR for a
 * directory of CA files}. What Mbed TLS refused keeps Mbed TLS's message (code and text).
 */
final class FileProblem {
    private FileProblem() {}

    /**
     * The line for {@code e}, thrown while the files of {@code files} (option name to path) were
     * read; {@code e}'s own message if it names none of them.
     */
    static String describe(Exception e, Map<String, Path> files) {
        Throwable problem = e instanceof UncheckedIOException ? e.getCause() : e;
        String file = problem instanceof FileSystemException ? ((FileSystemException) problem).getFile() : null;
        for (Map.Entry<String, Path> option : files.entrySet()) {
            Path path = option.getValue();
            boolean named = file != null ? Paths.get(file).equals(path)
                    : String.valueOf(problem.getMessage()).contains(" " + path + ":");
            if (named) {
                return describe(option.getKey(), path, problem);
            }
        }
        return problem.getMessage() != null ? problem.getMessage() : problem.toString();
    }

    /** The line for {@code e}, thrown while the file {@code path} of {@code option} was read. */
    static String describe(String option, Path path, Throwable e) {
        Throwable problem = e instanceof UncheckedIOException ? e.getCause() : e;
        return option + " " + path + ": " + reason(problem, option, path);
    }

    private static String reason(Throwable e, String option, Path path) {
        if (e instanceof NoSuchFileException) {
            return option.equals("--ca-path") ? "no such directory" : "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot be read (permission denied)";
        }
        if (e instanceof FileSystemException) {
            if (Files.isDirectory(path)) {
                return option.equals("--ca-file") ? "is a directory: use --ca-path DIR for a directory of CA files"
                        : "is a directory, not a file";
            }
            return option.equals("--ca-path") ? "is not a directory: use --ca-file FILE for one file of CA certificates"
                    : ((FileSystemException) e).getReason();
        }
        // What Mbed TLS refused: its message, with what the library made of it.
        Throwable cause = e instanceof TlsException && e.getCause() != null ? e.getCause() : e;
        return cause.getMessage();
    }
}
