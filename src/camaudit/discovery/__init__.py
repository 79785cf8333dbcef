"""Discovery by the vendors' own protocols (SADP, DHIP, DVRIP, WS-Discovery, SSDP, mDNS).

Public API (in ``discovery.inventory``): ``discover_devices(iface, wait, listen, targets)``,
``build_devices(replies, ...)`` and ``merge_devices(discovered, scanned)``. The sans-I/O
pieces are in ``discovery.messages``, the sockets in ``discovery.collect`` and
``net.multicast``, mDNS in ``discovery.mdns``.
"""
