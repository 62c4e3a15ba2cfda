package io.vessel.kernel.internal.linux;

/** Linux ioctl request numbers, as the _IO/_IOR/_IOW/_IOWR macros compute them on x86-64 and arm64. */
public final class Ioctl {

    private static final int NONE = 0;
    private static final int WRITE = 1;
    private static final int READ = 2;

    private Ioctl() {
    }

    public static long io(int type, int nr) {
        return encode(NONE, type, nr, 0);
    }

    public static long ior(int type, int nr, int size) {
        return encode(READ, type, nr, size);
    }

    public static long iow(int type, int nr, int size) {
        return encode(WRITE, type, nr, size);
    }

    public static long iowr(int type, int nr, int size) {
        return encode(READ | WRITE, type, nr, size);
    }

    private static long encode(int direction, int type, int nr, int size) {
        return ((long) direction << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }
}
