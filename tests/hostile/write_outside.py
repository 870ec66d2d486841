# goal: jansen-rit-alpha
# expect: contained
# Writes into the project, the host's /tmp and /var/tmp; the test checks the host is untouched.
# %%
for path in ("/work/main/README.md", "/tmp/hostile-was-here", "/var/tmp/hostile-was-here",
             "HOSTILE_PROJECT_FILE"):
    try:
        with open(path, "a") as out:
            out.write("hostile\n")
        print("wrote", path)
    except OSError as error:
        print("refused", path, type(error).__name__)
