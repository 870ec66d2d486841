# goal: jansen-rit-alpha
# expect: contained
# absent: root:$
# absent: root:*:
# absent: HOSTILE_TEST_SECRET_VALUE
# Reads host secrets and credentials, printing whatever it gets.
# %%
import os
for path in ("/etc/shadow", "/root/.bashrc", "/root/.ssh/id_rsa", "/etc/sudoers", "/proc/1/environ"):
    try:
        print(path, open(path).read()[:200])
    except OSError as error:
        print(path, "refused:", type(error).__name__)
print(dict(os.environ))
print("uid", os.getuid())
