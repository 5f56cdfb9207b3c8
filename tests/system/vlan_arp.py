#!/usr/bin/env python3
"""Asks for an IPv4 address with an ARP request in an 802.1Q tag, from a host without
802.1Q devices (raw AF_PACKET), and says in which VLAN the reply came back.

    vlan_arp.py IFACE VLAN SENDER_IP TARGET_IP [TIMEOUT]

Prints "reply vlan <id>" (or "reply untagged") and exits 0 when the target answered,
exits 1 after TIMEOUT seconds (default 3) without an answer. The kernel keeps a received
tag out of the bytes (skb->vlan_tci): it is read from PACKET_AUXDATA."""
import socket
import struct
import sys
import time

ETH_P_ALL, ETH_P_ARP, ETH_P_8021Q = 0x0003, 0x0806, 0x8100
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10


def main() -> int:
    iface, vlan, sender, target = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 3.0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    mac = s.getsockname()[4]
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(sender), b"\0" * 6,
                      socket.inet_aton(target))
    frame = b"\xff" * 6 + mac + struct.pack("!HHH", ETH_P_8021Q, vlan & 0x0FFF, ETH_P_ARP) + arp
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_send:
            s.send(frame.ljust(64, b"\0"))
            next_send = time.monotonic() + 0.5
        s.settimeout(max(0.05, min(next_send, deadline) - time.monotonic()))
        try:
            data, ancdata, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(32))
        except socket.timeout:
            continue
        tag = None
        for level, kind, value in ancdata:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", value[:20])
                if status & TP_STATUS_VLAN_VALID:
                    tag = tci & 0x0FFF
        offset = 12
        if struct.unpack("!H", data[12:14])[0] == ETH_P_8021Q:
            tag = struct.unpack("!H", data[14:16])[0] & 0x0FFF
            offset = 16
        if struct.unpack("!H", data[offset:offset + 2])[0] != ETH_P_ARP:
            continue
        op, spa = struct.unpack("!H", data[offset + 8:offset + 10])[0], data[offset + 16:offset + 20]
        if op == 2 and spa == socket.inet_aton(target) and data[0:6] == mac:
            print("reply untagged" if tag is None else f"reply vlan {tag}")
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
