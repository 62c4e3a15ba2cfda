package io.vessel.kernel.api;

import java.util.List;
import java.util.Map;

/**
 * A command to run inside a VE.
 *
 * @param command        argv, e.g. {@code ["hostname"]}
 * @param env            extra environment
 * @param stdin          text fed to the command's standard input
 * @param timeoutSeconds deadline after which the command is killed (default 30, at most 3600)
 */
public record ExecRequest(List<String> command, Map<String, String> env, String stdin, Integer timeoutSeconds) {
}
