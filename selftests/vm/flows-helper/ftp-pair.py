# SPDX-License-Identifier: GPL-2.0
# An FTP-like control connection over the loopback: a server on
# 127.0.0.1:21 and its client, which announces a data port with PORT (the
# ftp conntrack helper turns that into an expectation). Writes READY_FILE
# once the exchange is done; when DATA_FILE appears, the server opens the
# data connection to that port (conntrack creates it from the expectation)
# and READY_FILE.data is written. Holds the connections for HOLD_S seconds.
#   python3 ftp-pair.py READY_FILE DATA_FILE HOLD_S
import os
import socket
import sys
import time

ready, data, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
end = time.monotonic() + hold
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 21))
srv.listen(1)
cli = socket.create_connection(("127.0.0.1", 21), timeout=10)
conn, _ = srv.accept()
conn.sendall(b"220 issu test\r\n")
cli.recv(100)
# the helper reads a line only after one it saw end (a new line in the
# stream): USER first, as any client sends it
cli.sendall(b"USER anonymous\r\n")
conn.recv(100)
conn.sendall(b"331 Please specify the password\r\n")
cli.recv(100)
# data port 195 * 256 + 80 = 50000
lsn = socket.socket()
lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsn.bind(("127.0.0.1", 50000))
lsn.listen(1)
cli.sendall(b"PORT 127,0,0,1,195,80\r\n")
conn.recv(100)
conn.sendall(b"200 PORT command successful\r\n")
cli.recv(100)
with open(ready, "w") as f:
    f.write("ready\n")
while not os.path.exists(data) and time.monotonic() < end:
    time.sleep(0.2)
if os.path.exists(data):
    srv_data = socket.create_connection(("127.0.0.1", 50000), timeout=10,
                                        source_address=("127.0.0.1", 20))
    cli_data, _ = lsn.accept()
    srv_data.sendall(b"-rw-r--r-- 1 issu issu 0 README\r\n")
    cli_data.recv(100)
    with open(ready + ".data", "w") as f:
        f.write("ready\n")
time.sleep(max(0.0, end - time.monotonic()))
