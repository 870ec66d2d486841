# goal: jansen-rit-alpha
# expect: contained
# absent: HOSTILE_SOCKET_ANSWER
# Connects to a Unix socket the host listens on outside /tmp (its path is passed the way a leak would be:
# the test writes it into the notebook before running it).
# %%
import socket
path = "HOSTILE_SOCKET_PATH"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path)
    print(s.recv(100).decode())
except OSError as error:
    print("refused:", type(error).__name__)
