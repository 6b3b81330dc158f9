"""Indicators as the API shows them: store queries turned into rows by the domain's rules."""
