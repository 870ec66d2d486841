# goal: jansen-rit-alpha
# expect: notebook-error
# error: (?i)task|thread|process|can't start|resource
# Starts threads until something stops it.
# %%
import threading, time
stop = threading.Event()
threads = []
for _ in range(5000):
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    threads.append(t)
time.sleep(3)
