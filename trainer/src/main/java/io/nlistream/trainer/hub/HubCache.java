package io.nlistream.trainer.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face cache layout, shared with huggingface_hub:
 * <pre>
 * &lt;cache&gt;/models--org--name/blobs/&lt;etag&gt;
 *     file contents, named by ETag (sha256 for LFS files)
 * &lt;cache&gt;/models--org--name/snapshots/&lt;commit&gt;/&lt;file&gt;
 *     relative symlinks to the blobs (copies where links fail)
 * &lt;cache&gt;/models--org--name/refs/&lt;revision&gt;
 *     the commit a branch or tag resolved to
 * &lt;cache&gt;/.locks/models--org--name/&lt;etag&gt;.lock
 *     serialises concurrent downloads of one blob
 * </pre>
 * A blob only appears once complete and verified, and a snapshot entry only once its blob exists, so an interrupted
 * download never leaves anything that a later run would take for a good file.
 */
final class HubCache {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path root;
    private final boolean symlinks;

    HubCache(Path root) {
        this(root, true);
    }

    /** {@code symlinks == false} always copies, as on file systems without symbolic links. */
    HubCache(Path root, boolean symlinks) {
        this.root = root;
        this.symlinks = symlinks;
    }

    Path root() {
        return root;
    }

    Path repoDir(String repoId) {
        return root.resolve(folderName(repoId));
    }

    Path blob(String repoId, String etag) throws HubException {
        return repoDir(repoId).resolve("blobs").resolve(safe(etag, "ETag"));
    }

    Path lockFile(String repoId, String etag) throws HubException {
        return root.resolve(".locks").resolve(folderName(repoId)).resolve(safe(etag, "ETag") + ".lock");
    }

    Path snapshotDir(String repoId, String commit) throws HubException {
        return repoDir(repoId).resolve("snapshots").resolve(safe(commit, "commit"));
    }

    Path snapshotFile(String repoId, String commit, String filename) throws HubException {
        return snapshotDir(repoId, commit).resolve(checkedFilename(filename));
    }

    /** The commit a revision resolved to when it was last downloaded: a ref file, or the revision itself. */
    Optional<String> commitFor(String repoId, String revision) throws HubException {
        Path ref = refFile(repoId, revision);
        try {
            if (Files.isRegularFile(ref)) {
                return Optional.of(
                        safe(Files.readString(ref, StandardCharsets.UTF_8).trim(), "commit"));
            }
        } catch (IOException e) {
            throw new HubException("cannot read cache ref " + ref + ": " + e.getMessage());
        }
        return HubClient.isCommit(revision) && Files.isDirectory(snapshotDir(repoId, revision))
                ? Optional.of(revision)
                : Optional.empty();
    }

    void writeRef(String repoId, String revision, String commit) throws HubException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = refFile(repoId, revision);
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HubException("cannot write cache ref " + ref + ": " + e.getMessage());
        }
    }

    /** Points {@code pointer} (a snapshot entry) at {@code blob}: a relative symlink, else an atomic copy. */
    void link(Path blob, Path pointer) throws HubException {
        try {
            Files.createDirectories(pointer.getParent());
            Files.deleteIfExists(pointer);
            if (symlinks) {
                try {
                    Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
                    return;
                } catch (FileAlreadyExistsException e) {
                    return; // another process linked it first
                } catch (UnsupportedOperationException | IOException | SecurityException e) {
                    // no symlinks here (Windows without developer mode, some mounts): fall back to a copy
                }
            }
            Path tmp = pointer.resolveSibling(pointer.getFileName() + ".incomplete");
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, pointer, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HubException("cannot create " + pointer + " in the Hugging Face cache: " + e.getMessage());
        }
    }

    private Path refFile(String repoId, String revision) throws HubException {
        return repoDir(repoId).resolve("refs").resolve(checkedFilename(revision));
    }

    static String folderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    /** A repo-relative file name from the server or a user: no absolute paths, no {@code ..}, no empty parts. */
    static String checkedFilename(String name) throws HubException {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\")) {
            throw new HubException("refusing file name '" + name + "' from the Hub: not a relative path");
        }
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new HubException("refusing file name '" + name + "' from the Hub: it escapes the snapshot");
            }
        }
        return name;
    }

    private static String safe(String value, String what) throws HubException {
        if (value == null || !SAFE_NAME.matcher(value).matches()) {
            throw new HubException("the Hub sent an unusable " + what + " '" + value + "'");
        }
        return value;
    }
}
