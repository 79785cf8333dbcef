"""The head every test profile shares: identity fields with no ground truth, up to services:."""


def profile_head(profile_id: str) -> str:
    return f"""\
id: {profile_id}
description: test
maker: null
brand: null
device_type: null
sources: [test]
mac_prefix: "02:00:00"
serial: "####"
services:
"""
