"""The analytics domain: region drill-down, projections of events and indicators. Pure."""
