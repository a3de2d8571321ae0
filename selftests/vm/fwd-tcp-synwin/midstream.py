#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one TCP segment with only ACK set (a mid-stream packet of a flow
nobody opened), from the caller's namespace, through the router.

usage: midstream.py SRC DST SPORT DPORT
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    src, dst, sport, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    payload = b"mid-stream"
    # seq, ack anywhere: conntrack has no window to check them against
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 0x10000000, 0x20000000,
                      5 << 4, 0x10, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(src), socket.inet_aton(dst),
                         0, socket.IPPROTO_TCP, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.bind((src, 0))
    s.sendto(hdr + payload, (dst, 0))


if __name__ == "__main__":
    main()
