"""SLA: business-hours calendars, the SLA clocks and `allie sla simulate`."""
