#!/usr/bin/env python3
"""Drives a program through a pseudo-terminal as a person would: types a line and reads the echo, resizes the
window (TIOCSWINSZ + SIGWINCH) and reads the new size back, then exits the shell with a status the program must pass
on. Prints one line per step and exits with the program's exit status. Used by CliIT for `vesselctl ve enter`."""
import fcntl, os, pty, select, signal, struct, sys, termios, time

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

def resize(rows, columns):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    os.kill(pid, signal.SIGWINCH)

def read_until(token, timeout=30):
    seen = b""
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
            if token.encode() in seen:
                return seen
    print("timeout waiting for %r; the terminal showed %r" % (token, seen[-800:]))
    sys.exit(99)

resize(30, 100)
time.sleep(2)
os.write(fd, b"echo typed-''in-the-ve\r")
read_until("typed-in-the-ve")
print("typed: ok", flush=True)
resize(41, 132)
time.sleep(0.5)
os.write(fd, b"stty size\r")
read_until("41 132")
print("resized: ok", flush=True)
os.write(fd, b"exit 3\r")
_, status = os.waitpid(pid, 0)
print("exit status %d" % os.WEXITSTATUS(status), flush=True)
