# goal: jansen-rit-alpha
# expect: contained
# absent: HOSTILE_TCP_ANSWER
# Connects to a TCP server the host runs on 127.0.0.1 (the port leaked into the notebook by the test).
# %%
import socket
try:
    s = socket.create_connection(("127.0.0.1", HOSTILE_TCP_PORT), timeout=3)
    print(s.recv(100).decode())
except OSError as error:
    print("refused:", type(error).__name__)
