package io.vessel.backup.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Gives a local repository the panel's own key again with a cheap key derivation. restic derives every key with
 * scrypt at a cost it calibrates to half a second of CPU, at every call ({@code snapshots}, {@code ls},
 * {@code restore}: each is a process that opens the repository anew) — the right default for a password a person
 * chose, and nothing but latency for Vessel's, which are 256 random bits ({@link RepositoryKeys#newPassword()}): no
 * stretching makes those harder to guess. restic has no option for the cost of a key it makes (it calibrates
 * always, {@code internal/repository/key.go}), but reads the cost from each key file, so the panel writes its key
 * file itself, in restic's format ({@code doc/design.rst}, "Keys, Encryption and MAC"): the master keys, sealed with
 * AES-256-CTR and Poly1305-AES under a scrypt key of the password. The provider's recovery key, a password people
 * keep, stays as restic made it. Where the key files are is the target's business ({@link KeyFiles}: a local
 * directory, or one on an SFTP server reached as restic reaches it).
 */
final class FastRepositoryKey {

    /** scrypt N (2^10, r 8, p 1): about a millisecond, and 1 MiB, instead of 2^15 or more and half a second. */
    static final int N = 1 << 10;
    private static final int R = 8;
    private static final int P = 1;
    private static final int SALT = 64;
    private static final int IV = 16;
    private static final int MAC = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private FastRepositoryKey() {
    }

    /** A repository's key files (restic's {@code keys/}), wherever the repository is. */
    interface KeyFiles {

        /**
         * Whether {@code name} is a key file's: restic names every file of a repository by the SHA-256 of its contents.
         * Anything else (a {@code .tmp} of ours, a name a broken or hostile server lists) is never read, nor put into a
         * command line.
         */
        static boolean isKeyName(String name) {
            return name.length() == 64 && name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        }

        /** Every key file by name (never a {@code .tmp} one of ours), with its bytes. */
        Map<String, byte[]> read() throws IOException;

        /**
         * Writes the key file {@code name} (as a {@code .tmp} renamed into place once it is whole), then deletes
         * {@code old}: a stop in between leaves two keys that both open the repository, never none.
         */
        void replace(String old, String name, byte[] content) throws IOException;
    }

    /** The key files of the local repository at {@code repository}. */
    static KeyFiles local(Path repository) {
        return new LocalKeyFiles(repository.resolve("keys"));
    }

    /**
     * The id of a cheap key of {@code password} in the repository whose key files are {@code files}, made if there is
     * none: the key whose id starts with {@code keyId} (the one the panel recorded) if it is cheap already, else that
     * key written anew. So a repository made before the panel wrote its own key gets one at its next backup, once. A
     * recorded id that names no key (a stop between the new file's rename and the record of its id) is looked for
     * among the keys the password opens, cheap ones first.
     */
    static String ensure(KeyFiles files, String keyId, String password) throws IOException {
        Map<String, byte[]> all = files.read();
        List<String> named = all.keySet().stream().filter(n -> n.startsWith(keyId)).toList();
        if (named.size() > 1) {
            throw new IOException(files + " has " + named.size() + " keys starting with " + keyId);
        }
        String key = named.isEmpty() ? opened(files, all, password) : named.get(0);
        JsonNode read = JSON.readTree(all.get(key));
        return cost(read) <= N ? key : replace(files, key, read, password);
    }

    /**
     * Replaces the key whose id starts with {@code keyId} (as {@code restic key list} shows it) in the local repository
     * at {@code repository} by one of the same master keys, opened by the same {@code password} at a cheap cost, and
     * answers the new key's id.
     */
    static String replace(Path repository, String keyId, String password) throws IOException {
        KeyFiles files = local(repository);
        Map<String, byte[]> all = files.read();
        List<String> matching = all.keySet().stream().filter(n -> n.startsWith(keyId)).toList();
        if (matching.size() != 1) {
            throw new IOException(files + " has " + matching.size() + " keys starting with " + keyId);
        }
        return replace(files, matching.get(0), JSON.readTree(all.get(matching.get(0))), password);
    }

    /** The key file {@code password} opens, trying the cheap ones first (each costly try is a restic-sized scrypt). */
    private static String opened(KeyFiles files, Map<String, byte[]> all, String password) throws IOException {
        Map<String, JsonNode> read = new HashMap<>();
        for (Map.Entry<String, byte[]> file : all.entrySet()) {
            read.put(file.getKey(), JSON.readTree(file.getValue()));
        }
        for (String name : read.keySet().stream().sorted(Comparator.comparingLong(n -> cost(read.get(n)))).toList()) {
            try {
                open(read.get(name), password);
                return name;
            } catch (IOException wrongPassword) {
                // another key (the provider's recovery key): try the next
            }
        }
        throw new IOException("no key of " + files + " opens with the panel's password");
    }

    /** A key file's scrypt work (N r, in units of r 8): what opening it costs. */
    private static long cost(JsonNode key) {
        if (!"scrypt".equals(key.path("kdf").asText())) {
            return Long.MAX_VALUE; // no key restic opens; replace() says so
        }
        return (long) key.path("N").asInt() * Math.max(1, key.path("r").asInt()) / R;
    }

