"""The lab: emulated cameras, recorders and negatives whose behaviour is data (``profiles/``).

Public API (imported from the submodules; this package imports nothing so that
``python -m camaudit.lab.server`` starts cleanly):

* ``profiles.load_profiles() -> dict[str, Profile]``
* ``plan.plan(net, count, profiles, include_hostile=False) -> list[LabDevice]``
* ``server.serve(devices, log_path, ready)`` (async, runs until cancelled)
* ``control.up(...)``, ``control.down(state_path)``, ``control.list_devices(state_path)``

Lab credentials (docs/lab.md "Credentials"): every credential-guarded lab endpoint (ISAPI,
Dahua CGI, ONVIF, DVRIP) accepts ``LAB_USER`` / ``LAB_PASSWORD`` and nothing else. They are
fixed, public and for the lab only.

See docs/lab.md.
"""

LAB_USER = "lab-operator"
LAB_PASSWORD = "lab-screening-pw"  # noqa: S105 - a documented lab-only credential
