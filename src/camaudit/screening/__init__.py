"""Screening: find advertised ethnicity, race and "minority" analytics in documents, firmware,
SDKs and device capability documents (rules in ``rules/screening/``, docs/screening.md).

camaudit detects what other products advertise; it never analyses faces or infers traits.
"""