    private static String replace(KeyFiles files, String old, JsonNode key, String password) throws IOException {
        if (!"scrypt".equals(key.path("kdf").asText())) {
            throw new IOException("key " + old + " uses " + key.path("kdf").asText() + ", not scrypt");
        }
        byte[] master = open(key, password);
        byte[] salt = new byte[SALT];
        RANDOM.nextBytes(salt);
        ObjectNode fast = JSON.createObjectNode();
        // RFC 3339 always with seconds (Go's time parser wants them; OffsetDateTime.toString leaves zero seconds out)
        fast.put("created", java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
                .format(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)));
        fast.put("username", key.path("username").asText("root"));
        fast.put("hostname", key.path("hostname").asText(""));
        fast.put("kdf", "scrypt");
        fast.put("N", N);
        fast.put("r", R);
        fast.put("p", P);
        fast.put("salt", Base64.getEncoder().encodeToString(salt));
        fast.put("data", Base64.getEncoder().encodeToString(seal(derive(password, salt, N, R, P), master)));
        byte[] file = JSON.writeValueAsBytes(fast);
        String id = sha256(file); // a key file is named by the hash of its contents, as every file of a repository
        files.replace(old, id, file);
        return id;
    }

    /** A local repository's {@code keys/}: the new file synced before its rename, with the old one's permissions. */
    private record LocalKeyFiles(Path keys) implements KeyFiles {

        @Override
        public Map<String, byte[]> read() throws IOException {
            Map<String, byte[]> all = new HashMap<>();
            try (var files = Files.list(keys)) {
                for (Path file : files.filter(f -> KeyFiles.isKeyName(f.getFileName().toString())).toList()) {
                    all.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
            return all;
        }

        @Override
        public void replace(String old, String name, byte[] content) throws IOException {
            Path part = keys.resolve(name + ".tmp");
            Files.write(part, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (var channel = java.nio.channels.FileChannel.open(part, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.setPosixFilePermissions(part, Files.getPosixFilePermissions(keys.resolve(old)));
            Files.move(part, keys.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.delete(keys.resolve(old));
        }

        @Override
        public String toString() {
            return "repository " + keys.getParent();
        }
    }

    /** The master keys (restic's JSON of them) a key file seals, checked by its MAC. */
    static byte[] open(JsonNode key, String password) throws IOException {
        byte[] salt = Base64.getDecoder().decode(key.path("salt").asText());
        byte[] derived = derive(password, salt, key.path("N").asInt(), key.path("r").asInt(), key.path("p").asInt());
        byte[] data = Base64.getDecoder().decode(key.path("data").asText());
        if (data.length < IV + MAC) {
            throw new IOException("a key file's data is too short");
        }
        byte[] iv = Arrays.copyOfRange(data, 0, IV);
        byte[] ciphertext = Arrays.copyOfRange(data, IV, data.length - MAC);
        byte[] tag = mac(derived, iv, ciphertext);
        if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(data, data.length - MAC, data.length))) {
            throw new IOException("the password does not open this key");
        }
        return ctr(derived, iv, ciphertext);
    }

    /** restic's KDF: 64 bytes of scrypt, the AES-256 key first, then the MAC key as k (AES-128) and r (Poly1305). */
    private static byte[] derive(String password, byte[] salt, int n, int r, int p) throws IOException {
        // restic's own keys stay within 60 MiB of scrypt memory (N 2^16 at r 8); more is no key of restic's or ours
        if (n <= 1 || Integer.bitCount(n) != 1 || r < 1 || p < 1 || (long) n * r > (1L << 20) || p > 16 || salt.length < 8) {
            throw new IOException("a key file's scrypt parameters are not valid");
        }
        return SCrypt.generate(password.getBytes(StandardCharsets.UTF_8), salt, n, r, p, 64);
    }

    private static byte[] seal(byte[] derived, byte[] plaintext) throws IOException {
        byte[] iv = new byte[IV];
        RANDOM.nextBytes(iv);
        byte[] ciphertext = ctr(derived, iv, plaintext);
        byte[] tag = mac(derived, iv, ciphertext);
        byte[] out = new byte[IV + ciphertext.length + MAC];
        System.arraycopy(iv, 0, out, 0, IV);
        System.arraycopy(ciphertext, 0, out, IV, ciphertext.length);
        System.arraycopy(tag, 0, out, IV + ciphertext.length, MAC);
        return out;
    }

    private static byte[] ctr(byte[] derived, byte[] iv, byte[] input) throws IOException {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            // CTR is its own inverse: the same keystream seals and opens
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(derived, 0, 32, "AES"), new IvParameterSpec(iv));
            return aes.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-CTR: " + e.getMessage(), e);
        }
    }

    /** Poly1305-AES as restic computes it: the one-time key is r, then AES-128 under k of the IV. */
    private static byte[] mac(byte[] derived, byte[] iv, byte[] ciphertext) throws IOException {
        byte[] oneTime = new byte[32];
        System.arraycopy(derived, 48, oneTime, 0, 16); // r
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(derived, 32, 16, "AES")); // k
            System.arraycopy(aes.doFinal(iv), 0, oneTime, 16, 16);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES: " + e.getMessage(), e);
        }
        Poly1305 poly = new Poly1305();
        poly.init(new KeyParameter(oneTime));
        poly.update(ciphertext, 0, ciphertext.length);
        byte[] tag = new byte[MAC];
        poly.doFinal(tag, 0);
        return tag;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
