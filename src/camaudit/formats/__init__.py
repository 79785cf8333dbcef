"""Other tools' formats, read and written: nmap XML in (``nmap_xml``), and out OCSF Device
Inventory Info events (``ocsf``), a CycloneDX hardware bill of materials (``cyclonedx``) and
NetBox's device-import CSV (``netbox``). The writers are reporters (``reports.REPORTERS``)."""
