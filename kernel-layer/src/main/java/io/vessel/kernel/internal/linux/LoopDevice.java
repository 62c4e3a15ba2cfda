package io.vessel.kernel.internal.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An image file attached to a free loop device (linux/loop.h). The device is set to clear itself when its last
 * user goes, so keep this open until the file system on it is mounted: after that the mount holds it, and
 * unmounting detaches it.
 */
public final class LoopDevice implements AutoCloseable {

    private static final long LOOP_SET_FD = 0x4C00;
    private static final long LOOP_SET_STATUS64 = 0x4C04;
    private static final long LOOP_CTL_GET_FREE = 0x4C82;
    private static final long LOOP_SET_DIRECT_IO = 0x4C08;
    private static final int LOOP_INFO64_SIZE = 232;
    private static final int LO_FLAGS_OFFSET = 52;
    private static final int LO_FLAGS_AUTOCLEAR = 4;
    private static final int EBUSY = 16;

    private final Fd loop;
    private final Path device;

    private LoopDevice(Fd loop, Path device) {
        this.loop = loop;
        this.device = device;
    }

    /** The device path, e.g. {@code /dev/loop3}. */
    public Path device() {
        return device;
    }

    @Override
    public void close() {
        loop.close();
    }

    /**
     * Without direct I/O every page of the pool sits in the page cache twice: once as the VE's file (charged to the
     * VE's memory cgroup) and once as the image file's page (charged to nobody). With it the loop device reads and
     * writes the image past the host's cache. A backing file system that cannot do direct I/O keeps the old way.
     */
    private static void directIo(Fd loop, Path device) {
        try {
            LibC.INSTANCE.ioctl(loop.value(), LOOP_SET_DIRECT_IO, 1L);
        } catch (LastErrorException e) {
            org.slf4j.LoggerFactory.getLogger(LoopDevice.class).warn(
                    "The storage pool's loop device runs without direct I/O (pages cached twice) device={} reason={}", device,
                    LibC.INSTANCE.strerror(e.getErrorCode()));
        }
    }

    public static LoopDevice attach(Path image) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            int number;
            try (Fd control = Fd.open(Path.of("/dev/loop-control"), LibC.O_RDWR)) {
                number = LibC.INSTANCE.ioctl(control.value(), LOOP_CTL_GET_FREE, 0L);
            } catch (LastErrorException e) {
                throw Fd.error("find a free loop device", e);
            }
            Path device = Path.of("/dev/loop" + number);
            Fd loop = Fd.open(device, LibC.O_RDWR);
            try (Fd file = Fd.open(image, LibC.O_RDWR)) {
                try {
                    LibC.INSTANCE.ioctl(loop.value(), LOOP_SET_FD, file.value());
                } catch (LastErrorException e) {
                    loop.close();
                    if (e.getErrorCode() == EBUSY) {
                        continue; // another process took it between GET_FREE and SET_FD
                    }
                    throw Fd.error("attach " + image + " to " + device, e);
                }
                try (Memory info = new Memory(LOOP_INFO64_SIZE)) {
                    info.clear();
                    info.setInt(LO_FLAGS_OFFSET, LO_FLAGS_AUTOCLEAR);
                    LibC.INSTANCE.ioctl(loop.value(), LOOP_SET_STATUS64, info);
                } catch (LastErrorException e) {
                    loop.close(); // auto-clear is not set yet, so detach explicitly
                    throw Fd.error("set auto-clear on " + device, e);
                }
                directIo(loop, device);
                return new LoopDevice(loop, device);
            } catch (IOException | RuntimeException e) {
                loop.close();
                throw e;
            }
        }
        throw new IOException("no free loop device for " + image + " after 10 attempts");
    }
}
