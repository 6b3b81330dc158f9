"""Reference data of the Pilar contracts, shipped as data files with their legal basis.

* :mod:`pilar_contracts.reference.catalogue`: PSKS types, PMKS/PPKS categories, BNPB DIBI hazards
  and emergency-status stages (JSON files in this package).
* :mod:`pilar_contracts.reference.regions`: Kemendagri region codes down to villages (gzipped CSVs
  in ``regions/``, ODbL 1.0, see ``regions/ATTRIBUTION.md``).
"""
