"""``camaudit watch``: scan in a loop, record each scan, send what changed as events
(docs/watch.md).

    events.py   two scans' devices -> events (pure), their ids and JSON
    plan.py     what a cycle scans, with the options of ``camaudit scan``
    loop.py     the cycle (scan, record, compare, hand on), the loop, signals
    state.py    the state directory and the cursor (how far event delivery got)
    lock.py     one watcher per inventory and site (flock; PostgreSQL advisory lock)
    config.py   the TOML file and the flags
    logs.py     log lines on stderr, text or JSON
    sinks/      stdout, webhook, syslog; the on-disk queue and at-least-once delivery
"""
