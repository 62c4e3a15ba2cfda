package io.vessel.kernel.internal;

import io.vessel.kernel.api.VeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/** Reads an OpenSSH public key line ({@code type base64 [comment]}) and checks it is one. */
final class SshKeys {

    static final int MAX_PER_VE = 50;
    private static final Set<String> TYPES = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

    /** A checked key: the line to write, its type, comment, fingerprint and URL-safe id. */
    record Parsed(String line, String type, String comment, String fingerprint, String id) {
    }

    private SshKeys() {
    }

    static Parsed parse(String text) {
        if (text == null || text.isBlank() || text.length() > 16000 || text.strip().contains("\n") || text.contains("\r")) {
            throw invalid("give one public key line such as \"ssh-ed25519 AAAA… you@laptop\"");
        }
        String[] parts = text.strip().split("\\s+", 3);
        if (parts.length < 2 || !TYPES.contains(parts[0])) {
            throw invalid("the key must start with one of " + TYPES.stream().sorted().toList() + " (options before the type are not accepted)");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw invalid("the key's second part is not Base64");
        }
        if (!parts[0].equals(embeddedType(blob))) {
            throw invalid("the key data does not belong to a " + parts[0] + " key");
        }
        String comment = parts.length == 3 ? parts[2].strip() : null;
        if (comment != null && (comment.length() > 200 || !comment.chars().allMatch(c -> c >= 0x20 && c != 0x7f))) {
            throw invalid("the comment must be printable and at most 200 characters");
        }
        byte[] digest = sha256(blob);
        String fingerprint = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        String line = parts[0] + " " + parts[1] + (comment == null || comment.isEmpty() ? "" : " " + comment);
        return new Parsed(line, parts[0], comment == null || comment.isEmpty() ? null : comment, fingerprint, HexFormat.of().formatHex(digest));
    }

    /** The type name every key blob begins with (a length-prefixed string). */
    private static String embeddedType(byte[] blob) {
        if (blob.length < 4) {
            return null;
        }
        int length = ByteBuffer.wrap(blob, 0, 4).getInt();
        if (length <= 0 || length > 64 || blob.length < 4 + length) {
            return null;
        }
        return new String(blob, 4, length, StandardCharsets.US_ASCII);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static VeException invalid(String message) {
        return new VeException(VeException.Kind.INVALID, "publicKey", message, null);
    }
}
