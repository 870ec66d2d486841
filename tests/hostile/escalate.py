# goal: jansen-rit-alpha
# expect: contained
# absent: ESCALATED
# Tries to become root, mount, change the clock, signal the sandbox's init, and load kernel modules.
# %%
import ctypes, os
for name, attempt in [("setuid", lambda: os.setuid(0)), ("chroot", lambda: os.chroot("/")),
                      ("mount", lambda: ctypes.CDLL(None).mount(b"none", b"/mnt", b"tmpfs", 0, None) == 0 or 1 / 0),
                      ("kill-init", lambda: os.kill(1, 0))]:
    try:
        attempt()
        print(name, "ESCALATED" if name != "kill-init" else "signalled the sandbox's own init (harmless)")
    except Exception as error:
        print(name, "refused", type(error).__name__)
