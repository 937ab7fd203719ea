"""fakedaemon.py SOCKET REPLY - a stand-in for auditlogd, for the tests of
what a client takes as its reply: it listens on SOCKET, takes one
connection, and answers each line it reads with REPLY, every N in it
replaced by the line's number on the connection; it ends when the client
shuts its side."""
import socket
import sys

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
c, _ = srv.accept()
n = 0
for line in c.makefile("rb"):
    n += 1
    c.sendall(sys.argv[2].replace("N", str(n)).encode() + b"\n")
c.close()
